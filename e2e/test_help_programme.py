"""The whole confidential help path in a real Chromium: a seeker on a phone asks for help
and saves their receipt; vera, on a laptop, logs in with password and TOTP and says she can
help; the seeker accepts her; they exchange messages; the seeker reveals contact details
to her and finally deletes everything."""

import re

import pytest
from django.db import connections
from playwright.sync_api import expect

from e2e.conftest import _page
from groundswell.support.models import HelpRequest
from tests.support.conftest import (
    ADVISER_PASSWORD,
    cheap_argon2,
    enrol_vera,
    start_programme,
    totp_code,
)

pytestmark = pytest.mark.browser

STORY = "I process case files at a field office and want to move into logistics."


@pytest.fixture(autouse=True)
def _cheap_argon2(settings):
    cheap_argon2(settings)  # the live server runs in this process: same settings


@pytest.fixture
def programme(union, alice):
    return start_programme(union, alice)


@pytest.fixture
def vera(programme, alice):
    return enrol_vera(programme, alice)


@pytest.fixture
def laptop(browser):
    with _page(browser, viewport={"width": 1200, "height": 900}) as page:
        yield page


def fill_in_the_intake(page) -> None:
    page.get_by_label("The kind of work you do now").select_option("enforcement")
    page.get_by_label("CV and applications").check()
    page.get_by_label("Interview practice").check()
    page.get_by_label("Roughly where you are").select_option("americas-east")
    page.get_by_label("The language you want to talk in").select_option("en")
    page.get_by_label("Weekday evenings").check()
    page.get_by_label("Your situation").fill(STORY)
    page.get_by_label("What kind of work would you like next?").fill("Operations, planning.")


def adviser_logs_in(page, url, adviser) -> None:
    page.goto(url + "/help/adviser/login/")
    page.get_by_label("Email").fill(adviser.email)
    page.get_by_label("Password").fill(ADVISER_PASSWORD)
    page.get_by_label("Code from your two-factor app").fill(totp_code(adviser.user))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your requests")


def test_a_seeker_and_an_adviser_go_the_whole_way(
    live_server, programme, vera, phone, laptop, screenshot
):
    url = live_server.url
    # The seeker asks for help.
    phone.goto(f"{url}/help/{programme.slug}/")
    expect(phone.get_by_role("heading", name="How your request is protected")).to_be_visible()
    phone.get_by_role("link", name="Ask for help").click()
    fill_in_the_intake(phone)
    screenshot(phone, "help-1-intake")
    phone.get_by_role("button", name="Send my request").click()

    # The receipt, shown until they say they have saved it.
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Save your receipt code")
    receipt = phone.locator("[data-receipt]").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4}-){6}[A-Z2-7]{4}", receipt)
    screenshot(phone, "help-2-receipt")
    phone.get_by_label("I have saved my receipt code somewhere safe").check()
    phone.get_by_role("button", name="Continue to my request").click()
    expect(phone.get_by_text("We have asked an adviser")).to_be_visible()

    # Vera sees an offer under a random designation, without the story, and says yes.
    adviser_logs_in(laptop, url, vera)
    laptop.get_by_role("link", name=re.compile(r"^Request ")).click()
    expect(laptop.get_by_text("Enforcement, security and investigations")).to_be_visible()
    assert STORY not in laptop.content()
    screenshot(laptop, "help-3-adviser-offer")
    laptop.get_by_role("button", name="I can help with this").click()
    expect(laptop.get_by_text("Waiting for the person who asked to accept you")).to_be_visible()

    # The seeker, back with their receipt, accepts Vera.
    phone.get_by_role("button", name="Leave (sign out of this request)").click()
    phone.goto(f"{url}/help/return/")
    phone.get_by_label("Your receipt code").fill(receipt.lower().replace("-", " "))
    phone.get_by_role("button", name="Open my request").click()
    expect(phone.get_by_text("Career counsellor, 12 years")).to_be_visible()
    screenshot(phone, "help-4-seeker-proposed")
    phone.get_by_role("button", name="Accept Vera as my adviser").click()

    # Vera reads the story and writes.
    laptop.reload()
    expect(laptop.get_by_text(STORY)).to_be_visible()
    laptop.get_by_label("Your message").fill("Hello, I can help. What hours suit you?")
    laptop.get_by_role("button", name="Send message").click()
    expect(laptop.locator(".conversation")).to_contain_text("What hours suit you?")

    # The seeker replies and reveals a way to reach them, to Vera only.
    phone.reload()
    expect(phone.locator(".conversation")).to_contain_text("What hours suit you?")
    phone.get_by_label("Your message").fill("Evenings after seven, thank you.")
    phone.get_by_role("button", name="Send message").click()
    expect(phone.locator(".conversation")).to_contain_text("Evenings after seven")
    phone.get_by_label("Contact details to share with your adviser").fill("Signal: +1 555 0100")
    phone.get_by_label(re.compile("once shared, this cannot be undone")).check()
    screenshot(phone, "help-5-seeker-conversation")
    phone.get_by_role("button", name="Share my contact details with Vera").click()
    expect(phone.get_by_text("You shared your contact details with Vera")).to_be_visible()

    laptop.reload()
    expect(laptop.locator(".revealed")).to_have_text("Signal: +1 555 0100")
    expect(laptop.locator(".conversation")).to_contain_text("Evenings after seven")
    screenshot(laptop, "help-6-adviser-reads")

    # The seeker deletes everything; Vera's list is empty.
    phone.get_by_label(re.compile("delete my request, my messages and my keys")).check()
    phone.get_by_role("button", name="Delete everything now").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your request is deleted")
    screenshot(phone, "help-7-deleted")
    assert not HelpRequest.objects.exists()
    laptop.get_by_role("link", name="Your requests").click()
    expect(laptop.get_by_text("Nothing for you at the moment.")).to_be_visible()
    # Queries made here, while Playwright's loop runs, use a connection of their own: close
    # it, or PostgreSQL refuses to drop the test database at the end of the session.
    connections.close_all()


def test_an_invited_adviser_sets_up_two_factor_with_the_qr_code(
    live_server, programme, alice, laptop, screenshot
):
    from django.core import mail
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from groundswell.support import actions
    from groundswell.support.models import AdviserProfile
    from tests.conftest import PASSWORD, link_in

    actions.invite_adviser(
        programme=programme,
        by=alice,
        email="nina@example.org",
        display_name="Nina",
        qualifications="MBA, hiring manager",
        skills=["interviews"],
        sectors=[],
        languages=["en"],
        time_zone="Europe/London",
        capacity=2,
        ties="",
        vetting_note="Known to the union for years.",
    )
    join = link_in(mail.outbox[-1].body, "/help/adviser/join/")
    laptop.goto(live_server.url + join)
    laptop.get_by_label("Your name").fill("Nina Adviser")
    laptop.get_by_label("Password").fill(ADVISER_PASSWORD)
    laptop.get_by_role("button", name="Continue").click()
    expect(laptop.locator("[data-recovery-code]")).to_have_text(re.compile(r"^([A-Z2-7]{4}-){6}"))
    laptop.get_by_label("I have saved my recovery code somewhere safe").check()
    laptop.get_by_role("button", name="Continue").click()

    qr = laptop.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the SVG data URI really renders
    screenshot(laptop, "help-8-two-factor")
    nina = AdviserProfile.objects.get(email="nina@example.org")
    laptop.get_by_label("The six-digit code your app shows now").fill(totp_code(nina.user))
    laptop.get_by_role("button", name="Confirm").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your requests")

    laptop.get_by_role("button", name="Log out", exact=True).click()
    # Coordinators log in with a second factor too (issue 12): alice's authenticator.
    TOTPDevice.objects.create(user=alice, name="Authenticator", confirmed=True)
    laptop.goto(live_server.url + "/accounts/login/")
    laptop.get_by_label("Email").fill(alice.email)
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Log in").click()
    laptop.get_by_label("Code from your authenticator app, or a recovery code").fill(
        totp_code(alice)
    )
    laptop.get_by_role("button", name="Log in").click()
    laptop.goto(f"{live_server.url}/help/coordinate/{programme.slug}/")
    expect(laptop.get_by_role("row", name=re.compile("Nina"))).to_contain_text("Active")
    screenshot(laptop, "help-9-coordinator")
    connections.close_all()  # see the note at the end of the first test
