"""Matching by rules: the seeker's language is required, skills or sector must overlap,
capacity must be left, ties to the seeker's employer rule an adviser out; closer time
zones rank first. The seeker accepts or asks for another; an adviser may decline."""

from django.core import mail
from django.test import Client

from groundswell.support import actions
from groundswell.support.matching import hours_apart
from groundswell.support.models import HelpRequest, Match
from tests.support.conftest import ask_for_help, enrol_adviser

INTAKE = actions.Intake(
    sector="enforcement", region="americas-east", language="en", situation="x", skills=["cv"]
)


def ask(programme, **changes) -> HelpRequest:
    intake = actions.Intake(**{**INTAKE.__dict__, **changes})
    return actions.submit_request(programme=programme, intake=intake).request


def offered_to(help_request):
    match = help_request.live_match()
    return match.adviser if match else None


def test_the_language_is_required(programme, vera):
    assert offered_to(ask(programme, language="es")) is None
    assert offered_to(ask(programme, language="en")) == vera


def test_skills_or_sector_must_overlap(programme, vera):
    assert offered_to(ask(programme, skills=["offers"], sector="care")) is None
    assert offered_to(ask(programme, skills=["offers"], sector="enforcement")) == vera
    assert offered_to(ask(programme, skills=["cv"], sector="care")) == vera


def test_an_adviser_at_capacity_is_not_offered_more(programme, vera):
    vera.capacity = 1
    vera.save()
    assert offered_to(ask(programme)) == vera
    assert offered_to(ask(programme)) is None


def test_an_adviser_with_ties_to_the_seekers_employer_is_never_offered(programme, vera):
    vera.ties = "Acme Detention Services\nThe  Agency"
    vera.save()
    assert offered_to(ask(programme, employer="the agency")) is None
    assert offered_to(ask(programme, employer="Another Employer")) == vera
    stored = HelpRequest.objects.exclude(employer_hash="").values_list("employer_hash", flat=True)
    assert all("agency" not in h.lower() for h in stored)


def test_the_closer_time_zone_ranks_first(programme, alice):
    enrol_adviser(
        programme, alice, email="far@example.org", name="Far Away", time_zone="Asia/Tokyo"
    )
    near = enrol_adviser(
        programme, alice, email="near@example.org", name="Near By", time_zone="America/Chicago"
    )
    assert offered_to(ask(programme, region="americas-east")) == near
    assert hours_apart(-5, 9) == 10 and hours_apart(-11, 12) == 1


def test_a_declined_offer_goes_to_the_next_adviser(programme, vera, walt, vera_client):
    help_request = ask(programme)
    match = help_request.live_match()
    assert match.adviser == vera
    assert vera_client.post(f"/help/adviser/r/{match.code}/decline/").status_code == 302
    assert offered_to(help_request) == walt
    match.refresh_from_db()
    assert match.status == Match.Status.DECLINED


def test_the_seeker_can_ask_for_another_adviser(programme, vera, walt, vera_client):
    seeker = Client()
    ask_for_help(seeker, programme)
    first = Match.objects.get()
    vera_client.post(f"/help/adviser/r/{first.code}/accept/")
    page = seeker.get("/help/request/").content.decode()
    assert "Vera" in page and "Career counsellor, 12 years" in page
    assert seeker.post("/help/request/another/", {"match": first.pk}).status_code == 302
    assert offered_to(HelpRequest.objects.get()) == walt
    assert vera_client.get(first.get_absolute_url()).status_code == 404


def test_the_seeker_cannot_accept_before_the_adviser_says_yes(programme, vera):
    seeker = Client()
    ask_for_help(seeker, programme)
    match = Match.objects.get()
    response = seeker.post("/help/request/accept/", {"match": match.pk})
    assert response.status_code == 409
    match.refresh_from_db()
    assert match.status == Match.Status.OFFERED and match.adviser_request_key is None


def test_a_waiting_request_is_offered_when_an_adviser_joins(
    programme, alice, django_capture_on_commit_callbacks
):
    help_request = ask(programme)
    assert offered_to(help_request) is None
    with django_capture_on_commit_callbacks(execute=True):
        vera = enrol_adviser(programme, alice, email="vera@example.org", name="Vera Volunteer")
    assert offered_to(help_request) == vera
    assert mail.outbox[-1].subject == "A request was offered to you"


def test_a_paused_programme_takes_no_requests(client, programme, vera):
    programme.status = programme.Status.PAUSED
    programme.save()
    from tests.support.conftest import INTAKE as FORM

    assert client.post(f"/help/{programme.slug}/ask/", FORM).status_code == 409
    assert not HelpRequest.objects.exists()
