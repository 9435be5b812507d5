"""On a phone the organiser's delivery table stacks its cells; each still says what it is."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groundswell.targets import actions
from groundswell.targets.models import Target
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _label_of(cell) -> str:
    return cell.evaluate("td => getComputedStyle(td, '::before').content")


def test_each_delivery_cell_is_labelled_when_the_headers_are_hidden(
    live_server, petition, alice, phone, screenshot, django_capture_on_commit_callbacks
):
    jordan = Target.objects.get(name="Jordan Blake")
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_delivery_by_other_means(
            petition=petition,
            target=jordan,
            method="post",
            delivered_on=timezone.localdate(),
            by=alice,
            answer_within_days=14,
        )
    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_label("Email").fill(alice.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.goto(f"{live_server.url}/p/{petition.slug}/deliveries/")

    table = phone.locator("table.deliveries-table")
    expect(table).to_be_visible()
    assert not phone.locator("table.deliveries-table thead").is_visible()
    row = table.locator("tbody tr").first
    assert _label_of(row.locator("td[data-label=Delivered]")) == '"Delivered: "'
    assert _label_of(row.locator("td[data-label=Deadline]")) == '"Deadline: "'
    assert _label_of(row.locator("td[data-label=State]")) == '"State: "'
    screenshot(phone, "delivery-table-on-a-phone")
