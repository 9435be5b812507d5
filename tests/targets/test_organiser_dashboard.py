"""The delivery section of the organiser's dashboard."""

from groundswell.petitions.models import Petition
from tests.conftest import PASSWORD
from tests.targets.test_waiting_and_overdue import text_of


def dashboard(client, user, petition):
    client.login(username=user.email, password=PASSWORD)
    response = client.get(f"/p/{petition.slug}/dashboard/")
    assert response.status_code == 200
    return response


def test_before_delivery_the_dashboard_asks_for_the_missing_email_address(client, alice, petition):
    response = dashboard(client, alice, petition)
    text = text_of(response)
    assert "Not delivered yet." in text
    assert "no email address" in text
    target = petition.targets.get()
    html = response.content.decode()
    assert f'href="/p/{petition.slug}/targets/{target.pk}/address/"' in html
    assert f'action="/p/{petition.slug}/deliver/"' in html
    assert f'action="/p/{petition.slug}/delivery-plan/"' in html
    assert f'action="/p/{petition.slug}/outcome/"' in html


def test_after_delivery_the_dashboard_shows_each_delivery_and_its_state(
    client, alice, petition, delivered
):
    text = text_of(dashboard(client, alice, petition))
    assert "director@agency.example.gov" in text
    assert "Sent" in text
    assert "Record an answer received another way" in text
    assert "Deliver now" not in text  # every target has it


def test_a_draft_has_nothing_to_deliver_yet(client, alice, draft):
    text = text_of(dashboard(client, alice, draft))
    assert "Once the petition is open you can deliver it" in text
    assert draft.status == Petition.Status.DRAFT


def test_the_delivery_settings_are_saved(client, alice, petition):
    client.login(username=alice.email, password=PASSWORD)
    response = client.post(f"/p/{petition.slug}/delivery-plan/", {
        "plan-delivery_threshold": "10000", "plan-answer_within_days": "14",
        "plan-remind_every_days": "7",
    })  # fmt: skip
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.delivery_threshold == 10000
    assert petition.delivery_plan.answer_within_days == 14
    html = client.get(f"/p/{petition.slug}/dashboard/").content.decode()
    assert "delivers at 10000" in html
    assert 'value="14"' in html and 'value="7"' in html
