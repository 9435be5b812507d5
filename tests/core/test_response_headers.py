"""Headers every answer carries, whoever made it: Django, a fast path, a copy, a refusal."""

import io
import queue
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIHandler

from groundswell.core.accesslog import AccessLog
from groundswell.core.edge import Admission, MicroCache, ResponseHeaders
from groundswell.petitions.fastpath import (
    ConfirmationWriter,
    FastConfirm,
    FastSign,
    SignatureWriter,
)
from tests.conftest import sign
from tests.wsgi import call_wsgi

pytestmark = pytest.mark.django_db(transaction=True)  # the writers have their own threads

SIGNER = {"name": "Sam Lee", "email": "sam@example.com", "postcode": "10001", "country": "US"}


class Django:
    """Django behind the fast paths, counting what reaches it."""

    def __init__(self):
        self.app, self.calls = Admission(WSGIHandler(), concurrency=8), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


class Full(SignatureWriter):
    def put(self, item):
        raise queue.Full


@pytest.fixture
def site():
    """The stack groundswell/wsgi.py serves, with writers the test can stop."""
    django = Django()
    confirm = FastConfirm(django, writer=ConfirmationWriter(max_queue=100))
    sign_fast = FastSign(confirm, writer=SignatureWriter(max_queue=100))
    app = MicroCache(ResponseHeaders(sign_fast), seconds=60)  # copies kept with the headers
    app.django = django
    yield app
    confirm.writer.stop()
    sign_fast.writer.stop()


def get(app, path):
    return call_wsgi(app, {"REQUEST_METHOD": "GET", "PATH_INFO": path})


def post_sign(app, slug):
    body = urlencode(SIGNER).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": f"/p/{slug}/sign/",
               "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "CONTENT_LENGTH": str(len(body)), "HTTP_SEC_FETCH_SITE": "same-origin",
               "REMOTE_ADDR": "203.0.113.9"}  # fmt: skip
    return call_wsgi(app, {**environ, "wsgi.input": io.BytesIO(body)})


def assert_carries_the_headers(headers: dict) -> None:
    policy = dict(item.split("=", 1) for item in headers["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()"
    assert policy["clipboard-write"] == "(self)"  # copying a share link
    assert headers["Server"] == "Groundswell"


def test_a_page_django_renders_carries_the_permissions_policy(site, petition):
    status, headers, _ = get(site, f"/p/{petition.slug}/")
    assert status == "200 OK" and site.django.calls == 1
    assert_carries_the_headers(headers)


def test_a_shared_copy_of_a_page_carries_it_too(site, petition):
    get(site, f"/p/{petition.slug}/")
    status, headers, _ = get(site, f"/p/{petition.slug}/")
    assert status == "200 OK" and site.django.calls == 1  # the second was the copy
    assert_carries_the_headers(headers)


def test_the_fast_signing_answer_carries_it(site, petition):
    status, headers, _ = post_sign(site, petition.slug)
    assert status == "302 Found" and site.django.calls == 0
    assert_carries_the_headers(headers)


def test_the_fast_confirmation_page_carries_it(site, petition):
    signature = sign(petition, "ann@example.com")
    status, headers, _ = get(site, signature.get_confirm_path())
    assert status == "200 OK"
    assert_carries_the_headers(headers)


def test_a_refusal_made_by_hand_carries_it(petition):
    app = ResponseHeaders(FastSign(Django(), writer=Full(max_queue=1)))
    status, headers, _ = post_sign(app, petition.slug)
    assert status.startswith("503")
    assert_carries_the_headers(headers)


def test_the_served_application_puts_them_on_everything():
    from groundswell.wsgi import application

    # Only the access log and the microcache are outside them: the log changes no answer,
    # and the cache replays copies it kept with them (the site fixture's stack).
    assert isinstance(application, AccessLog)
    assert isinstance(application.app, MicroCache)
    assert isinstance(application.app.app, ResponseHeaders)


def post_sign_to(app, slug, **extra):
    body = urlencode(SIGNER).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": f"/p/{slug}/sign/",
               "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "CONTENT_LENGTH": str(len(body)), "HTTP_SEC_FETCH_SITE": "same-origin",
               "REMOTE_ADDR": "203.0.113.9", "wsgi.input": io.BytesIO(body), **extra}  # fmt: skip
    return call_wsgi(app, environ)


SECURITY = ["Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
            "Referrer-Policy", "Cross-Origin-Opener-Policy", "Content-Security-Policy",
            "Location", "Vary"]  # fmt: skip


def test_a_fast_answer_carries_the_security_headers_django_gives_the_same_request(
    petition, settings
):
    # Settings a deployment might change: the fast answer follows them as Django does.
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_PRELOAD = 3600, True
    settings.SECURE_REFERRER_POLICY = "no-referrer"
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    secure = {"wsgi.url_scheme": "https", "HTTP_HOST": "testserver"}
    django = Django()
    site = ResponseHeaders(FastSign(django, writer=SignatureWriter(max_queue=10)))
    try:
        fast = post_sign_to(site, petition.slug, **secure)
    finally:
        site.app.writer.stop()
    assert django.calls == 0  # answered by the fast path
    slow = post_sign_to(ResponseHeaders(WSGIHandler()), petition.slug, **secure)  # Django only
    assert fast[0] == slow[0] == "302 Found"
    assert {k: fast[1].get(k) for k in SECURITY} == {k: slow[1].get(k) for k in SECURITY}
    assert fast[1]["Strict-Transport-Security"].endswith("preload")  # once rebuilt by hand, lost
    assert fast[1]["Referrer-Policy"] == "no-referrer"


def test_a_host_not_allowed_is_refused_by_the_fast_path_as_by_django(site, petition):
    from groundswell.petitions.models import Signature

    fast = post_sign_to(site, petition.slug, HTTP_HOST="evil.example")
    slow = post_sign_to(WSGIHandler(), petition.slug, HTTP_HOST="evil.example")
    assert fast[0] == slow[0] == "400 Bad Request"
    assert not Signature.objects.exists()


def test_behind_a_proxy_each_scheme_it_reports_gets_django_s_own_answer(petition, settings):
    # The fast path keeps Django's answer per site as sent: the proxy's header is part of
    # it, so an https visitor's answer (with HSTS) is never replayed to an http one.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    django = Django()
    site = ResponseHeaders(FastSign(django, writer=SignatureWriter(max_queue=10)))
    try:
        plain = post_sign_to(site, petition.slug)
        secure = post_sign_to(site, petition.slug, HTTP_X_FORWARDED_PROTO="https")
        plain_again = post_sign_to(site, petition.slug, HTTP_X_FORWARDED_PROTO="http")
    finally:
        site.app.writer.stop()
    assert django.calls == 0  # every one answered by the fast path
    assert plain[0] == secure[0] == plain_again[0] == "302 Found"
    assert secure[1]["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert "Strict-Transport-Security" not in plain[1]
    assert "Strict-Transport-Security" not in plain_again[1]
