"""A seeker asks, an adviser offers, the seeker accepts; they talk; the seeker reveals and
deletes. Each step shows only what the person at it may see."""

from django.core import mail
from django.test import Client

from groundswell.support.models import HelpRequest, Match, Message
from tests.support.conftest import ask_for_help, seeker_accepts_first_adviser


def test_a_seeker_is_matched_talks_to_their_adviser_reveals_and_deletes(
    programme, vera, vera_client, django_capture_on_commit_callbacks
):
    seeker = Client()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = ask_for_help(seeker, programme, situation="I need a way out, quietly.")
    match = Match.objects.get()
    assert match.adviser == vera and match.status == Match.Status.OFFERED
    assert [m.subject for m in mail.outbox][-1] == "A request was offered to you"
    assert "quietly" not in mail.outbox[-1].body

    offer = vera_client.get(f"/help/adviser/r/{match.code}/").content.decode()
    assert f"Request {match.designation}" in offer and "quietly" not in offer

    with django_capture_on_commit_callbacks(execute=True):
        seeker_accepts_first_adviser(seeker, vera_client, match)
    page = vera_client.get(f"/help/adviser/r/{match.code}/").content.decode()
    assert "I need a way out, quietly." in page
    assert "Logistics or operations." in page

    with django_capture_on_commit_callbacks(execute=True):
        seeker.post("/help/request/message/", {"body": "Can we talk on Tuesday?"})
    assert mail.outbox[-1].subject == "You have a new message"
    assert "Tuesday" not in mail.outbox[-1].body
    vera_client.post(f"/help/adviser/r/{match.code}/message/", {"body": "Tuesday works."})
    assert "Tuesday works." in seeker.get("/help/request/").content.decode()
    assert "Can we talk on Tuesday?" in vera_client.get(match.get_absolute_url()).content.decode()

    seeker.post("/help/request/reveal/", {"contact": "Signal: +1 555 0100", "understood": "on"})
    assert "Signal: +1 555 0100" in vera_client.get(match.get_absolute_url()).content.decode()

    response = seeker.post("/help/request/delete/", {"delete-confirm": "on"})
    assert response.status_code == 200
    assert not HelpRequest.objects.exists() and not Message.objects.exists()
    assert vera_client.get(match.get_absolute_url()).status_code == 404
    again = Client().post("/help/return/", {"receipt": receipt})
    assert again.status_code == 422
