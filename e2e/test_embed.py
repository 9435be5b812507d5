"""The embeddable widget fits the frame its snippet asks for, and passes axe-core."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import open_petition

pytestmark = pytest.mark.browser

LONG_TITLE = (
    "Fund the city's night buses so that shift workers, nurses and cleaners can get home "
    "safely after midnight on every weekday and at weekends"
)


@pytest.fixture
def long_petition(union, alice, mo):
    from groundswell.petitions.actions import TargetInput

    return open_petition(
        union,
        alice,
        mo,
        title=LONG_TITLE,
        targets=[
            TargetInput("Alexandra Montgomery-Whitfield", "Mayor"),
            TargetInput("Bartholomew Okonkwo-Lindqvist", "Transport Commissioner"),
        ],
    )


def _snippet_size(client, alice, petition) -> tuple[int, int]:
    from tests.conftest import PASSWORD

    client.login(email=alice.email, password=PASSWORD)
    page = client.get(f"/p/{petition.slug}/dashboard/").content.decode()
    width, height = re.search(r'width="(\d+)" height="(\d+)"', page).groups()
    return int(width), int(height)


@pytest.mark.parametrize("scale", [1, 2], ids=["1x", "2x"])
def test_the_widget_fits_its_snippet_and_its_call_to_action_is_in_view(
    live_server, long_petition, browser, screenshot, client, alice, scale
):
    width, height = _snippet_size(client, alice, long_petition)
    viewport = {"width": width, "height": height}
    with browser.new_context(viewport=viewport, device_scale_factor=scale) as context:
        page = context.new_page()
        page.goto(f"{live_server.url}/p/{long_petition.slug}/embed/")
        screenshot(page, f"embed-{width}x{height}-{scale}x")
        assert page.evaluate("document.documentElement.scrollHeight") <= height
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        button = page.get_by_role("link", name="Sign the petition").bounding_box()
        assert button["y"] + button["height"] <= height

        violations = Axe().run(page).response["violations"]
        assert violations == [], [(v["id"], v["help"]) for v in violations]
