"""Every list is keyset-paginated: items and a next link, at most 100 a page, stable."""

from datetime import timedelta

from django.utils import timezone

from groundswell.integrations.models import Scope
from groundswell.petitions import actions
from groundswell.petitions.actions import ConfirmedSignatureInput
from tests.conftest import open_petition, sign_and_confirm
from tests.integrations.conftest import bearer, make_token


def _confirmed(petition, n: int, start: int = 0) -> None:
    base = timezone.now() - timedelta(hours=1)
    actions.import_confirmed_signatures(
        petition=petition,
        rows=[
            ConfirmedSignatureInput(
                name=f"Signer {i}",
                email=f"signer{i}@example.com",
                postcode="10001",
                country="US",
                confirmed_at=base + timedelta(seconds=i),
            )
            for i in range(start, start + n)
        ],
    )


def _walk(client, url, headers=None, **query) -> tuple[list[dict], int]:
    """Every item, following next links; and how many pages it took."""
    items, pages = [], 0
    response = client.get(url, query, **(headers or {}))
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        assert set(data) == {"items", "next"}
        items.extend(data["items"])
        pages += 1
        if data["next"] is None:
            return items, pages
        assert data["next"].startswith("http://127.0.0.1:8000/api/v1/")
        response = client.get(data["next"].removeprefix("http://127.0.0.1:8000"), **(headers or {}))


def test_following_next_links_gives_every_petition_once(client, union, alice, mo):
    slugs = [open_petition(union, alice, mo, title=f"Petition {n}").slug for n in range(5)]
    items, pages = _walk(client, "/api/v1/petitions", limit=2)
    assert [p["slug"] for p in items] == slugs[::-1]  # newest first
    assert pages == 3


def test_a_page_holds_at_most_100_items(client, union, petition):
    _token, secret = make_token(union, Scope.SIGNATURES_READ)
    _confirmed(petition, 105)
    url = f"/api/v1/petitions/{petition.slug}/signers"
    first = client.get(url, {"limit": 1000}, **bearer(secret)).json()
    assert len(first["items"]) == 100
    assert "limit=1000" in first["next"]
    rest = client.get(first["next"].removeprefix("http://127.0.0.1:8000"), **bearer(secret))
    assert len(rest.json()["items"]) == 5 and rest.json()["next"] is None
    default = client.get(url, **bearer(secret)).json()
    assert len(default["items"]) == 50


def test_signers_paginate_without_repeats_while_others_confirm(client, union, petition):
    _token, secret = make_token(union, Scope.SIGNATURES_READ)
    _confirmed(petition, 6)
    url = f"/api/v1/petitions/{petition.slug}/signers"
    first = client.get(url, {"limit": 4}, **bearer(secret)).json()
    sign_and_confirm(petition, "latecomer@example.com")  # confirmed after page 1 was read
    rest, _pages = _walk(
        client, first["next"].removeprefix("http://127.0.0.1:8000"), bearer(secret)
    )
    emails = [s["email"] for s in first["items"] + rest]
    assert emails == [f"signer{i}@example.com" for i in range(6)] + ["latecomer@example.com"]


def test_the_filters_stay_in_the_next_link(client, union, petition):
    _token, secret = make_token(union, Scope.SIGNATURES_READ)
    _confirmed(petition, 5)
    since = (timezone.now() - timedelta(hours=2)).isoformat()
    url = f"/api/v1/petitions/{petition.slug}/signers"
    items, pages = _walk(client, url, bearer(secret), limit=2, since=since, status="confirmed")
    assert len(items) == 5 and pages == 3


def test_a_broken_cursor_is_refused_with_a_message(client, union, petition):
    _token, secret = make_token(union, Scope.SIGNATURES_READ)
    url = f"/api/v1/petitions/{petition.slug}/signers"
    for cursor in ("not-base64!", "WzFd", "eyJhIjoxfQ", "WyJ4IiwgMV0"):
        response = client.get(url, {"cursor": cursor}, **bearer(secret))
        assert response.status_code == 422, cursor
        assert "cursor" in response.json()["detail"]


def test_a_later_page_costs_the_same_queries_as_the_first(
    client, union, petition, django_assert_num_queries
):
    _token, secret = make_token(union, Scope.SIGNATURES_READ)
    _confirmed(petition, 30)
    url = f"/api/v1/petitions/{petition.slug}/signers"
    first = client.get(url, {"limit": 10}, **bearer(secret)).json()
    later = first["next"].removeprefix("http://127.0.0.1:8000")
    # token, petition, page, the token's read and the audit log's entry (last_used_at was
    # written by the first request)
    with django_assert_num_queries(5):
        client.get(url, {"limit": 10}, **bearer(secret))
    with django_assert_num_queries(5):
        client.get(later, **bearer(secret))


def test_a_newest_first_list_does_not_repeat_items_when_new_ones_arrive(client, union, alice, mo):
    slugs = [open_petition(union, alice, mo, title=f"Petition {n}").slug for n in range(4)]
    first = client.get("/api/v1/petitions", {"limit": 2}).json()
    open_petition(union, alice, mo, title="A brand new one")  # would shift an OFFSET page
    rest, _pages = _walk(client, first["next"].removeprefix("http://127.0.0.1:8000"))
    assert [p["slug"] for p in first["items"] + rest] == slugs[::-1]
