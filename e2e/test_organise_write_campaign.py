# ruff: noqa: F811  (the fixtures imported from tests/letters/writing/conftest.py)
"""alice starts a write-to-your-official campaign in Chromium, opens it, and the public finds
it. Screenshots at 390x844 and 1280x800 in e2e/artifacts/issue-16/."""

import re

import pytest
from playwright.sync_api import expect

from groundswell.letters.writing.models import WritingCampaign
from tests.conftest import PASSWORD
from tests.letters.writing.conftest import congress_files, small_congress  # noqa: F401

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(params=list(SIZES))
def size(request):
    return request.param


def shot(page, name: str, size: str) -> None:
    from e2e.conftest import ARTIFACTS

    folder = ARTIFACTS / "issue-16"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"organiser-{name}-{size}.png"), full_page=True)


def test_an_organiser_starts_a_campaign_opens_it_and_the_public_page_shows_it(
    live_server, alice, browser, small_congress, size
):
    from e2e.conftest import _page

    with _page(browser, viewport=SIZES[size]) as page:
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Email").fill(alice.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(live_server.url + "/letters/")
        page.get_by_role("link", name="Start a write-to-your-official campaign").click()

        page.get_by_label("Title", exact=True).fill("Tell Congress: fund the night buses")
        page.get_by_label("Address of its page (optional)").fill("night-buses")
        page.get_by_label("In one or two sentences (optional)").fill(
            "Three minutes, and your senators hear from you."
        )
        page.get_by_label("Subject of the letter").fill("Fund the night buses")
        page.get_by_label("The suggested letter").fill("Please vote for the Night Transit Act.")
        expect(page.get_by_label("Draft")).to_be_checked()
        shot(page, "new-campaign", size)
        page.get_by_role("button", name="Start the campaign").click()

        expect(page).to_have_url(re.compile("/write/night-buses/manage/$"))
        expect(page.get_by_role("heading", name="State: Draft")).to_be_visible()
        page.get_by_role("button", name="Open the campaign").click()
        expect(page.get_by_role("heading", name="State: Open")).to_be_visible()
        expect(page.get_by_label("Link to share")).to_have_value(re.compile("/write/night-buses/$"))
        shot(page, "manage", size)
        assert WritingCampaign.objects.get().status == WritingCampaign.Status.OPEN
        page.goto(live_server.url + "/letters/")
        ours = page.get_by_role("region", name="Your write-to-your-official campaigns")
        expect(
            ours.get_by_role("link", name="Tell Congress: fund the night buses")
        ).to_have_attribute("href", "/write/night-buses/manage/")
        shot(page, "letters-list", size)

    with _page(browser, viewport=SIZES[size]) as public:
        public.goto(live_server.url + "/letters/")
        public.get_by_role("link", name="Tell Congress: fund the night buses").click()
        expect(public.get_by_role("heading", level=1)).to_have_text(
            "Tell Congress: fund the night buses"
        )
        expect(public.get_by_label("Your ZIP code")).to_be_visible()
        expect(public.get_by_text("Manage this campaign")).to_have_count(0)
        shot(public, "public-page", size)
