// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var POLL_MS = 10000; // the count endpoint is cached; never poll faster than this

  function format(n) { return Number(n).toLocaleString("en-US"); }

  function poll(box) {
    if (document.hidden) {  // a background tab does not poll
      setTimeout(function () { poll(box); }, POLL_MS);
      return;
    }
    var url = box.getAttribute("data-count-url");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        box.querySelector("[data-count]").textContent = format(data.signature_count);
        var goal = box.querySelector("[data-goal]");  // absent once signing has closed
        if (goal) goal.textContent = format(data.goal);
        var bar = box.querySelector("[data-progress]");
        if (bar) { bar.max = data.goal; bar.value = data.signature_count; }
      })
      .catch(function () {})
      .finally(function () { setTimeout(function () { poll(box); }, POLL_MS); });
  }

  document.querySelectorAll("[data-count-url]").forEach(function (box) {
    setTimeout(function () { poll(box); }, POLL_MS);
  });

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    var label = button.textContent;  // the page's language: "Copied" comes from data-copied
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || "Copied";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
