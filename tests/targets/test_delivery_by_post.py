"""A letter sent by post (or handed over) is recorded, and its silence is counted too:
PRODUCT.md situation 2, the union president's letter unanswered for six weeks."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from groundswell.targets.models import Delivery, Reminder, Target
from tests.conftest import PASSWORD


def _record(client, petition, target, **fields):
    data = {
        "other-target": target.pk,
        "other-method": "post",
        "other-delivered_on": (timezone.localdate() - timedelta(days=42)).isoformat(),
        **{f"other-{k}": v for k, v in fields.items()},
    }
    return client.post(f"/p/{petition.slug}/deliver/other/", data)


def test_a_letter_by_post_to_a_target_without_email_counts_six_weeks_of_silence(
    client, alice, petition
):
    target = Target.objects.get(name="Jordan Blake")
    assert target.email == ""
    client.login(username=alice.email, password=PASSWORD)
    response = _record(client, petition, target, answer_within_days="14")
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert (delivery.method, delivery.email, delivery.waiting_days()) == ("post", "", 42)
    assert delivery.state() == "overdue"
    assert mail.outbox == []  # nothing is emailed: there is nobody to email

    page = client.get(petition.get_absolute_url()).content.decode()
    assert "Jordan Blake</a> by post on" in page
    assert "waiting 42 days for an answer" in page

    # No reminders: they would have nowhere to go.
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        from groundswell.targets.actions import schedule_reminders

        assert schedule_reminders() == []
    assert not Reminder.objects.exists()


def test_an_answer_by_letter_can_then_be_recorded(client, alice, petition):
    target = Target.objects.get(name="Jordan Blake")
    client.login(username=alice.email, password=PASSWORD)
    _record(client, petition, target)
    delivery = Delivery.objects.get()
    response = client.post(
        f"/p/{petition.slug}/deliveries/{delivery.pk}/answer/",
        {"outcome": "answered", "source": "letter", "received_on": timezone.localdate().isoformat(),
         "text": "We will meet the union."},
    )  # fmt: skip
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ANSWERED
    api = client.get(f"/api/v1/petitions/{petition.slug}").json()
    assert api["deliveries"][0]["method"] == "post"
    assert api["deliveries"][0]["state"] == "answered"


def test_a_delivery_in_the_future_or_twice_is_refused(client, alice, petition):
    target = Target.objects.get(name="Jordan Blake")
    client.login(username=alice.email, password=PASSWORD)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _record(client, petition, target, delivered_on=tomorrow)
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    _record(client, petition, target)
    again = _record(client, petition, target)
    assert again.status_code == 409
    assert "already delivered" in again.content.decode()
    assert Delivery.objects.count() == 1


def test_an_outsider_cannot_record_a_delivery(client, charlie, petition):
    target = Target.objects.get(name="Jordan Blake")
    client.login(username=charlie.email, password=PASSWORD)
    assert _record(client, petition, target).status_code in (403, 404)
    assert not Delivery.objects.exists()
