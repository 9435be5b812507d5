"""The signing API refuses what another site's page could make a browser send."""

import json

import pytest

from groundswell.petitions.models import Signature

SIGNER = {"name": "Ann Lee", "email": "ann@example.com", "postcode": "10001", "country": "US"}


def url(petition) -> str:
    return f"/api/v1/petitions/{petition.slug}/signatures"


def test_a_cross_site_text_plain_post_is_refused_and_stores_nothing(client, petition):
    response = client.post(
        url(petition),
        json.dumps(SIGNER),
        content_type="text/plain",
        HTTP_ORIGIN="https://evil.example",
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert response.status_code == 403
    assert "another site" in response.json()["detail"]
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_SEC_FETCH_SITE": "cross-site"}, {"HTTP_SEC_FETCH_SITE": "same-site"},
     {"HTTP_ORIGIN": "https://evil.example"}],
)  # fmt: skip
def test_a_json_post_from_a_browser_on_another_site_is_a_json_403(client, petition, headers):
    response = client.post(url(petition), SIGNER, content_type="application/json", **headers)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_body_that_is_not_declared_json_is_a_json_415(client, petition, content_type):
    response = client.post(url(petition), json.dumps(SIGNER), content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert not Signature.objects.exists()


def test_a_server_without_browser_headers_still_signs(client, petition):
    response = client.post(url(petition), SIGNER, content_type="application/json")
    assert response.status_code == 202
    assert Signature.objects.count() == 1


def test_the_sites_own_pages_may_still_sign(client, petition):
    response = client.post(
        url(petition),
        SIGNER,
        content_type="application/json; charset=utf-8",
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 202
