"""alice picks a director from the directory, sees where the delivery goes, and sends it."""

import pytest
from django.db import connections
from playwright.sync_api import expect

from groundswell.targets.models import Delivery
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

OFFICE = "casework@agency.example.gov"


def test_the_organiser_sets_her_own_address_and_sees_it_before_sending(
    live_server, petition, alice, phone, screenshot
):
    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_label("Email").fill(alice.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()

    phone.goto(f"{live_server.url}/p/{petition.slug}/deliveries/")
    delivery = phone.get_by_role("region", name="Delivery and answers")
    expect(delivery).to_contain_text("no email address")
    delivery.get_by_role("link", name="add your organisation's address").click()
    phone.get_by_label("Your organisation's address for this person").fill(OFFICE)
    phone.get_by_role("button", name="Save").click()

    phone.goto(f"{live_server.url}/p/{petition.slug}/deliveries/")
    expect(delivery).to_contain_text(f"to {OFFICE} (your organisation's address)")
    send = phone.get_by_role("button", name=f"Send to {OFFICE}")
    expect(send).to_be_visible()
    screenshot(phone, "delivery-addresses-1-before-sending")
    send.tap()

    expect(phone.get_by_role("status")).to_contain_text(f"Delivered to Jordan Blake ({OFFICE})")
    assert Delivery.objects.get().email == OFFICE
    connections.close_all()  # the live server's thread must not keep the test database open
