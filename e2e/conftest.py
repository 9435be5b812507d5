"""A real Chromium, driven by Playwright, against pytest-django's live server.

Chromium comes from Debian (`apt-get install chromium`), not from `playwright install`.
Without it the browser tests are skipped, except in CI (CI set), where that is a failure.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections
from django.test import override_settings
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

# The people and petitions every test knows, and the autouse fixture that gives each test
# fresh caches, the immediate task backend and the in-memory mailbox (or, asked for, the
# real SMTP server on loopback).
from tests.conftest import _fresh_caches, alice, mo, petition, smtp_server, union  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = "Pixel 7"  # 412x839 CSS pixels, a touch screen, Chrome for Android's user agent


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, answering plain http://localhost as `make run` does.

    The tests run on production's settings (DEBUG off), which redirect every request to
    https, and the live server does not speak TLS. SecurityMiddleware reads the setting
    once, when the server builds its middleware, so it is switched off only while it starts.
    """
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(
            request.config.getvalue("liveserver")
            or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
            or "localhost"
        )
    yield server
    server.stop()


@pytest.fixture
def playwright(monkeypatch):
    """Playwright, for one test.

    Its sync API keeps an asyncio loop running in the test's thread while it is open, and
    Django refuses ORM calls from such a thread unless told that this is deliberate. Both the
    loop and the permission last only as long as the test: a session-wide loop would break
    `async_to_sync` and `asyncio.run` in every test that happened to run after a browser test.
    """
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the browser tests)", pytrace=False)
        pytest.skip(reason)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        yield playwright
        # ORM queries made while the loop runs get connections of their own; close them
        # here, or PostgreSQL cannot drop the test database at the end of the run.
        connections.close_all()


@pytest.fixture
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@contextmanager
def _page(browser, **options):
    """A page in a fresh context. An error response (a stylesheet that is not found, a server
    error) fails the test, whatever else the test asserts."""
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    errors = []

    def note_errors(response):
        if response.status >= 400:
            errors.append(f"{response.status} {response.url}")

    context.on("response", note_errors)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not errors, "The browser got error responses:\n" + "\n".join(dict.fromkeys(errors))


@pytest.fixture
def phone(playwright, browser):
    """A page on a phone-sized touch screen, JavaScript on."""
    with _page(browser, **playwright.devices[PHONE]) as page:
        yield page


@pytest.fixture
def phone_without_javascript(playwright, browser):
    with _page(browser, **playwright.devices[PHONE], java_script_enabled=False) as page:
        yield page


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under e2e/artifacts/ (kept out of git)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
