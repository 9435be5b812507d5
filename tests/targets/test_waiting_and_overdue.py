"""The petition page counts the days a target has been silent, and says when it is overdue."""

import re
from datetime import UTC, datetime

import time_machine

from groundswell.targets.models import Delivery
from tests.targets.conftest import deliver

DELIVERED = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)  # asked to answer within 14 days


def text_of(response) -> str:
    """The page as a reader sees it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def at(day: int, month: int = 3, hour: int = 12):
    return time_machine.travel(datetime(2027, month, day, hour, 0, tzinfo=UTC), tick=False)


def deliver_on_the_first_of_march(petition, alice, capture):
    with time_machine.travel(DELIVERED, tick=False):
        [delivery] = deliver(petition, alice, capture, answer_within_days=14)
    return delivery


def test_the_days_of_silence_count_up_and_the_delivery_turns_overdue_after_its_deadline(
    client, petition, jordan, alice, django_capture_on_commit_callbacks
):
    delivery = deliver_on_the_first_of_march(petition, alice, django_capture_on_commit_callbacks)
    assert delivery.deadline.isoformat() == "2027-03-15"
    page = f"/p/{petition.slug}/"

    with at(1, hour=18):
        text = text_of(client.get(page))
        assert "Delivered to Jordan Blake on 1 March 2027 — waiting 0 days for an answer" in text
        assert "An answer is asked for by 15 March 2027" in text
    with at(2):
        assert "waiting 1 day for an answer" in text_of(client.get(page))
    with at(15, hour=23):  # the last day to answer: not overdue yet
        text = text_of(client.get(page))
        assert "waiting 14 days for an answer" in text
        assert "Overdue" not in text
        assert (
            client.get(f"/api/v1/petitions/{petition.slug}").json()["deliveries"][0]["state"]
            == "sent"
        )
    with at(16):
        text = text_of(client.get(page))
        assert "waiting 15 days for an answer" in text
        assert "Overdue: an answer was asked for by 15 March 2027, 1 day ago." in text
        api = client.get(f"/api/v1/petitions/{petition.slug}").json()["deliveries"][0]
        assert api["state"] == "overdue"
        assert api["waiting_days"] == 15
        assert api["deadline"] == "2027-03-15"
    with at(12, month=4):  # the union president's six weeks
        text = text_of(client.get(page))
        assert "Delivered to Jordan Blake on 1 March 2027 — waiting 42 days for an answer" in text
        assert "28 days ago" in text
        assert Delivery.objects.overdue().count() == 1


def test_an_answer_after_the_deadline_stops_the_count_and_is_no_longer_overdue(
    client, petition, jordan, alice, django_capture_on_commit_callbacks, mailoutbox
):
    from tests.targets.conftest import JORDAN_EMAIL, answer_path

    deliver_on_the_first_of_march(petition, alice, django_capture_on_commit_callbacks)
    [message] = [m for m in mailoutbox if m.to == [JORDAN_EMAIL]]
    with at(20):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                answer_path(message.body), {"decision": "answer", "text": "We hear you."}
            )
        assert response.status_code == 302
    with at(30, month=4):
        text = text_of(client.get(f"/p/{petition.slug}/"))
        assert "answered on 20 March 2027 after 19 days" in text
        assert "We hear you." in text
        assert "waiting" not in text
        assert "Overdue" not in text
        assert Delivery.objects.get().state() == Delivery.Status.ANSWERED
        assert Delivery.objects.overdue().count() == 0


def test_a_delivery_without_a_deadline_is_never_overdue(
    client, petition, jordan, alice, django_capture_on_commit_callbacks
):
    with time_machine.travel(DELIVERED, tick=False):
        deliver(petition, alice, django_capture_on_commit_callbacks)
    with at(1, month=12):
        text = text_of(client.get(f"/p/{petition.slug}/"))
        assert "waiting 275 days for an answer" in text
        assert "Overdue" not in text
