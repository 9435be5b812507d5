"""The insights' charts and map in a real browser: values on focus, no CSP refusals, axe."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from groundswell.petitions import actions, insights
from tests.conftest import sign_and_confirm

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", [(390, 844), (1280, 800)], ids=["390x844", "1280x800"])
def test_a_bar_shows_its_value_when_focused_and_the_page_needs_no_csp_exception(
    live_server, petition, browser, screen
):
    for i, postcode in enumerate(["10001", "10001", "94103", "82001"]):
        sign_and_confirm(petition, f"s{i}@example.com", postcode=postcode)
    insights.tally_confirmed(now=timezone.now() + timedelta(minutes=5))
    actions.set_insights_public(petition=petition, public=True)
    width, height = screen
    with browser.new_context(viewport={"width": width, "height": height}) as context:
        page = context.new_page()
        refused = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else 0)
        page.goto(f"{live_server.url}/p/{petition.slug}/insights/")
        bar = page.locator("#growth-heading ~ figure .point").first
        value = bar.locator(".value")
        assert value.evaluate("e => getComputedStyle(e).visibility") == "hidden"
        bar.focus()
        assert value.evaluate("e => getComputedStyle(e).visibility") == "visible"
        assert value.text_content() == "4"
        new_york = page.locator('.state-map [data-state="NY"]')
        assert "New York: 2 signatures" in new_york.get_attribute("aria-label")
        assert "shade-0" not in new_york.get_attribute("class")
        fill = new_york.evaluate("e => getComputedStyle(e).fill")
        texas = page.locator('.state-map [data-state="TX"]').evaluate(
            "e => getComputedStyle(e).fill"
        )
        assert fill != texas  # the stylesheet colours a state with signers differently
        assert refused == []
        violations = Axe().run(page).response["violations"]
        assert [v["id"] for v in violations] == []
