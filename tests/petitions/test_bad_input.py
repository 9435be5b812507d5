"""Bad input always gets a clear 4xx answer, never a server error, and loses nothing."""

import pytest
import time_machine
from django.utils import timezone

from groundswell.petitions import actions
from groundswell.petitions.models import Signature
from tests.conftest import sign, sign_and_confirm

GOOD = {"name": "Sam Supporter", "email": "sam@example.com", "postcode": "10001", "country": "US"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "   ", "This field is required."),
        ("name", "x" * 101, "at most 100 characters"),
        ("email", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "a@b", "Enter a valid email address."),
        ("email", "x" * 250 + "@example.com", "at most 254 characters"),
        ("postcode", "", "This field is required."),
        ("postcode", "1" * 17, "at most 16 characters"),
        ("country", "ZZ", "Select a valid choice"),
        ("comment", "x" * 501, "at most 500 characters"),
    ],
)
def test_a_bad_field_on_the_sign_form_is_named_on_the_page(client, petition, field, value, message):
    response = client.post(f"/p/{petition.slug}/sign/", {**GOOD, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("email", "not-an-email"), ("postcode", "1" * 17), ("country", "ZZ"),
     ("comment", "x" * 501)],
)  # fmt: skip
def test_a_bad_field_in_the_api_is_a_422_naming_it(client, petition, field, value):
    response = client.post(
        f"/api/v1/petitions/{petition.slug}/signatures",
        {**GOOD, field: value},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]]


def test_a_missing_field_in_the_api_is_a_422_naming_it(client, petition):
    payload = {k: v for k, v in GOOD.items() if k != "email"}
    response = client.post(
        f"/api/v1/petitions/{petition.slug}/signatures", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert "email" in str(response.json()["detail"])


@pytest.mark.parametrize("body", ["{bad json", "[]", '"a string"', "", "null"])
def test_malformed_json_is_a_4xx(client, petition, body):
    response = client.post(
        f"/api/v1/petitions/{petition.slug}/signatures", body, content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    ["/p/no-such-petition/", "/p/no-such-petition/qr.svg", "/p/no-such-petition/embed/",
     "/p/no-such-petition/thanks/", "/api/v1/petitions/no-such-petition",
     "/api/v1/petitions/no-such-petition/count"],
)  # fmt: skip
def test_an_unknown_slug_is_a_404(client, db, path):
    assert client.get(path).status_code == 404


def test_signing_an_unknown_petition_is_a_404(client, db):
    assert client.post("/p/nope/sign/", GOOD).status_code == 404
    response = client.post(
        "/api/v1/petitions/nope/signatures", GOOD, content_type="application/json"
    )
    assert response.status_code == 404


def test_a_closed_petition_refuses_signatures_clearly(client, petition):
    actions.close_petition(petition=petition)
    page = client.get(f"/p/{petition.slug}/").content.decode()
    assert "This petition is closed" in page and 'class="sign-form"' not in page
    response = client.post(f"/p/{petition.slug}/sign/", GOOD)
    assert response.status_code == 409
    assert "closed" in response.content.decode()
    api = client.post(
        f"/api/v1/petitions/{petition.slug}/signatures", GOOD, content_type="application/json"
    )
    assert api.status_code == 409
    assert "closed" in api.json()["detail"]
    assert not Signature.objects.exists()


def test_a_petition_past_its_closing_date_refuses_signatures(client, petition):
    petition.closes_on = timezone.localdate()
    petition.save()
    with time_machine.travel(timezone.now() + timezone.timedelta(days=1)):
        assert client.post(f"/p/{petition.slug}/sign/", GOOD).status_code == 409


def test_an_expired_link_says_so(client, petition):
    signature = sign(petition)
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        response = client.get(signature.get_confirm_path())
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_reused_link_says_the_signature_already_counts(client, petition):
    signature = sign_and_confirm(petition)
    response = client.get(signature.get_confirm_path())
    assert response.status_code == 409
    assert "already confirmed" in response.content.decode()


@pytest.mark.parametrize("token", ["garbage", "abc:def:ghi", "x" * 300])
def test_a_tampered_link_is_refused(client, petition, token):
    response = client.get(f"/p/confirm/{token}/")
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_a_link_for_a_signature_that_was_purged_is_refused(client, petition):
    signature = sign(petition)
    Signature.objects.filter(pk=signature.pk).delete()
    assert client.get(signature.get_confirm_path()).status_code == 410


def test_a_confirmation_after_the_petition_closed_does_not_count(client, petition):
    signature = sign(petition)
    actions.close_petition(petition=petition)
    response = client.get(signature.get_confirm_path())
    assert response.status_code == 409
    assert "closed" in response.content.decode()
    assert Signature.objects.get().status == Signature.Status.PENDING


def test_a_bad_mastodon_server_name_is_explained(client, petition):
    response = client.get(f"/p/{petition.slug}/share/mastodon/?instance=javascript:alert(1)")
    assert response.status_code == 400
    assert "does not look like a Mastodon server" in response.content.decode()


def test_a_bad_referral_code_in_the_qr_request_is_ignored(client, petition):
    response = client.get(f"/p/{petition.slug}/qr.svg?ref=<script>")
    assert response.status_code == 200
    assert b"<script>" not in response.content
