"""The access log: method, path with its secrets redacted, status, time; nothing else."""

import logging
import re
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver, reverse

from groundswell.core.accesslog import SECRET_PARAMETERS, AccessLog
from tests.wsgi import call_wsgi

TOKEN = "Ab12Cd34Ef56Gh78Ij90-secret_token:xyz"


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"nothing here"]


def logged(path: str, caplog, **environ) -> str:
    app = AccessLog(not_found, enabled=True)
    with caplog.at_level(logging.INFO, logger="groundswell.access"):
        call_wsgi(app, {"REQUEST_METHOD": "GET", "PATH_INFO": path, **environ})
    [record] = [r for r in caplog.records if r.name == "groundswell.access"]
    caplog.clear()
    return record.getMessage()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("accounts:verify_email", {"token": TOKEN}),
     ("accounts:accept_invitation", {"token": TOKEN}),
     ("petitions:confirm", {"token": TOKEN}),
     ("targets:respond", {"slug": "fair-pay", "token": TOKEN}),
     ("support:adviser_join", {"token": TOKEN}),
     ("support:adviser_match", {"code": TOKEN}),
     ("support:adviser_accept", {"code": TOKEN}),
     ("updates:unsubscribe", {"token": TOKEN})],
)  # fmt: skip
def test_the_token_in_an_emailed_link_is_redacted_in_the_log(caplog, name, kwargs):
    path = reverse(name, kwargs=kwargs)
    line = logged(path, caplog)
    assert TOKEN not in line and "secret" not in line
    assert line == f'"GET {path.replace(TOKEN, "[redacted]")}" 404 ' + line.rsplit(" ", 1)[1]
    assert re.fullmatch(r'"GET /\S*\[redacted\]\S*" 404 \d+\.\dms', line)


def _routes_with_secrets(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes_with_secrets(entry, route)
        elif SECRET_PARAMETERS & set(entry.pattern.regex.groupindex):
            yield route


def test_every_route_with_a_secret_in_its_path_is_redacted(caplog):
    routes = list(_routes_with_secrets())
    assert len(routes) >= 8  # the links above, and any route added since
    for route in routes:
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: TOKEN if m[1] in SECRET_PARAMETERS
                            else "some-slug", route)  # fmt: skip
        assert TOKEN not in logged(path, caplog), route


@pytest.mark.parametrize(
    "path",
    [f"/p/confirm/{TOKEN}", f"/p/confirm/{TOKEN}/extra/", f"/help/adviser/r/{TOKEN}/message"],
)
def test_a_token_in_a_mistyped_link_is_redacted_too(caplog, path):
    assert TOKEN not in logged(path, caplog)


def test_the_log_holds_no_query_string_client_address_or_user_agent(caplog):
    line = logged(
        "/p/fair-pay/",
        caplog,
        QUERY_STRING="ref=abcDEF123",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        HTTP_USER_AGENT="SecretBrowser/1.0",
    )
    assert line.startswith('"GET /p/fair-pay/" 404 ')
    for private in ("abcDEF123", "203.0.113", "198.51.100", "SecretBrowser"):
        assert private not in line


def test_paths_without_secrets_are_logged_as_they_are(caplog):
    assert logged("/p/fair-pay/sign/", caplog).startswith('"GET /p/fair-pay/sign/" 404')
    assert logged("/p/confirmations/", caplog).startswith('"GET /p/confirmations/" 404')


def test_no_log_is_written_when_it_is_off(caplog):
    app = AccessLog(not_found, enabled=False)
    with caplog.at_level(logging.INFO, logger="groundswell.access"):
        call_wsgi(app, {"REQUEST_METHOD": "GET", "PATH_INFO": f"/p/confirm/{TOKEN}/"})
    assert not [r for r in caplog.records if r.name == "groundswell.access"]


def test_the_server_itself_never_writes_an_access_log():
    # Granian's log would print every path whole (bin/serve): only the app's is written.
    serve = (Path(__file__).parents[2] / "bin" / "serve").read_text()
    granian = serve[serve.index("$BIN/granian") :]
    assert "--no-access-log" in granian
    assert "--access-log " not in serve and "--access-log-fmt" not in serve


@pytest.mark.parametrize(
    "path",
    [f"/p/confirm/{TOKEN}/", f"/accounts/verify/{TOKEN}/", f"/unsubscribe/{TOKEN}/"],
)
def test_djangos_own_log_of_a_refused_link_redacts_its_token(client, db, caplog, path):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(path)
    assert 400 <= response.status_code < 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert TOKEN not in record.getMessage()
    assert "[redacted]" in record.getMessage()
