"""A help seeker, with no account: the intake, the receipt shown until saved, anti-
automation that stores no identity, opt-in notices, revealing contact details (final) and
closing or leaving."""

import re

from django.core import mail
from django.test import Client

from groundswell.support.models import HelpRequest, Match
from tests.support.conftest import (
    INTAKE,
    ask_for_help,
    log_in_adviser,
    seeker_accepts_first_adviser,
)


def test_the_programme_page_explains_the_protection_and_the_limits(client, programme):
    page = client.get(f"/help/{programme.slug}/").content.decode()
    assert "How your request is protected" in page
    assert "personal device" in page and "not a work computer" in page
    assert "the server handling it sees what is on that page" in page


def test_the_intake_refuses_bad_answers_with_a_422(client, programme, vera):
    response = client.post(
        f"/help/{programme.slug}/ask/", {**INTAKE, "situation": "", "sector": "x"}
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"situation", "sector"}
    assert not HelpRequest.objects.exists()


def test_a_filled_honeypot_stores_nothing(client, programme, vera):
    response = client.post(f"/help/{programme.slug}/ask/", {**INTAKE, "website": "http://spam"})
    assert response.status_code == 422 and not HelpRequest.objects.exists()


def test_intake_is_rate_limited_per_visitor(programme, vera, settings):
    settings.SUPPORT_INTAKE_RATE = "2/h"
    client = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(2):
        assert client.post(f"/help/{programme.slug}/ask/", INTAKE).status_code == 302
    assert client.post(f"/help/{programme.slug}/ask/", INTAKE).status_code == 429
    assert HelpRequest.objects.count() == 2


def test_the_receipt_is_shown_until_the_seeker_says_it_is_saved_then_never_again(
    client, programme, vera
):
    client.post(f"/help/{programme.slug}/ask/", INTAKE)
    page = client.get("/help/receipt/").content.decode()
    receipt = re.search(r"data-receipt>([A-Z2-7-]+)<", page).group(1)
    unticked = client.post("/help/receipt/", {})
    assert unticked.status_code == 422 and receipt in unticked.content.decode()
    assert client.post("/help/receipt/", {"saved": "on"})["Location"] == "/help/request/"
    assert client.get("/help/receipt/")["Location"] == "/help/request/"
    assert receipt not in client.get("/help/request/").content.decode()


def test_a_notification_address_needs_the_seekers_informed_consent(client, programme, vera):
    data = {**INTAKE, "notify_email": "quiet@example.net"}
    response = client.post(f"/help/{programme.slug}/ask/", data)
    assert response.status_code == 422 and "notify_consent" in response.context["form"].errors
    assert (
        client.post(f"/help/{programme.slug}/ask/", {**data, "notify_consent": "on"}).status_code
        == 302
    )
    assert HelpRequest.objects.get().sealed_notify_address is not None


def test_seekers_get_a_bare_notice_only_if_they_left_an_address(
    programme, vera, vera_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_help(Client(), programme)  # no address
        ask_for_help(Client(), programme, notify_email="quiet@example.net", notify_consent="on")
        for match in Match.objects.all():
            vera_client.post(f"/help/adviser/r/{match.code}/accept/")
    notices = [m for m in mail.outbox if m.to == ["quiet@example.net"]]
    assert len(notices) == 1
    assert notices[0].subject == "There is news for you"
    words = notices[0].body.lower().replace("/help/return/", "")
    for word in (programme.name, "Vera", "adviser", "help"):
        assert word.lower() not in words


def test_tasks_are_given_row_ids_and_never_what_a_seeker_wrote(
    programme, vera, vera_client, settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    seeker = Client()
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_help(seeker, programme, notify_email="quiet@example.net", notify_consent="on")
        match = Match.objects.get()
        seeker_accepts_first_adviser(seeker, vera_client, match)
        seeker.post("/help/request/message/", {"body": "secret words"})
    arguments = [(r.task.name, r.args, r.kwargs) for r in default_task_backend.results]
    assert {name for name, *_ in arguments} >= {"notify_adviser", "notify_seeker"}
    for _, args, kwargs in arguments:
        assert all(isinstance(a, int) or a in {"offer", "accepted", "message"} for a in args)
        assert not kwargs


def test_revealing_needs_a_clear_yes_and_cannot_be_undone(programme, vera, vera_client):
    seeker = Client()
    ask_for_help(seeker, programme, contact="Signal +1 555 0100")
    match = Match.objects.get()
    seeker_accepts_first_adviser(seeker, vera_client, match)
    page = seeker.get("/help/request/").content.decode()
    assert "cannot be undone" in page
    assert "Signal +1 555 0100" not in vera_client.get(match.get_absolute_url()).content.decode()
    unconfirmed = seeker.post("/help/request/reveal/", {"contact": "Signal +1 555 0100"})
    assert unconfirmed.status_code == 422
    assert (
        seeker.post(
            "/help/request/reveal/", {"contact": "Signal +1 555 0100", "understood": "on"}
        ).status_code
        == 302
    )
    assert "Signal +1 555 0100" in vera_client.get(match.get_absolute_url()).content.decode()
    again = seeker.post("/help/request/reveal/", {"contact": "other", "understood": "on"})
    assert again.status_code == 409


def test_contact_details_revealed_to_one_adviser_are_not_shown_to_the_next(
    programme, vera, walt, vera_client
):
    seeker = Client()
    ask_for_help(seeker, programme)
    first = Match.objects.get()
    seeker_accepts_first_adviser(seeker, vera_client, first)
    seeker.post("/help/request/reveal/", {"contact": "only-for-vera", "understood": "on"})
    vera_client.post(f"/help/adviser/r/{first.code}/hand-back/")
    second = Match.objects.get(adviser=walt)
    walt_client = log_in_adviser(Client(), walt)
    seeker_accepts_first_adviser(seeker, walt_client, second)
    page = walt_client.get(second.get_absolute_url()).content.decode()
    assert "only-for-vera" not in page and "Not shared" in page
    assert "I work in a field office" in page  # the story does go to the new adviser


def test_closing_ends_the_advisers_access(programme, vera, vera_client):
    seeker = Client()
    ask_for_help(seeker, programme)
    match = Match.objects.get()
    seeker_accepts_first_adviser(seeker, vera_client, match)
    assert seeker.post("/help/request/close/", {}).status_code == 422
    assert seeker.post("/help/request/close/", {"close-confirm": "on"}).status_code == 302
    assert HelpRequest.objects.get().status == HelpRequest.Status.CLOSED
    assert vera_client.get(match.get_absolute_url()).status_code == 404
    match.refresh_from_db()
    assert match.status == Match.Status.ENDED and match.adviser_request_key is None


def test_leaving_signs_the_seeker_out(programme, vera):
    seeker = Client()
    ask_for_help(seeker, programme)
    assert seeker.get("/help/request/").status_code == 200
    seeker.post("/help/request/leave/")
    assert seeker.get("/help/request/")["Location"] == "/help/return/"
