import pytest

from groundswell.letters import actions
from groundswell.letters.models import CoSigner
from groundswell.petitions.models import Signature
from tests.letters.test_open_letters import _approved

pytestmark = pytest.mark.django_db


def test_letters_are_listed_and_read_with_their_approved_organisations(client, letter, alice):
    cosigner = _approved(letter)
    actions.approve_cosigner(cosigner=cosigner, by=alice)
    _approved(letter, name="Waiting League")
    listed = client.get("/api/v1/letters").json()
    assert [item["slug"] for item in listed["items"]] == [letter.slug]
    detail = client.get(f"/api/v1/letters/{letter.slug}").json()
    assert detail["answer_within_days"] == 14
    assert [o["name"] for o in detail["organisations"]] == ["Coalition for Fair Work"]
    assert detail["sign_url"].endswith(f"/api/v1/petitions/{letter.slug}/signatures")
    organisations = client.get(f"/api/v1/letters/{letter.slug}/organisations").json()
    assert organisations[0]["logo_url"].startswith("http")
    assert CoSigner.objects.count() == 2


def test_individuals_co_sign_a_letter_through_the_petition_signing_endpoint(client, letter):
    response = client.post(
        f"/api/v1/petitions/{letter.slug}/signatures",
        {"name": "Sam", "email": "sam@example.com", "postcode": "10001", "country": "US"},
        content_type="application/json",
    )
    assert response.status_code == 202
    assert Signature.objects.get().petition_id == letter.pk


def test_a_draft_letter_is_not_in_the_api(client, union, alice):
    from tests.letters.conftest import start_letter

    draft = start_letter(union, alice)
    assert client.get(f"/api/v1/letters/{draft.slug}").status_code == 404


def test_a_requests_log_is_read_with_its_outcomes(client, mixed):
    body = client.get(f"/api/v1/requests-logs/{mixed.slug}").json()
    assert body["counts"]["in_time"] == 1 and body["counts"]["refused"] == 1
    assert [r["outcome"] for r in body["requests"]] == [
        "in_time",
        "late",
        "refused",
        "no_answer",
        "waiting",
    ]
    assert body["requests"][1]["delivery"]["deadline"] == "2026-03-04"


def test_the_letters_api_is_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/letters",
        "/api/v1/letters/{slug}",
        "/api/v1/letters/{slug}/organisations",
        "/api/v1/requests-logs/{slug}",
    ):
        assert path in paths
    assert "open letter" in paths["/api/v1/petitions/{slug}/signatures"]["post"]["description"]


def test_the_demo_has_an_overdue_letter_with_two_partners_and_a_log_of_88_requests(
    db, settings, tmp_path, client
):
    from django.core.management import call_command

    from groundswell.letters.models import Request, RequestsLog
    from groundswell.petitions.models import Petition

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    call_command("seed_demo")  # adds nothing the second time
    letter = Petition.objects.letters().get(request__isnull=True)
    assert CoSigner.objects.filter(letter=letter).shown().count() == 2
    assert letter.deliveries.get().days_overdue() == 28
    assert "overdue by 28 days" in client.get(letter.get_absolute_url()).content.decode()
    requests_log = RequestsLog.objects.get()
    assert requests_log.requests.count() == 88
    outcomes = {r.outcome() for r in Request.objects.all()}
    assert {"in_time", "late", "refused", "no_answer"} <= outcomes
