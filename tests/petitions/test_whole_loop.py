"""Start, approve, sign, confirm by email through real SMTP, and count: all over HTTP."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from groundswell.petitions.models import Petition, Signature
from tests.conftest import PASSWORD, link_in, verify_session


def _count(client, slug) -> int:
    return client.get(f"/api/v1/petitions/{slug}/count").json()["signature_count"]


def _run_worker():
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_petition_goes_from_draft_to_a_confirmed_signature_through_real_smtp(
    client, alice, mo, smtp_server, settings
):
    # The real task path: the request only queues; the worker sends.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_WAKE_SECONDS = 0  # the mailer's wake-up is due at once, not in 0.2 s

    client.login(username=alice.email, password=PASSWORD)
    response = client.post(
        "/p/new/",
        {
            "title": "Let officers use their discretion",
            "demand": "Issue written guidance protecting lawful discretion.",
            "reasons": "Officers are *trained* to weigh each case.",
            "targets-TOTAL_FORMS": "3",
            "targets-INITIAL_FORMS": "0",
            "targets-0-name": "Jordan Blake",
            "targets-0-role": "Director, Immigration and Customs Enforcement",
        },
    )
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert petition.status == Petition.Status.DRAFT
    assert client.post(f"/p/{petition.slug}/submit/").status_code == 302

    client.logout()
    client.login(username=mo.email, password=PASSWORD)
    verify_session(client, mo)
    assert petition.title in client.get("/moderation/review/").content.decode()
    client.post(f"/moderation/review/{petition.slug}/", {"decision": "approve"})
    petition.refresh_from_db()
    assert petition.status == Petition.Status.OPEN
    _run_worker()  # the organiser is emailed the decision
    [approved] = smtp_server.messages
    assert approved["To"] == alice.email and "Approved" in approved["Subject"]
    smtp_server.messages.clear()

    client.logout()
    page = client.get(f"/p/{petition.slug}/")
    assert "Jordan Blake" in page.content.decode()
    assert _count(client, petition.slug) == 0

    supporter = {
        "name": "Sam Supporter",
        "email": "Sam.Supporter@example.com",
        "postcode": "10001",
        "country": "US",
        "show_name": "on",
    }
    response = client.post(f"/p/{petition.slug}/sign/", supporter)
    assert response.status_code == 302
    assert smtp_server.messages == []  # nothing is sent inside the request
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    _run_worker()
    [message] = smtp_server.messages
    assert message["To"] == "Sam.Supporter@example.com"
    assert "confirm" in message["Subject"].lower()
    confirm_path = link_in(smtp_server.bodies()[0], "/p/confirm/")
    assert _count(client, petition.slug) == 0  # pending signatures do not count

    assert client.get(confirm_path).status_code == 200
    assert _count(client, petition.slug) == 1
    assert "Sam Supporter" in client.get(f"/p/{petition.slug}/").content.decode()

    # Signing again with the same address, differently typed, changes nothing but is
    # answered kindly by email.
    again = client.post(
        f"/p/{petition.slug}/sign/", {**supporter, "email": "  sam.supporter@EXAMPLE.com "}
    )
    assert again.status_code == 302
    _run_worker()
    assert _count(client, petition.slug) == 1
    assert Signature.objects.count() == 1
    assert len(smtp_server.messages) == 2
    assert "already signed" in smtp_server.messages[1]["Subject"].lower()

    # The link works once.
    reused = client.get(confirm_path)
    assert reused.status_code == 409
    assert _count(client, petition.slug) == 1
