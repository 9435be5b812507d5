"""Help pages never keep where a visitor comes from: no IP address or user agent reaches
the database, the logs or the cache, and responses are neither cached nor referred on."""

import logging

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from groundswell.support.middleware import PLACEHOLDER_ADDRESS, ForgetVisitorMiddleware
from tests.support.conftest import (
    INTAKE,
    assert_nowhere,
    cache_contents,
    database_dump,
    log_in_adviser,
)

ADDRESS, FORWARDED, BROWSER = "203.0.113.77", "198.51.100.23", "DistinctiveBrowser/9.9"
VISITOR = {
    "REMOTE_ADDR": ADDRESS,
    "HTTP_X_FORWARDED_FOR": f"{FORWARDED}, {ADDRESS}",
    "HTTP_X_REAL_IP": FORWARDED,
    "HTTP_USER_AGENT": BROWSER,
    "HTTP_REFERER": "https://intranet.agency.example/who-is-leaving",
}


@pytest.mark.django_db(transaction=True)
def test_no_address_reaches_the_database_the_logs_or_the_cache_during_an_intake(
    programme, vera, caplog
):
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    seeker = Client(**VISITOR)
    assert seeker.get(f"/help/{programme.slug}/ask/").status_code == 200
    assert seeker.post(f"/help/{programme.slug}/ask/", INTAKE).status_code == 302
    assert seeker.post(f"/help/{programme.slug}/ask/", {**INTAKE, "region": ""}).status_code == 422
    assert seeker.post("/help/return/", {"receipt": "AAAA-BBBB"}).status_code == 422
    log_in_adviser(Client(**VISITOR), vera).get("/help/adviser/")
    assert seeker.get("/help/no-such-programme/").status_code == 404  # a logged warning

    dump, cache = database_dump(), cache_contents()
    assert "support_helprequest" in dump and "Not Found: /help/no-such-programme/" in caplog.text
    for secret in (ADDRESS, FORWARDED, BROWSER, "intranet.agency.example"):
        assert_nowhere(secret, dump=dump, logs=caplog.text, cache=cache)


def test_the_middleware_keeps_only_a_keyed_hash_of_the_address():
    seen = {}

    def view(request):
        seen.update(request.META, key=request.support_visitor_key)
        return HttpResponse("ok")

    request = RequestFactory().get("/help/return/", **VISITOR)
    response = ForgetVisitorMiddleware(view)(request)
    assert seen["REMOTE_ADDR"] == PLACEHOLDER_ADDRESS
    for name in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_USER_AGENT", "HTTP_REFERER"):
        assert name not in seen
    assert len(seen["key"]) == 32 and ADDRESS not in seen["key"]
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_same_visitor_gets_the_same_key_today_and_another_tomorrow():
    from groundswell.support.crypto import visitor_key

    today = 1_800_000_000
    assert visitor_key(ADDRESS, now=today) == visitor_key(ADDRESS, now=today + 60)
    assert visitor_key(ADDRESS, now=today) != visitor_key(FORWARDED, now=today)
    assert visitor_key(ADDRESS, now=today) != visitor_key(ADDRESS, now=today + 86400)


def test_other_pages_keep_their_headers_and_addresses(petition):
    seen = {}

    def view(request):
        seen.update(request.META)
        return HttpResponse("ok")

    request = RequestFactory().get(f"/p/{petition.slug}/", **VISITOR)
    response = ForgetVisitorMiddleware(view)(request)
    assert seen["REMOTE_ADDR"] == ADDRESS and "Cache-Control" not in response


def test_help_pages_are_not_cached_and_send_no_referrer(client, programme):
    for url in (
        "/help/",
        f"/help/{programme.slug}/",
        f"/help/{programme.slug}/ask/",
        "/help/return/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "no-referrer"
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_a_same_origin_form_passes_csrf_although_no_referrer_makes_its_origin_null(programme):
    """Browsers send Origin: null under no-referrer; Sec-Fetch-Site vouches for the origin."""
    client = Client(enforce_csrf_checks=True)
    client.get("/help/return/")
    token = client.cookies["csrftoken"].value
    data = {"receipt": "AAAA-BBBB", "csrfmiddlewaretoken": token}
    same_site = {"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "same-origin", "secure": True}
    assert client.post("/help/return/", data, **same_site).status_code == 422
    cross_site = {"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "cross-site", "secure": True}
    assert client.post("/help/return/", data, **cross_site).status_code == 403
    elsewhere = {"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "same-origin"}
    assert client.post("/help/return/", data, secure=True, **elsewhere).status_code == 403
    no_token = {k: v for k, v in data.items() if k != "csrfmiddlewaretoken"}
    assert client.post("/help/return/", no_token, **same_site).status_code == 403
