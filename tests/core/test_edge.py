"""The microcache and admission control in front of Django (groundswell/core/edge.py)."""

import threading
import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.template import engines, loader

from groundswell.core.edge import Admission, MicroCache, warm_up
from groundswell.petitions import actions
from tests.conftest import PASSWORD, sign
from tests.wsgi import call_wsgi


def environ(path="/p/x/", method="GET", **extra) -> dict:
    env = {"PATH_INFO": path, "REQUEST_METHOD": method, "HTTP_HOST": "testserver", **extra}
    setup_testing_defaults(env)
    return env


def call(app, env) -> tuple[str, dict, bytes]:
    return call_wsgi(app, env)


class Counter:
    """A WSGI app that answers with how often it has been called."""

    def __init__(self, headers=(("Cache-Control", "public, max-age=1"),), status="200 OK"):
        self.calls, self.headers, self.status = 0, list(headers), status
        self.gate = None  # a threading.Event the app waits on, to hold a request inside

    def __call__(self, env, start_response):
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        start_response(self.status, self.headers)
        return [f"call {self.calls}".encode()]


def test_a_public_page_is_rendered_once_for_many_anonymous_visitors():
    app = Counter()
    cache = MicroCache(app, seconds=60)
    bodies = {call(cache, environ())[2] for _ in range(20)}
    assert bodies == {b"call 1"}
    assert app.calls == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_COOKIE": "csrftoken=abc; sessionid=xyz"},
        {"HTTP_COOKIE": "messages=abc"},
        {"HTTP_AUTHORIZATION": "Bearer t"},
        {"REQUEST_METHOD": "POST"},
    ],
)
def test_someone_in_particular_is_never_served_a_shared_copy(extra):
    app = Counter()
    cache = MicroCache(app, seconds=60)
    call(cache, environ())
    assert call(cache, environ(**extra))[2] == b"call 2"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([("Cache-Control", "private")], "200 OK"),
        ([], "200 OK"),
        ([("Cache-Control", "public, max-age=1"), ("Set-Cookie", "a=b")], "200 OK"),
        ([("Cache-Control", "public, no-store")], "200 OK"),
        ([("Cache-Control", "public, max-age=1")], "404 Not Found"),
    ],
)
def test_only_a_public_success_without_cookies_is_shared(headers, status):
    app = Counter(headers, status)
    cache = MicroCache(app, seconds=60)
    call(cache, environ())
    assert call(cache, environ())[2] == b"call 2"


def test_the_query_string_is_part_of_the_key():
    app = Counter()
    cache = MicroCache(app, seconds=60)
    call(cache, environ(QUERY_STRING="ref=a"))
    assert call(cache, environ(QUERY_STRING="ref=b"))[2] == b"call 2"
    assert call(cache, environ(QUERY_STRING="ref=a"))[2] == b"call 1"


def test_readers_of_different_languages_never_share_a_copy():
    app = Counter()
    cache = MicroCache(app, seconds=60)
    call(cache, environ(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert call(cache, environ(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9"))[2] == b"call 2"
    assert call(cache, environ(HTTP_COOKIE="django_language=es"))[2] == b"call 2"
    assert call(cache, environ(HTTP_ACCEPT_LANGUAGE="es", HTTP_COOKIE="django_language=en"))[2] == (
        b"call 1"
    )
    assert call(cache, environ(HTTP_ACCEPT_LANGUAGE="fr"))[2] == b"call 1"  # English


def test_a_copy_is_shared_only_for_its_time():
    app = Counter()
    cache = MicroCache(app, seconds=0.05)
    call(cache, environ())
    time.sleep(0.06)
    assert call(cache, environ())[2] == b"call 2"


def test_while_one_visitor_refreshes_an_old_copy_the_others_get_the_old_copy_at_once():
    app = Counter()
    cache = MicroCache(app, seconds=0.01)
    call(cache, environ())
    time.sleep(0.02)
    app.gate = threading.Event()
    refresher = threading.Thread(target=call, args=(cache, environ()))
    refresher.start()
    while app.calls < 2:  # the refresher is inside the app now
        time.sleep(0.001)
    assert call(cache, environ())[2] == b"call 1"  # did not wait for the gate
    app.gate.set()
    refresher.join(5)
    assert call(cache, environ())[2] == b"call 2"


def inside(app, calls: int) -> None:
    """Wait until ``app`` has been called ``calls`` times."""
    deadline = time.monotonic() + 5
    while app.calls < calls:
        assert time.monotonic() < deadline, f"{app.calls} calls, not {calls}"
        time.sleep(0.001)


class Visitors:
    """``count`` threads, each asking ``cache`` for the page once; their bodies in order."""

    def __init__(self, cache, count: int):
        self.bodies: list[bytes] = []
        self.threads = [threading.Thread(target=self._visit, args=(cache,)) for _ in range(count)]

    def _visit(self, cache) -> None:
        self.bodies.append(call(cache, environ())[2])

    def start(self, first: int, last: int | None = None) -> None:
        for thread in self.threads[first:last]:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(5)


def first_one_inside(count: int, first_wait: float) -> tuple[Counter, Visitors]:
    """``count`` visitors of a page no one has a copy of; the first is rendering it, held."""
    app = Counter()
    app.gate = threading.Event()
    visitors = Visitors(MicroCache(app, seconds=60, first_wait=first_wait), count)
    visitors.start(0, 1)
    inside(app, 1)
    return app, visitors


def test_while_the_first_copy_is_made_the_others_wait_for_it_instead_of_rendering_it_too():
    app, visitors = first_one_inside(8, first_wait=5)
    visitors.start(1)
    time.sleep(0.05)
    assert app.calls == 1 and visitors.bodies == []  # the seven are waiting
    app.gate.set()
    visitors.join()
    assert visitors.bodies == [b"call 1"] * 8
    assert app.calls == 1


def test_a_visitor_waits_for_the_first_copy_only_a_while_then_asks_the_app():
    app, visitors = first_one_inside(2, first_wait=0.05)
    visitors.start(1)
    inside(app, 2)  # the second gave up waiting while the first is still inside
    app.gate.set()
    visitors.join()
    assert visitors.bodies == [b"call 2", b"call 2"]  # both answered, by the app each


def test_a_page_that_was_not_shareable_makes_no_one_wait():
    app = Counter(headers=[("Cache-Control", "private")])
    cache = MicroCache(app, seconds=60, first_wait=5)
    assert call(cache, environ())[2] == b"call 1"
    app.gate = threading.Event()
    held = [threading.Thread(target=call, args=(cache, environ())) for _ in range(2)]
    for visitor in held:
        visitor.start()
    inside(app, 3)  # both inside at once: neither waits for the other
    app.gate.set()
    for visitor in held:
        visitor.join(5)
    assert call(cache, environ())[2] == b"call 4"


def test_a_head_request_gets_the_headers_without_the_body():
    cache = MicroCache(Counter(), seconds=60)
    call(cache, environ())
    status, headers, body = call(cache, environ(method="HEAD"))
    assert status == "200 OK" and headers["Cache-Control"] == "public, max-age=1"
    assert body == b""


def test_past_capacity_a_request_is_answered_503_with_retry_after_at_once():
    app = Counter()
    app.gate = threading.Event()
    admission = Admission(app, concurrency=1, wait=0.05)
    inside = threading.Thread(target=call, args=(admission, environ()))
    inside.start()
    while app.calls < 1:
        time.sleep(0.001)
    status, headers, body = call(admission, environ())
    assert status.startswith("503") and headers["Retry-After"] == "1"
    assert b"Nothing you sent was recorded" in body
    status, headers, body = call(admission, environ("/api/v1/petitions/x/count"))
    assert status.startswith("503") and headers["Content-Type"] == "application/json"
    app.gate.set()
    inside.join(5)
    assert call(admission, environ())[0] == "200 OK"  # the slot is free again
    assert app.calls == 2


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: requests must not close the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def site():
    """The stack groundswell/wsgi.py serves, with a long microcache."""
    return MicroCache(Admission(WSGIHandler(), concurrency=4), seconds=60)


def test_the_petition_page_and_count_are_shared_among_anonymous_visitors(
    site, petition, django_assert_num_queries
):
    for path in (f"/p/{petition.slug}/", f"/api/v1/petitions/{petition.slug}/count"):
        status, headers, first = call(site, environ(path))
        assert status == "200 OK" and "public" in headers["Cache-Control"]
        assert "Set-Cookie" not in headers
        with django_assert_num_queries(0):
            assert call(site, environ(path))[2] == first


def test_an_organiser_is_never_shown_the_anonymous_copy(site, petition, alice, client):
    call(site, environ(f"/p/{petition.slug}/"))
    client.login(username=alice.email, password=PASSWORD)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    _status, headers, body = call(site, environ(f"/p/{petition.slug}/", HTTP_COOKIE=cookie))
    assert b"Organiser dashboard" in body
    assert "public" not in headers.get("Cache-Control", "")


def test_a_confirmation_shows_on_the_shared_count_within_a_second(
    petition, django_capture_on_commit_callbacks
):
    # Real defaults: MICROCACHE_SECONDS and COUNT_CACHE_SECONDS of 0.5 s each.
    site = MicroCache(Admission(WSGIHandler()))
    path = f"/api/v1/petitions/{petition.slug}/count"
    assert b'"signature_count": 0' in call(site, environ(path))[2]
    signature = sign(petition)
    actions.confirm_signature(token=signature.confirmation_token())
    time.sleep(1.0)
    assert b'"signature_count": 1' in call(site, environ(path))[2]


def test_warming_up_compiles_the_templates_before_the_first_visitor():
    [cached] = engines["django"].engine.template_loaders  # the cached loader
    cached.reset()
    warm_up()
    assert "petitions/detail.html" in cached.get_template_cache
    assert "updates/detail.html" in cached.get_template_cache
    assert not any(name.startswith("admin/") for name in cached.get_template_cache)


def test_a_warm_up_that_fails_leaves_the_process_serving(monkeypatch, caplog):
    def broken(name):
        raise OSError("the disk went away")

    monkeypatch.setattr(loader, "get_template", broken)
    warm_up()  # does not raise
    assert "warming this process up failed" in caplog.text
