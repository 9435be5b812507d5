"""alice starts a petition on a laptop: the form's rows line up, and a new target's email and
a first goal are asked for on the same page."""

import pytest
from playwright.sync_api import expect

from groundswell.petitions.models import Petition
from groundswell.targets.models import TargetContact
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_petition_form_lines_up_its_fields_and_saves_a_goal_and_an_address(
    live_server, alice, browser, screenshot
):
    with browser.new_context(viewport={"width": 1280, "height": 800}) as context:
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Email").fill(alice.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(live_server.url + "/p/new/")

        first = page.locator("fieldset.target-row").first
        name = first.get_by_label("Or someone new: name")
        role = first.get_by_label("Role and office")
        assert name.bounding_box()["y"] == role.bounding_box()["y"]  # side by side, level
        assert name.bounding_box()["height"] == role.bounding_box()["height"]
        goal = page.get_by_label("First goal (optional)")

        page.get_by_label("Title", exact=True).fill("Fund the night buses")
        name.fill("Dana Mayor")
        role.fill("Mayor of Springfield")
        first.get_by_label("Their email (optional)").fill("mayor@springfield.example.gov")
        page.get_by_label("What we ask", exact=True).fill("Fund the night buses all year.")
        goal.fill("250")
        page.get_by_role("button", name="Save draft").click()

        page.wait_for_url(lambda url: "/p/new/" not in url)  # saved: off to the dashboard
        screenshot(page, "start-a-petition-saved-1280x800")
        petition = Petition.objects.get(title="Fund the night buses")
        assert petition.first_goal == 250
        assert TargetContact.objects.get(organisation=petition.organisation).email == (
            "mayor@springfield.example.gov"
        )
        page.goto(live_server.url + f"/p/{petition.slug}/")
        expect(page.locator("[data-goal]")).to_have_text("250")
