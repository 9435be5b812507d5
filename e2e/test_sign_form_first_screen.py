"""On a phone, the count and the sign form come first: no scrolling to find where to sign."""

import pytest

from tests.conftest import open_petition

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 390, "height": 844}  # an iPhone 12-14's CSS pixels
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def long_petition(union, alice, mo):
    """The demo's first petition: a title that takes two or three lines on a phone."""
    return open_petition(
        union,
        alice,
        mo,
        title="Let officers use their discretion without fear of suspension",
        demand="Issue written guidance that officers who use lawful discretion will not be "
        "suspended for it, and review every suspension made since January.",
    )


@pytest.mark.parametrize("screen", [SMALL_PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_the_name_field_and_the_sign_button_are_on_the_first_screen(
    live_server, long_petition, browser, screenshot, screen
):
    phone = screen is SMALL_PHONE
    with browser.new_context(viewport=screen, is_mobile=phone, has_touch=phone) as context:
        page = context.new_page()
        page.goto(live_server.url + long_petition.get_absolute_url())
        screenshot(page, f"sign-form-first-screen-{screen['width']}x{screen['height']}")
        for element in (
            page.get_by_role("textbox", name="Name"),
            page.get_by_role("button", name="Sign", exact=True),
        ):
            box = element.bounding_box()
            assert box["y"] >= 0
            assert box["y"] + box["height"] <= screen["height"], (
                f"{box['y'] + box['height']:.0f}px is below the first screen"
            )
        # The demand is still there, after the form.
        assert page.get_by_text("Issue written guidance").is_visible()
