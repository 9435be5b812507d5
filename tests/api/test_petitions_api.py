"""The JSON API integrators rely on: stable names, exact counts, cheap polling."""

import json

import pytest

from groundswell.petitions import actions
from groundswell.petitions.models import Signature
from tests.conftest import open_petition, sign_and_confirm, start_petition

SIGNER = {"name": "Ann Lee", "email": "ann@example.com", "postcode": "10001", "country": "US"}


def test_the_list_shows_open_and_closed_petitions_only(client, petition, draft, union, alice, mo):
    closed = open_petition(union, alice, mo, title="An old campaign")
    actions.close_petition(petition=closed)
    in_review = start_petition(union, alice, title="Waiting for review")
    actions.submit_for_review(petition=in_review)

    response = client.get("/api/v1/petitions")
    assert response.status_code == 200
    assert {p["slug"]: p["status"] for p in response.json()["items"]} == {
        petition.slug: "open",
        closed.slug: "closed",
    }


def test_the_list_costs_the_same_few_queries_however_many_petitions(
    client, union, alice, mo, django_assert_max_num_queries
):
    for n in range(8):
        open_petition(union, alice, mo, title=f"Petition {n}")
    with django_assert_max_num_queries(3 + 8):  # petitions, targets, one count read each
        assert len(client.get("/api/v1/petitions").json()["items"]) == 8


def test_a_petition_has_the_documented_fields(client, petition):
    sign_and_confirm(petition)
    data = client.get(f"/api/v1/petitions/{petition.slug}").json()
    assert data["slug"] == petition.slug
    assert data["title"] == petition.title
    assert data["status"] == "open"
    # The directory's fields came later (tests/targets/test_targets_api.py); these two stay.
    assert [{"name": t["name"], "role": t["role"]} for t in data["targets"]] == [
        {"name": "Jordan Blake", "role": "Director, Immigration and Customs Enforcement"}
    ]
    assert data["signature_count"] == 1
    assert data["goal"] == 100
    assert data["url"] == f"http://127.0.0.1:8000/p/{petition.slug}/"
    assert data["created_at"]


def test_drafts_are_not_in_the_api(client, draft):
    assert client.get(f"/api/v1/petitions/{draft.slug}").status_code == 404
    assert client.get(f"/api/v1/petitions/{draft.slug}/count").status_code == 404


def test_the_count_is_cacheable_for_heavy_polling(client, petition, django_assert_num_queries):
    sign_and_confirm(petition)
    response = client.get(f"/api/v1/petitions/{petition.slug}/count")
    assert response.json() == {"slug": petition.slug, "signature_count": 1, "goal": 100}
    assert "max-age=1" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    with django_assert_num_queries(1):  # the petition; the count comes from the cache
        client.get(f"/api/v1/petitions/{petition.slug}/count")


def test_signing_through_the_api_is_accepted_for_confirmation(
    client, petition, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/petitions/{petition.slug}/signatures",
            {**SIGNER, "show_name": True, "wants_updates": True},
            content_type="application/json",
        )
    assert response.status_code == 202
    assert response.json() == {"status": "pending_confirmation"}
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.PENDING
    assert signature.show_name and signature.wants_updates
    assert len(mailoutbox) == 1


def test_signing_twice_through_the_api_answers_the_same_and_counts_once(client, petition):
    for email in ("ann@example.com", "ANN@example.com "):
        response = client.post(
            f"/api/v1/petitions/{petition.slug}/signatures",
            {**SIGNER, "email": email},
            content_type="application/json",
        )
        assert response.status_code == 202
    assert Signature.objects.count() == 1


def test_the_openapi_schema_describes_every_endpoint(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["paths"]) >= {
        "/api/v1/petitions",
        "/api/v1/petitions/{slug}",
        "/api/v1/petitions/{slug}/count",
        "/api/v1/petitions/{slug}/signatures",
    }
    petition_schema = schema["components"]["schemas"]["PetitionOut"]["properties"]
    assert {
        "slug",
        "title",
        "status",
        "targets",
        "signature_count",
        "goal",
        "created_at",
        "url",
    } <= set(petition_schema)


def test_the_api_docs_page_loads_nothing_from_other_hosts(client, db):
    body = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "https://" not in body


def test_an_api_client_hammering_one_address_gets_429_with_retry_after(client, petition):
    def post():
        return client.post(
            f"/api/v1/petitions/{petition.slug}/signatures", SIGNER, content_type="application/json"
        )

    statuses = [post().status_code for _ in range(6)]
    assert statuses == [202] * 5 + [429]
    response = post()
    assert response.json()["detail"].startswith("Too many attempts")
    assert response["Retry-After"] == "60"


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_json_body_over_the_upload_limit_is_a_json_413(client, petition, settings, debug):
    settings.DEBUG = debug
    body = json.dumps({**SIGNER, "comment": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    response = client.post(
        f"/api/v1/petitions/{petition.slug}/signatures", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is too large: send at most 3 MiB."
    assert not Signature.objects.exists()
