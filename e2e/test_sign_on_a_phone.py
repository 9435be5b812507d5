"""A supporter signs alice's petition on a phone, in a real Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CONFIRM_PATH = re.compile(r"/p/confirm/[^/\s]+/")


def confirmation_path(to: str) -> str:
    """The path of the confirmation link mailed to ``to`` (the link names SITE_URL's host)."""
    [message] = [m for m in mail.outbox if m.to == [to]]
    return CONFIRM_PATH.search(message.body).group()


def assert_fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width}px wide)"


def fill_in_the_sign_form(page, *, name: str, email: str) -> None:
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="ZIP or postcode").fill("SW1A 1AA")
    page.get_by_role("combobox", name="Country").select_option("GB")
    page.get_by_role("checkbox", name="Show my name").check()


def test_a_supporter_signs_on_a_phone_and_the_count_moves(live_server, petition, phone, screenshot):
    phone.goto(live_server.url + petition.get_absolute_url())
    expect(phone.get_by_role("heading", level=1)).to_have_text(petition.title)
    expect(phone.locator("[data-count]")).to_have_text("0")
    screenshot(phone, "sign-on-phone-1-petition")
    assert_fits_the_screen(phone)

    fill_in_the_sign_form(phone, name="Pat Phone", email="pat@example.net")
    phone.get_by_role("button", name="Sign", exact=True).tap()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Nearly done: check your email")
    screenshot(phone, "sign-on-phone-2-thanks")
    assert_fits_the_screen(phone)

    phone.goto(live_server.url + confirmation_path("pat@example.net"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Thank you, Pat Phone: your signature counts"
    )
    screenshot(phone, "sign-on-phone-3-confirmed")
    assert_fits_the_screen(phone)

    with phone.expect_navigation():
        phone.get_by_role("link", name=petition.title).tap()
    # Read again within a second of reading it before signing, the page comes from the
    # phone's own cache (max-age=1); reloading asks the server, as a person would.
    phone.reload()
    expect(phone.locator("[data-count]")).to_have_text("1")
    expect(phone.get_by_role("region", name="Recent signers")).to_contain_text("Pat Phone")
    screenshot(phone, "sign-on-phone-4-petition-signed")


def test_the_petition_can_be_signed_without_javascript(
    live_server, petition, phone_without_javascript, screenshot
):
    page = phone_without_javascript
    page.goto(live_server.url + petition.get_absolute_url())

    fill_in_the_sign_form(page, name="Nora Noscript", email="nora@example.net")
    page.get_by_role("button", name="Sign", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nearly done: check your email")
    screenshot(page, "sign-without-javascript-thanks")
    assert confirmation_path("nora@example.net")
