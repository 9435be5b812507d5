import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from groundswell.letters import actions
from groundswell.letters.models import Request, RequestsLog
from groundswell.petitions.actions import TargetInput
from groundswell.petitions.models import Petition
from groundswell.targets.models import Delivery
from tests.conftest import log_in_verified
from tests.letters.conftest import CLERK

pytestmark = pytest.mark.django_db


def test_each_request_is_a_closed_letter_delivered_with_its_deadline(mixed):
    item = Request.objects.get(reference="R-1")
    assert item.letter.kind == Petition.Kind.LETTER and item.letter.status == Petition.Status.CLOSED
    assert item.delivery.deadline == date(2026, 3, 15)
    assert item.delivery.method == Delivery.Method.POST


def test_the_dashboard_shows_each_outcome_with_its_days(client, mixed):
    page = client.get(reverse("letters:log", args=[mixed.slug])).content.decode()
    for outcome in (
        "Answered in time",
        "Answered late",
        "Refused",
        "No answer, past the deadline",
        "Waiting, within the deadline",
    ):
        assert outcome in page
    outcomes = {r.reference: (r.outcome(), r.days()) for r in Request.objects.all()}
    assert outcomes == {
        "R-1": ("in_time", 9),
        "R-2": ("late", 8),
        "R-3": ("refused", 2),
        "R-4": ("no_answer", 18),
        "R-5": ("waiting", 2),
    }


def test_the_dashboard_reads_a_fixed_number_of_queries(
    client, mixed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        client.get(reverse("letters:log", args=[mixed.slug]))


def test_the_log_downloads_as_csv(client, mixed):
    response = client.get(reverse("letters:log_csv", args=[mixed.slug]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["reference"], r["outcome"], r["days"]) for r in rows] == [
        ("R-1", "in_time", "9"),
        ("R-2", "late", "8"),
        ("R-3", "refused", "2"),
        ("R-4", "no_answer", "18"),
        ("R-5", "waiting", "2"),
    ]
    assert rows[0]["deadline"] == "2026-03-15" and rows[0]["answered_on"] == "2026-03-10"


def test_the_table_is_embeddable_from_any_site(client, mixed):
    response = client.get(reverse("letters:log_embed", args=[mixed.slug]))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "Answered late" in response.content.decode()


def test_an_organiser_adds_a_request_from_the_form(client, log, alice):
    log_in_verified(client, alice)
    today = date.today()
    response = client.post(
        reverse("letters:add_request", args=[log.slug]),
        {
            "reference": "R-9",
            "subject": "Overtime records",
            "text": "We request ...",
            "name": "Dana Reyes",
            "role": "City Clerk",
            "method": "post",
            "sent_on": (today - timedelta(days=1)).isoformat(),
            "deadline": (today + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Request.objects.get().delivery.deadline == today + timedelta(days=2)


def test_a_deadline_before_the_request_was_sent_is_refused_and_nothing_changes(client, log, alice):
    log_in_verified(client, alice)
    today = date.today()
    response = client.post(
        reverse("letters:add_request", args=[log.slug]),
        {
            "subject": "Overtime records",
            "text": "We request ...",
            "name": "Dana Reyes",
            "role": "City Clerk",
            "method": "post",
            "sent_on": today.isoformat(),
            "deadline": (today - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "The deadline must come after the day the request was sent." in response.content.decode()
    assert not Request.objects.exists() and not Petition.objects.exists()


def test_a_request_by_email_with_a_past_deadline_is_refused(client, log, alice):
    log_in_verified(client, alice)
    response = client.post(
        reverse("letters:add_request", args=[log.slug]),
        {
            "subject": "Overtime records",
            "text": "We request ...",
            "name": "Dana Reyes",
            "role": "City Clerk",
            "email": "clerk@springfield.example.gov",
            "method": "email",
            "deadline": (date.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert not Request.objects.exists()


def test_a_request_by_email_is_sent_with_an_answer_link(
    log, alice, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        actions.add_request(
            log=log,
            by=alice,
            request=actions.RequestInput(
                subject="Overtime records",
                text="We request ...",
                target=TargetInput(
                    "Dana Reyes", "City Clerk", email="clerk@springfield.example.gov"
                ),
                sent_on=date.today(),
                deadline=date.today() + timedelta(days=3),
                method="email",
            ),
        )
    [message] = [m for m in mail.outbox if m.to == ["clerk@springfield.example.gov"]]
    assert "/respond/" in message.body


def test_an_outsider_cannot_add_to_a_log(client, log, charlie):
    log_in_verified(client, charlie)
    assert client.get(reverse("letters:add_request", args=[log.slug])).status_code == 403


def test_a_private_log_is_hidden_from_outsiders(client, log, charlie):
    RequestsLog.objects.filter(pk=log.pk).update(is_public=False)
    log_in_verified(client, charlie)
    assert client.get(reverse("letters:log", args=[log.slug])).status_code == 404
    assert client.get(reverse("letters:log_csv", args=[log.slug])).status_code == 404


def test_recording_a_requests_answer_goes_back_to_the_log(client, log, alice):
    item = actions.add_request(
        log=log,
        by=alice,
        request=actions.RequestInput(
            subject="Overtime records",
            text="We request ...",
            target=CLERK,
            sent_on=date.today() - timedelta(days=2),
            deadline=date.today() + timedelta(days=1),
            method="post",
        ),
    )
    log_in_verified(client, alice)
    url = reverse("letters:record_answer", args=[item.letter.slug, item.delivery.pk])
    response = client.post(
        url,
        {
            "outcome": "declined",
            "source": "letter",
            "received_on": date.today().isoformat(),
            "text": "Not signed by a judge.",
        },
    )
    assert response.status_code == 302 and response["Location"] == log.get_absolute_url()
    assert Request.objects.get().outcome() == Request.Outcome.REFUSED
