"""The optional rule at sign time: no throwaway mailboxes (BLOCK_DISPOSABLE_EMAIL)."""

import pytest

from groundswell.core.email_address import is_disposable
from groundswell.petitions.forms import read_signer
from groundswell.petitions.models import Signature

FORM = {"name": "Sam", "postcode": "10001", "country": "US"}


@pytest.fixture
def blocking(settings):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "BLOCK_DISPOSABLE_EMAIL": True}


def test_the_maintained_list_knows_throwaway_domains_and_their_subdomains():
    assert is_disposable("x@mailinator.com")
    assert is_disposable("x@eu.Mailinator.com")
    assert not is_disposable("x@example.org")
    assert not is_disposable("x@gmail.com")


def test_with_the_rule_on_a_throwaway_address_gets_a_clear_error(blocking, client, petition):
    response = client.post(f"/p/{petition.slug}/sign/", {**FORM, "email": "x@mailinator.com"})
    assert response.status_code == 422
    assert "throwaway mailboxes cannot sign here" in response.content.decode()
    assert not Signature.objects.exists()
    body = b"name=Sam&email=x%40mailinator.com&postcode=10001&country=US"
    assert read_signer(body) is None  # the fast path leaves it to the form's message


def test_with_the_rule_off_by_default_it_signs(client, petition):
    response = client.post(f"/p/{petition.slug}/sign/", {**FORM, "email": "x@mailinator.com"})
    assert response.status_code == 302
    assert Signature.objects.count() == 1
