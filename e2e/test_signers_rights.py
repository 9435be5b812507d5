"""A signer withdraws from the confirmation email, and asks for their data, in a real
Chromium, with the mail going through a real SMTP server on loopback."""

import json
import re

import pytest
from playwright.sync_api import expect

from e2e.test_sign_on_a_phone import fill_in_the_sign_form
from tests.conftest import sign_and_confirm

pytestmark = pytest.mark.browser


def path_in(message, prefix: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s\"<>]*)", body)
    assert match, f"no {prefix} link in:\n{body}"
    return match.group(1)


def only_message_to(inbox, address: str):
    messages = [m for m in inbox.messages if m["To"] == address]
    assert len(messages) == 1, [m["To"] for m in inbox.messages]
    return messages[0]


def test_a_signer_withdraws_from_the_confirmation_email(
    live_server, petition, phone, browser, smtp_server, screenshot
):
    url = live_server.url
    phone.goto(url + petition.get_absolute_url())
    fill_in_the_sign_form(phone, name="Wren Withdraw", email="wren@example.net")
    phone.get_by_role("button", name="Sign", exact=True).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Nearly done: check your email")

    email = only_message_to(smtp_server, "wren@example.net")
    phone.goto(url + path_in(email, "/p/confirm/"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("your signature counts")
    phone.goto(url + petition.get_absolute_url())
    # Read again within a second of reading it before signing, the page comes from the
    # phone's own cache (max-age=1); reloading asks the server, as a person would.
    phone.reload()
    expect(phone.locator("[data-count]")).to_have_text("1")

    # The same email's withdraw link: it asks first.
    phone.goto(url + path_in(email, "/p/withdraw/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Withdraw your signature?")
    expect(phone.get_by_text("the count goes down by one")).to_be_visible()
    screenshot(phone, "withdraw-1-asks")
    phone.get_by_role("button", name="Withdraw my signature").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your signature is withdrawn")
    screenshot(phone, "withdraw-2-done")

    with phone.expect_navigation():
        phone.get_by_role("link", name=petition.title).tap()
    phone.reload()  # past the phone's cache, as above
    expect(phone.locator("[data-count]")).to_have_text("0")
    expect(phone.get_by_text("Wren Withdraw")).to_have_count(0)

    # The link again (in a page of its own: phone's fails on any error status): a clear
    # page, and the count stays where it is.
    context = browser.new_context()
    try:
        again = context.new_page()
        answer = again.goto(url + path_in(email, "/p/withdraw/"))
        assert answer.status == 410
        expect(again.get_by_role("heading", level=1)).to_have_text("This link does not work")
        expect(again.get_by_text("This signature was withdrawn")).to_be_visible()
    finally:
        context.close()
    phone.goto(url + petition.get_absolute_url())
    phone.reload()  # past the phone's cache, as above
    expect(phone.locator("[data-count]")).to_have_text("0")


def test_a_signer_asks_for_their_data_and_erases_it(
    live_server, petition, phone, smtp_server, screenshot
):
    sign_and_confirm(petition, "ada@example.net", name="Ada Asks", comment="Discretion matters")
    smtp_server.messages.clear()
    url = live_server.url

    phone.goto(url + petition.get_absolute_url())
    phone.get_by_role("link", name="My data").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("My data")
    phone.get_by_role("textbox", name="Your email address").fill("ada@example.net")
    phone.get_by_role("button", name="Email me my data").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your email")
    screenshot(phone, "my-data-1-sent")

    email = only_message_to(smtp_server, "ada@example.net")
    [attachment] = list(email.iter_attachments())
    data = json.loads(attachment.get_content())
    [signature] = data["signatures"]
    assert signature["name"] == "Ada Asks"
    assert signature["comment"] == "Discretion matters"
    html = email.get_body(preferencelist=("html",)).get_content()
    phone.set_content(html)  # read it as the person would
    expect(phone.get_by_role("link", name="Withdraw this signature")).to_be_visible()
    screenshot(phone, "my-data-2-email")

    phone.goto(url + path_in(email, "/my-data/erase/"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Erase everything")
    phone.get_by_role("button", name="Erase everything").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Erased")
    screenshot(phone, "my-data-3-erased")

    phone.goto(url + petition.get_absolute_url())
    expect(phone.locator("[data-count]")).to_have_text("1")  # counts stay

    smtp_server.messages.clear()
    phone.goto(url + "/my-data/")
    phone.get_by_role("textbox", name="Your email address").fill("ada@example.net")
    phone.get_by_role("button", name="Email me my data").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your email")
    again = only_message_to(smtp_server, "ada@example.net")
    assert (
        "We hold nothing under this address"
        in again.get_body(preferencelist=("plain",)).get_content()
    )
