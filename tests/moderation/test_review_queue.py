"""The review queue, staff decisions with reasons, the organiser's email, resubmission and
the history, and what the public sees of a rejected petition."""

import time_machine
from django.utils import timezone

from groundswell.moderation.models import ReviewDecision
from groundswell.petitions import actions
from groundswell.petitions.models import Petition
from tests.conftest import log_in_verified, start_petition


def _reject(client, petition, **data):
    fields = {"decision": "reject", "reason": "not_ours", "note": "Only the council can do this."}
    return client.post(f"/moderation/review/{petition.slug}/", {**fields, **data})


def test_the_queue_lists_the_oldest_first_with_who_submitted_and_when(
    client, mo, union, alice, bob
):
    with time_machine.travel("2026-11-02 09:00Z"):
        newer = actions.submit_for_review(petition=start_petition(union, alice, title="Newer"))
    with time_machine.travel("2026-11-01 09:00Z"):
        older = actions.submit_for_review(petition=start_petition(union, bob, title="Older"))
    start_petition(union, alice, title="Still a draft")
    log_in_verified(client, mo)
    page = client.get("/moderation/review/").content.decode()
    assert page.index(older.title) < page.index(newer.title)
    assert "Still a draft" not in page
    assert "Bob Colleague" in page and "1 November 2026" in page


def test_a_rejection_needs_a_reason_from_the_list_and_a_note(client, mo, submitted):
    log_in_verified(client, mo)
    response = _reject(client, submitted, note="   ")
    assert response.status_code == 422
    assert "Write a note: tell the organiser what to change." in response.content.decode()
    response = _reject(client, submitted, reason="because")
    assert response.status_code == 422
    assert "Choose one of the reasons in the list." in response.content.decode()
    response = _reject(client, submitted, reason="")
    assert "Choose why the petition is rejected." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.IN_REVIEW


def test_the_organisers_are_emailed_the_reason(
    client, mo, submitted, bob, smtp_server, django_capture_on_commit_callbacks
):
    log_in_verified(client, mo)
    with django_capture_on_commit_callbacks(execute=True):
        assert _reject(client, submitted).status_code == 302
    assert sorted(m["To"] for m in smtp_server.messages) == ["alice@example.org", bob.email]
    message = smtp_server.messages[0]
    assert message["Subject"] == "Not approved: “Fund the night buses”"
    body = smtp_server.bodies()[0]
    assert "Reason: Not this organisation's to make" in body
    assert "Only the council can do this." in body
    assert f"/p/{submitted.slug}/dashboard/" in body
    assert "&#x27;" not in message["Subject"] + body


def test_the_organiser_edits_resubmits_and_sees_every_decision(client, mo, alice, submitted):
    log_in_verified(client, mo)
    _reject(client, submitted)
    log_in_verified(client, alice)
    dashboard = client.get(f"/p/{submitted.slug}/dashboard/").content.decode()
    assert "Only the council can do this." in dashboard and "Submit again for review" in dashboard
    assert client.get(f"/p/{submitted.slug}/edit/").status_code == 200
    assert client.post(f"/p/{submitted.slug}/submit/").status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.IN_REVIEW
    log_in_verified(client, mo)
    client.post(f"/moderation/review/{submitted.slug}/", {"decision": "approve"})
    log_in_verified(client, alice)
    dashboard = client.get(f"/p/{submitted.slug}/dashboard/").content.decode()
    assert "Approved" in dashboard and "Rejected" in dashboard
    assert list(submitted.decisions.values_list("decision", flat=True)) == [
        ReviewDecision.Decision.APPROVED,
        ReviewDecision.Decision.REJECTED,
    ]


def test_a_rejected_petition_says_so_and_why_without_its_content(client, mo, submitted):
    log_in_verified(client, mo)
    _reject(client, submitted, reason="offensive", note="Slurs in the second paragraph.")
    client.logout()
    response = client.get(f"/p/{submitted.slug}/")
    page = response.content.decode()
    assert response.status_code == 410
    assert "This petition was not accepted" in page
    assert "Offensive or abusive" in page
    assert submitted.demand not in page and submitted.title not in page
    assert "Slurs in the second paragraph." not in page  # the note is for the organiser
    assert client.get(f"/p/{submitted.slug}/embed/").status_code == 404


def test_only_a_petition_in_review_can_be_decided(client, mo, petition):
    log_in_verified(client, mo)
    response = client.post(f"/moderation/review/{petition.slug}/", {"decision": "approve"})
    assert response.status_code == 422
    assert "Only a petition in review can be approved." in response.content.decode()


def test_the_submission_time_is_kept(submitted):
    assert timezone.now() - submitted.submitted_at < timezone.timedelta(minutes=1)
