"""import_wordpress --from-url, against a WordPress stand-in on this machine's loopback."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from groundswell.updates.models import Update
from tests.updates.test_import_wordpress import FIXTURES, outcomes

PAGES = {
    1: (FIXTURES / "posts-page-1.json").read_bytes(),
    2: (FIXTURES / "posts-page-2.json").read_bytes(),
}


class WordPress(BaseHTTPRequestHandler):
    """Serves /wp-json/wp/v2/posts in two pages (page 1 says where page 2 is with a Link
    header; page 2 is found from X-WP-TotalPages alone), and some ways a site fails."""

    requests: list[str] = []

    def do_GET(self):
        WordPress.requests.append(self.path)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/wp-json/wp/v2/posts":
            page = int(query.get("page", ["1"])[0])
            headers = {"X-WP-Total": "3", "X-WP-TotalPages": "2"}
            if page == 1:
                host = self.headers["Host"]
                headers["Link"] = (
                    f'<http://{host}/wp-json/wp/v2/posts?per_page=100&page=2>; rel="next"'
                )
            return self.answer(200, PAGES[page], headers)
        if parts.path == "/wp-json/wp/v2/missing":
            body = {"code": "rest_no_route", "message": "No route was found matching the URL."}
            return self.answer(404, json.dumps(body).encode())
        if parts.path == "/slow":
            time.sleep(2)
            return self.answer(200, b"[]")
        if parts.path == "/big":
            return self.answer(200, b"[" + b" " * 5000 + b"]")
        if parts.path == "/login":
            return self.answer(200, b"<!doctype html><p>Log in</p>", content_type="text/html")
        if parts.path == "/broken":
            return self.answer(200, PAGES[1][:300])
        return self.answer(500, b"oops", content_type="text/plain")

    def answer(self, status, body, headers=None, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    WordPress.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), WordPress)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def from_url(url, organisation, *options) -> str:
    out = StringIO()
    call_command(
        "import_wordpress", "--from-url", url, "--organisation", organisation.slug, *options,
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    return out.getvalue()


def test_every_page_of_the_list_is_downloaded_and_imported(site, union):
    report = json.loads(from_url(f"{site}/wp-json/wp/v2/posts", union, "--json"))
    assert outcomes(report) == {
        "post 401": "imported",
        "post 402": "imported",
        "post 403": "imported",
    }
    assert Update.objects.count() == 3
    first, second = WordPress.requests
    assert "per_page=100" in first and "_embed=" in first
    assert "page=2" in second
    assert report["items"][0]["file"].startswith(f"{site}/wp-json/wp/v2/posts?")


def test_importing_from_the_site_again_changes_nothing(site, union):
    from_url(f"{site}/wp-json/wp/v2/posts", union)
    output = from_url(f"{site}/wp-json/wp/v2/posts", union)
    assert "0 new, 0 updated, 3 unchanged" in output


def test_category_names_come_with_the_posts(site, union):
    from_url(f"{site}/wp-json/wp/v2/posts", union, "--press-category", "Press releases")
    assert sorted(Update.objects.values_list("source_id", flat=True)) == [401, 403]


@pytest.mark.parametrize(
    ("path", "options", "message"),
    [
        ("/wp-json/wp/v2/missing", (), "answered 404 Not Found (no such address"),
        ("/wp-json/wp/v2/missing", (), "WordPress says: No route was found"),
        ("/slow", ("--timeout", "0.3"), "did not answer within 0.3 seconds"),
        ("/big", ("--max-bytes", "1000"), "sent more than 1,000 bytes"),
        ("/login", (), "answered with text/html, not the JSON of WordPress's REST API"),
        ("/error", (), "answered 500 Internal Server Error (the site has a problem"),
        ("/broken", (), "breaks at line"),
    ],
)
def test_a_site_that_fails_gets_a_clear_message_and_nothing_is_imported(
    site, union, path, options, message
):
    with pytest.raises(CommandError) as error:
        from_url(f"{site}{path}", union, *options)
    assert message in str(error.value)
    assert not Update.objects.exists()


def test_a_site_that_cannot_be_reached_is_named(union):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(CommandError, match=f"Cannot reach http://127.0.0.1:{port}/"):
        from_url(f"http://127.0.0.1:{port}/wp-json/wp/v2/posts", union)


def test_only_web_addresses_are_fetched(union):
    with pytest.raises(CommandError, match="is not a web address"):
        from_url("file:///etc/passwd", union)


def test_files_and_a_url_together_are_refused(union, tmp_path):
    with pytest.raises(CommandError, match="not both"):
        call_command(
            "import_wordpress", str(FIXTURES / "single-post.json"), "--from-url",
            "http://127.0.0.1:9/", "--organisation", union.slug,
        )  # fmt: skip
