# ruff: noqa: F811  (the fixtures imported from tests/letters/writing/conftest.py)
"""Write to your official in Chromium, with three ZIP codes: one district, one spanning two,
and one the Census tables do not know. Screenshots at 390x844 and 1280x800."""

import re

import pytest
from playwright.sync_api import expect

from groundswell.letters.writing.models import OfficialLetter
from tests.letters.writing.conftest import campaign, congress_files, small_congress  # noqa: F401

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
CONFIRM = re.compile(r"https?://[^/\s]+(/write/[^/\s]+/confirm/[^/\s]+/)")


@pytest.fixture(params=list(SIZES))
def page(request, browser):
    from e2e.conftest import _page

    with _page(browser, viewport=SIZES[request.param]) as page:
        page.size_name = request.param
        yield page


def shot(page, name: str) -> None:
    from e2e.conftest import ARTIFACTS

    folder = ARTIFACTS / "issue-16"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"writing-{name}-{page.size_name}.png"), full_page=True)


def find(page, live_server, campaign, zip_code):
    page.goto(live_server.url + campaign.get_absolute_url())
    page.get_by_label("Your ZIP code").fill(zip_code)
    page.get_by_role("button", name="Find my officials").click()


def test_a_zip_in_one_district_leads_to_letters_emailed_or_handed_off(
    live_server,
    campaign,
    page,
    smtp_server,
):
    find(page, live_server, campaign, "98105")
    officials = page.get_by_role("region", name=re.compile("Your officials"))
    for name in ("Maria Cantwell", "Patty Murray", "Pramila Jayapal"):
        expect(officials).to_contain_text(name)
    shot(page, "zip-lookup")
    page.get_by_label("Your own paragraph (optional)").fill("I have served for twenty years.")
    page.get_by_label("Your full name").fill("Sam Supporter")
    page.get_by_label("Your email").fill("sam@example.com")
    page.get_by_label("Street address").fill("1 Main St")
    page.get_by_label("City").fill("Seattle")
    page.get_by_role("button", name="Write my letters").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    [confirmation] = smtp_server.bodies()
    page.goto(live_server.url + CONFIRM.search(confirmation).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your letters, Sam Supporter")
    cantwell = page.get_by_role("region", name=re.compile("Maria Cantwell"))
    expect(cantwell.get_by_role("link", name=re.compile("contact form"))).to_have_attribute(
        "href", "https://www.cantwell.senate.gov/contact"
    )
    expect(cantwell.get_by_role("textbox", name="Letter")).to_have_value(
        re.compile("^Dear Senator Maria Cantwell,.*twenty years", re.S)
    )
    shot(page, "handoff")
    cantwell.get_by_role("button", name="I sent it").click()
    expect(page.get_by_role("region", name=re.compile("Maria Cantwell"))).to_contain_text(
        "You sent it on"
    )
    assert OfficialLetter.objects.filter(status=OfficialLetter.Status.REPORTED).count() == 1
    page.goto(live_server.url + campaign.get_absolute_url())
    expect(page.get_by_role("heading", name=re.compile("1 letter to 1 office"))).to_be_visible()


def test_a_zip_across_a_district_line_asks_which_district(live_server, campaign, page):
    find(page, live_server, campaign, "98118")
    expect(page.get_by_role("heading", name=re.compile("crosses a district line"))).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Adam Smith")).to_be_visible()
    shot(page, "district-choice")
    page.get_by_role("link", name="Washington, district 9").click()
    officials = page.get_by_role("region", name=re.compile("Your officials"))
    expect(officials).to_contain_text("Adam Smith")
    expect(officials).not_to_contain_text("Pramila Jayapal")


def test_an_unknown_zip_offers_the_choice_of_state(live_server, campaign, page):
    find(page, live_server, campaign, "99999")
    expect(page.get_by_role("alert")).to_contain_text("We do not know the ZIP code 99999")
    page.get_by_label("Your state").select_option("VT")
    shot(page, "unknown-zip")
    page.get_by_role("button", name="Choose my state").click()
    officials = page.get_by_role("region", name=re.compile("Your officials"))
    expect(officials).to_contain_text("Bernard Sanders")
    expect(officials).to_contain_text("no contact on file")
