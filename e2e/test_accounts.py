"""Getting back into an account and keeping it safe, in Chromium, with mail through a real
SMTP server: a forgotten password reset by its emailed link; two-factor set up with the QR
code, then a login with a code and one with a recovery code."""

import re

import pytest
from django.db import connections
from playwright.sync_api import expect

from e2e.conftest import _page
from tests.conftest import PASSWORD, link_in, make_user
from tests.support.conftest import totp_code

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def laptop(browser):
    with _page(browser, viewport={"width": 1200, "height": 900}) as page:
        yield page


def log_in_with_password(page, url, email, password) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_in_with_code(page, url, email, code) -> None:
    log_in_with_password(page, url, email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(code)
    page.get_by_role("button", name="Log in").click()


def test_a_forgotten_password_is_reset_by_the_emailed_link(
    live_server, db, smtp_server, laptop, screenshot
):
    val = make_user("val@example.org", "Val Volunteer")
    laptop.goto(live_server.url + "/accounts/login/")
    laptop.get_by_role("link", name="Forgotten your password?").click()
    laptop.get_by_label("Email").fill("val@example.org")
    laptop.get_by_role("button", name="Email me a link").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Check your email")

    [message] = smtp_server.messages
    assert message["To"] == val.email and "Reset your" in message["Subject"]
    laptop.goto(live_server.url + link_in(smtp_server.bodies()[0], "/accounts/password/reset/"))
    laptop.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    laptop.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    screenshot(laptop, "accounts-1-new-password")
    laptop.get_by_role("button", name="Set my new password").click()
    expect(laptop.get_by_role("status")).to_contain_text("Your password is changed")

    log_in_with_password(laptop, live_server.url, val.email, NEW_PASSWORD)
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Hello, Val Volunteer")
    connections.close_all()


def test_two_factor_is_set_up_then_used_with_a_code_and_with_a_recovery_code(
    live_server, alice, petition, smtp_server, laptop, screenshot
):
    log_in_with_password(laptop, live_server.url, alice.email, PASSWORD)
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Set up two-factor login")
    qr = laptop.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the SVG data URI really renders
    screenshot(laptop, "accounts-2-two-factor")
    laptop.get_by_label("The six-digit code your app shows now").fill(totp_code(alice))
    laptop.get_by_role("button", name="Confirm").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = laptop.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    laptop.get_by_role("link", name="I have saved them: continue").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Hello, Alice Organiser")
    laptop.get_by_role("button", name="Log out", exact=True).click()

    log_in_with_code(laptop, live_server.url, alice.email, totp_code(alice))
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Hello, Alice Organiser")
    export = laptop.request.get(f"{live_server.url}/p/{petition.slug}/signatures.csv")
    assert export.status == 200 and export.headers["content-type"] == "text/csv"
    laptop.get_by_role("button", name="Log out", exact=True).click()

    log_in_with_code(laptop, live_server.url, alice.email, codes[0])
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Hello, Alice Organiser")
    expect(laptop.get_by_role("status")).to_contain_text(re.compile(r"recovery code; 9 left"))
    screenshot(laptop, "accounts-3-recovery-code")
    connections.close_all()
