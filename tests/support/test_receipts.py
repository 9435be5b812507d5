"""Receipts: the right one opens the request, wrong or guessed ones are refused and rate
limited, no receipt ever travels in a URL, and "delete now" leaves nothing behind."""

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import get_resolver

from groundswell.support import crypto
from groundswell.support.models import HelpRequest, Match, Message, SeekerSession
from tests.support.conftest import (
    ask_for_help,
    database_dump,
    seeker_accepts_first_adviser,
)


def test_the_receipt_has_at_least_128_bits_and_is_grouped_for_people():
    receipts = {crypto.new_code() for _ in range(200)}
    assert len(receipts) == 200
    for receipt in receipts:
        groups = receipt.split("-")
        assert len(groups) == 7 and all(len(g) == 4 for g in groups)
        assert set("".join(groups)) <= set(crypto.ALPHABET)
    assert 7 * 4 * 5 >= 128  # 28 characters of a 32-letter alphabet


def test_the_right_receipt_opens_the_request_typed_any_which_way(programme, vera):
    receipt = ask_for_help(Client(), programme, situation="Only I should see this.")
    returning = Client()
    typed = receipt.lower().replace("-", " ")
    response = returning.post("/help/return/", {"receipt": typed})
    assert response.status_code == 302 and response["Location"] == "/help/request/"
    assert "Only I should see this." in returning.get("/help/request/").content.decode()


@pytest.mark.parametrize(
    "guess",
    ["AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", crypto.new_code(), "not a receipt", "ABCD-EFGH"],
    # Stable ids: pytest-xdist workers must collect the same names.
    ids=["all-a", "fresh-random-code", "not-a-receipt", "too-short"],
)
def test_a_wrong_or_guessed_receipt_is_refused(programme, vera, guess):
    ask_for_help(Client(), programme)
    client = Client()
    response = client.post("/help/return/", {"receipt": guess})
    assert response.status_code == 422
    assert guess.encode() not in response.content  # never echoed back
    assert client.get("/help/request/").status_code == 302  # not signed in


def test_receipt_attempts_are_rate_limited_per_visitor(programme, vera, settings):
    settings.SUPPORT_RECEIPT_RATE = "3/h"
    receipt = ask_for_help(Client(), programme)
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert guesser.post("/help/return/", {"receipt": crypto.new_code()}).status_code == 422
    assert guesser.post("/help/return/", {"receipt": crypto.new_code()}).status_code == 429
    # Even the right receipt waits while the limit holds; another visitor is not affected.
    assert guesser.post("/help/return/", {"receipt": receipt}).status_code == 429
    assert (
        Client(REMOTE_ADDR="192.0.2.1").post("/help/return/", {"receipt": receipt}).status_code
        == 302
    )


def test_no_support_url_can_carry_a_receipt(programme, vera):
    resolver = get_resolver()
    support = next(p for p in resolver.url_patterns if getattr(p, "app_name", "") == "support")
    parameters = {name for p in support.url_patterns for name in p.pattern.converters}
    assert parameters == {"slug", "token", "code", "adviser_id"}
    receipt = ask_for_help(Client(), programme)
    snooper = Client()
    response = snooper.get("/help/return/", {"receipt": receipt})
    assert response.status_code == 200 and "gs_help" not in response.cookies


def _references(deleted: dict[type, set]) -> list[str]:
    """Rows in any support table that point at, or are, something deleted."""
    found = []
    for model in apps.get_app_config("support").get_models():
        if ids := deleted.get(model):
            found += [
                f"{model.__name__} {pk}"
                for pk in model.objects.filter(pk__in=ids).values_list("pk", flat=True)
            ]
        for field in model._meta.fields:
            if isinstance(field, models.ForeignKey) and field.related_model in deleted:
                rows = model.objects.filter(**{f"{field.name}__in": deleted[field.related_model]})
                found += [f"{model.__name__}.{field.name}" for _ in rows]
    return found


@pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only
def test_delete_now_leaves_nothing_that_references_the_request(programme, vera, vera_client):
    seeker = Client()
    receipt = ask_for_help(seeker, programme, contact="call me", situation="delete me")
    match = Match.objects.get()
    seeker_accepts_first_adviser(seeker, vera_client, match)
    seeker.post("/help/request/message/", {"body": "one"})
    seeker.post("/help/request/reveal/", {"contact": "call me", "understood": "on"})
    help_request = HelpRequest.objects.get()
    deleted = {
        HelpRequest: {help_request.pk},
        Match: {match.pk},
        Message: set(Message.objects.values_list("pk", flat=True)),
        SeekerSession: set(SeekerSession.objects.values_list("pk", flat=True)),
    }
    traces = [
        help_request.receipt_hash,
        bytes(help_request.public_key).hex(),
        bytes(help_request.wrapped_key).hex(),
        bytes(match.adviser_request_key).hex(),
        match.code,
    ]
    assert _references(deleted) and all(t.lower() in database_dump().lower() for t in traces)

    response = seeker.post("/help/request/delete/", {"delete-confirm": "on"})

    assert response.status_code == 200 and "is deleted" in response.content.decode()
    assert _references(deleted) == []
    dump = database_dump().lower()
    assert [t for t in traces if t.lower() in dump] == []
    assert seeker.get("/help/request/").status_code == 302
    assert Client().post("/help/return/", {"receipt": receipt}).status_code == 422


def test_the_seekers_session_row_holds_their_key_only_encrypted(programme, vera):
    from groundswell.support import keyring

    seeker = Client()
    receipt = ask_for_help(seeker, programme)
    help_request = HelpRequest.objects.get()
    key = help_request.derive_key(receipt)
    [session] = SeekerSession.objects.all()
    assert key not in bytes(session.locked) and crypto.b64(key).encode() not in bytes(
        session.locked
    )
    token, cookie_key = seeker.cookies[keyring.SEEKER_COOKIE].value.split(".")
    opened = crypto.unlock_json(crypto.unb64(cookie_key), session.locked)
    assert crypto.unb64(opened["key"]) == key  # the cookie is the other half
    assert token not in session.token_hash  # the row keeps only a hash of the cookie's token
