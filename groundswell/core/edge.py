"""What stands between the HTTP server and Django: a microcache, Django's answers to the fast
paths, and admission control.

Both are plain WSGI wrappers (groundswell/wsgi.py puts them around Django), so a cached
page or a refusal costs no middleware, no URL routing and no database.

``MicroCache`` keeps, per process, the responses a view marks ``Cache-Control: public`` for
anonymous GETs, for ``MICROCACHE_SECONDS``. It is the proxy's microcache pattern done in
the process: a surge of people reading one petition costs one render per process per
interval. A refresh is done by one thread while the others keep serving the old copy;
the first copy of a page, which there is no old copy of (a process that has just started,
a petition first linked to), is made by one thread while the others wait for it, a while
at most: not by every thread at once, through Django's few slots, into 503s. A page that
turns out not to be shareable is remembered as such for the same interval, so that no one
waits for it again.

``ResponseHeaders`` puts on every answer, whoever made it (Django, a fast path, a cached
copy, a refusal), the headers no answer may lack: ``Permissions-Policy``, and a ``Server``
that names no server software (Granian's own says "granian" and cannot be turned off).

``DjangoAnswers`` runs Django's own handler and middleware around a view chosen by code in
front of Django (petitions/fastpath.py, letters/writing/fastpath.py), so that what the fast
paths answer is Django's answer, from the same settings.

``Admission`` lets ``WEB_CONCURRENCY`` requests run Django at once in a process and makes
the others queue for at most ``ADMISSION_WAIT_SECONDS``; a request that cannot get in by
then is answered at once with 503 and ``Retry-After``, instead of timing out in a queue
that grows without bound. Nothing is refused after it was accepted: the answer comes
before the view runs.
"""

import gc
import logging
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urlencode

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.urls import ResolverMatch

from groundswell.core import i18n

log = logging.getLogger(__name__)

# Cookies that make a visitor someone in particular: their pages are never shared.
PERSONAL_COOKIES = ("sessionid", "messages")


@dataclass
class _Entry:
    status: str
    headers: list
    body: bytes | None  # None: this page was not shareable; go to the app
    expires: float
    refreshing: bool = False


def _shareable_request(environ) -> bool:
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in environ:
        return False
    cookie = environ.get("HTTP_COOKIE", "")
    return not any(name + "=" in cookie for name in PERSONAL_COOKIES)


def _shareable_response(status: str, headers: list) -> bool:
    if not status.startswith("200"):
        return False
    names = {name.lower(): value for name, value in headers}
    control = names.get("cache-control", "")
    return "set-cookie" not in names and "public" in control and "no-store" not in control


class MicroCache:
    """Share public responses to anonymous GETs among this process's visitors for a moment."""

    def __init__(
        self,
        app,
        *,
        seconds: float | None = None,
        max_entries: int = 2000,
        first_wait: float | None = None,
    ):
        self.app = app
        self.seconds = settings.MICROCACHE_SECONDS if seconds is None else seconds
        self.max_entries = max_entries
        # How long the others wait for a page's first copy before asking Django themselves:
        # as long as a request may wait for a slot in Django.
        self.first_wait = settings.ADMISSION_WAIT_SECONDS if first_wait is None else first_wait
        self.entries: OrderedDict[str, _Entry] = OrderedDict()
        self.first: dict[str, threading.Event] = {}  # key: set once its first copy is made
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if self.seconds <= 0 or not _shareable_request(environ):
            return self.app(environ, start_response)
        # One copy per language: the same address is English or Spanish by cookie or
        # Accept-Language (core/i18n.py), which Django decides the same way.
        language = i18n.of_environ(environ)
        key = f"{language}:{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
        now = time.monotonic()
        current, made = False, None
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                made = self.first.get(key)  # another thread is making the first copy
                if made is None:
                    self.first[key] = threading.Event()  # this thread makes it
            elif entry.expires > now or entry.refreshing:
                current = True
            else:
                entry.refreshing = True  # this thread renders; the others serve the old copy
        if current:
            return self._replay(entry, environ, start_response)
        if made is not None:
            return self._after_first(key, made, environ, start_response)
        try:
            return self._render(key, environ, start_response)
        finally:
            with self.lock:
                if entry is not None:
                    entry.refreshing = False
                else:
                    self.first.pop(key).set()

    def _after_first(self, key, made: threading.Event, environ, start_response):
        made.wait(self.first_wait)
        with self.lock:
            entry = self.entries.get(key)
        if entry is None:  # not made in time, or a HEAD that stored nothing: render it
            return self.app(environ, start_response)
        return self._replay(entry, environ, start_response)

    def _render(self, key, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        if not _shareable_response(captured.get("status", ""), captured.get("headers", [])):
            if captured.get("status", "").startswith("200"):  # private, or with a cookie
                self._store(key, _Entry("", [], None, 0))
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if environ["REQUEST_METHOD"] == "GET":
            self._store(key, _Entry(captured["status"], captured["headers"], body, 0))
        return [body]

    def _store(self, key: str, entry: _Entry) -> None:
        entry.expires = time.monotonic() + self.seconds
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def _replay(self, entry: _Entry, environ, start_response):
        if entry.body is None:
            return self.app(environ, start_response)
        start_response(entry.status, list(entry.headers))
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [entry.body]


def permissions_policy(features: dict[str, list[str]]) -> str:
    """``{"camera": [], "web-share": ["self"]}`` as the header says it."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())


class ResponseHeaders:
    """Add the headers every answer carries, unless the answer set its own."""

    SERVER = "Groundswell"  # replaces Granian's "granian"; no version, no software

    def __init__(self, app):
        self.app = app
        self.headers = [
            ("Permissions-Policy", permissions_policy(settings.PERMISSIONS_POLICY)),
            ("Server", self.SERVER),
        ]

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            missing = [h for h in self.headers if h[0].lower() not in present]
            return start_response(status, [*headers, *missing], exc_info)

        return self.app(environ, start)


class Admission:
    """At most ``concurrency`` requests in Django at once; the rest wait briefly, or get 503."""

    def __init__(self, app, *, concurrency: int | None = None, wait: float | None = None):
        self.app = app
        self.slots = threading.BoundedSemaphore(concurrency or settings.WEB_CONCURRENCY)
        self.wait = settings.ADMISSION_WAIT_SECONDS if wait is None else wait

    def __call__(self, environ, start_response):
        if not self.slots.acquire(timeout=self.wait):
            return self._busy(environ, start_response)
        try:
            return self.app(environ, start_response)
        finally:
            self.slots.release()

    @staticmethod
    def _busy(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/api/"):
            status, headers, body = busy_response("application/json", BUSY_JSON)
        else:
            status, headers, body = busy_response("text/html; charset=utf-8", BUSY_HTML)
        start_response(status, headers)
        return [body]


_chosen_view: ContextVar = ContextVar("the view a DjangoAnswers call chose")


class _ChosenViewHandler(WSGIHandler):
    def resolve_request(self, request):
        request.resolver_match = ResolverMatch(_chosen_view.get(), (), {})
        return request.resolver_match


class DjangoAnswers:
    """Django, middleware and all, answering with a view its caller chose, not the one the
    URL names: an answer decided in front of Django (the fast paths) is still made
    by Django from the same settings as any other (host checks, security headers, CSP, URL
    building). The view is given its data as arguments: nothing rides in the environ."""

    def __init__(self):
        self.handler = _ChosenViewHandler()

    def answer(self, environ, start_response, view):
        token = _chosen_view.set(view)
        try:
            return self.handler(environ, start_response)
        finally:
            _chosen_view.reset(token)

    def render(self, environ, view) -> tuple[str, list, bytes]:
        """The answer as (status, headers, body), for a fast path to keep and replay."""
        seen = {}

        def start_response(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)

        result = self.answer(environ, start_response, view)
        try:
            body = b"".join(result)
        finally:
            result.close()  # Django's request_finished: its connection goes back
        return seen["status"], seen["headers"], body


def without_cookies(environ) -> dict:
    """The request as anyone's who reads its language: for an answer made once and replayed
    (the fast paths)."""
    request = {k: v for k, v in environ.items() if k != "HTTP_COOKIE"}
    request["QUERY_STRING"] = urlencode({i18n.QUERY_PARAMETER: i18n.of_environ(environ)})
    request.update({"REQUEST_METHOD": "GET", "CONTENT_LENGTH": "0", "wsgi.input": BytesIO()})
    return request


def busy_response(content_type: str, body: bytes) -> tuple[str, list, bytes]:
    """503 with Retry-After: past capacity, before anything was written."""
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Retry-After", "1"),
        ("Cache-Control", "no-store"),
    ]
    return "503 Service Unavailable", headers, body


BUSY_JSON = b'{"detail": "The site is very busy. Try again after the Retry-After seconds."}'
BUSY_HTML = b"""<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Very busy</title>
<h1>So many people are here that we need a moment</h1>
<p>Nothing you sent was recorded. Please go back and try again in a few seconds: what you
typed is still in the form.</p></html>
"""


def warm_up() -> None:
    """Do, before the first visitor, what Django otherwise does during a process's first
    requests: import every view (the URLconf), compile the project's templates, read the
    static files' manifest, then what ``warm_up_services`` does.

    Without it, a process that has just started (a deploy, a worker replaced after a
    crash) took half a second of a loaded machine to render its first page, while the
    visitors who came meanwhile waited (docs/benchmarks.md, "Results"). Warming
    must never keep a process from serving: what fails here is done on the first request.
    """
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.template import engines
    from django.template.loader import get_template
    from django.urls import get_resolver, reverse

    try:
        get_resolver().url_patterns  # noqa: B018 (imports every view)
        reverse("home")  # fills in the resolver's reverse lookups
        ours = settings.BASE_DIR / "groundswell"
        for root in engines["django"].template_dirs:
            if root.is_relative_to(ours):
                for path in sorted(root.rglob("*.html")):
                    get_template(path.relative_to(root).as_posix())  # cached from now on
        staticfiles_storage.base_url  # noqa: B018 (reads the manifest)
    except Exception:
        log.warning("warming this process up failed; its first requests will do it", exc_info=True)
    warm_up_services()


def warm_up_services() -> None:
    """Open, before the first visitor, what a process's first signatures would otherwise
    open while a surge waits behind them (docs/benchmarks.md, "Where the first seconds
    went"): the database connection (with the pool, its first connections), the cache in
    Redis (importing redis-py alone takes half a second of CPU), and the email validator's
    regular expressions, which Django compiles on first use (150 ms, once per thread that
    comes first: 32 threads of a new process all at once did it 32 times); then it freezes
    what the process has loaded, out of the garbage collector's way. The signing service
    calls this before it takes its first request. Never fatal, like ``warm_up``.
    """
    from django.core.cache import caches
    from django.core.validators import validate_email
    from django.db import connection

    steps = [
        lambda: validate_email("warm-up@example.org"),
        lambda: caches["default"].get("warm-up"),
        connection.ensure_connection,
    ]
    for step in steps:
        try:
            step()
        except Exception:
            log.warning("warming up a connection failed; the first request opens it", exc_info=True)
    if not connection.in_atomic_block:
        connection.close()  # back to the pool (or reopened by the first request)
    # Last, what the process has loaded so far (Django, every module, compiled templates)
    # goes to the collector's permanent generation. A full collection walked all of it
    # while holding the GIL: 50-280 ms in which none of the process's threads ran, a few
    # times a surge, which was the sign runs' p99 (decision 15). What is frozen is never
    # collected, so the garbage is collected first.
    gc.collect()
    gc.freeze()
