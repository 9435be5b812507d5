"""Only a petition's own organisation edits, closes, exports or sees its dashboard."""

import pytest

from groundswell.petitions.models import Petition
from tests.conftest import PASSWORD, verify_session

ORGANISER_PAGES = ["dashboard/", "edit/", "signatures.csv"]
ORGANISER_POSTS = ["submit/", "close/"]


@pytest.mark.parametrize("page", ORGANISER_PAGES)
def test_an_outsider_cannot_see_an_organisers_page(client, charlie, petition, page):
    client.login(username=charlie.email, password=PASSWORD)
    assert client.get(f"/p/{petition.slug}/{page}").status_code == 403


@pytest.mark.parametrize("action", ORGANISER_POSTS)
def test_an_outsider_cannot_close_or_submit(client, charlie, petition, action):
    client.login(username=charlie.email, password=PASSWORD)
    assert client.post(f"/p/{petition.slug}/{action}").status_code == 403
    petition.refresh_from_db()
    assert petition.status == Petition.Status.OPEN


def test_an_outsider_cannot_edit_a_draft(client, charlie, draft):
    client.login(username=charlie.email, password=PASSWORD)
    response = client.post(f"/p/{draft.slug}/edit/", {"title": "Hijacked"})
    assert response.status_code == 404  # a draft is not even visible to outsiders
    draft.refresh_from_db()
    assert draft.title != "Hijacked"


@pytest.mark.parametrize("page", ORGANISER_PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(client, petition, page):
    response = client.get(f"/p/{petition.slug}/{page}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_colleague_can_close_the_petition(client, bob, petition):
    client.login(username=bob.email, password=PASSWORD)
    assert client.post(f"/p/{petition.slug}/close/").status_code == 302
    petition.refresh_from_db()
    assert petition.status == Petition.Status.CLOSED


def test_a_draft_is_hidden_from_everyone_but_its_team_and_staff(client, charlie, bob, mo, draft):
    assert client.get(f"/p/{draft.slug}/").status_code == 404
    client.login(username=charlie.email, password=PASSWORD)
    assert client.get(f"/p/{draft.slug}/").status_code == 404
    for insider in (bob, mo):
        client.login(username=insider.email, password=PASSWORD)
        assert client.get(f"/p/{draft.slug}/").status_code == 200


def test_only_moderators_review(client, alice, draft):
    draft.status = Petition.Status.IN_REVIEW
    draft.save()
    client.login(username=alice.email, password=PASSWORD)
    assert client.get("/moderation/review/").status_code == 403
    response = client.post(f"/moderation/review/{draft.slug}/", {"decision": "approve"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Petition.Status.IN_REVIEW


def test_a_moderator_can_reject_a_petition_with_a_reason_and_a_note(client, mo, draft, alice):
    draft.status = Petition.Status.IN_REVIEW
    draft.save()
    client.login(username=mo.email, password=PASSWORD)
    verify_session(client, mo)
    response = client.post(
        f"/moderation/review/{draft.slug}/",
        {"decision": "reject", "reason": "outside_rules", "note": ""},
    )
    assert "tell the organiser what to change" in response.content.decode()
    client.post(
        f"/moderation/review/{draft.slug}/",
        {"decision": "reject", "reason": "outside_rules", "note": "Name the director."},
    )
    draft.refresh_from_db()
    assert draft.status == Petition.Status.REJECTED
    client.login(username=alice.email, password=PASSWORD)
    assert "Name the director." in client.get(f"/p/{draft.slug}/dashboard/").content.decode()


def test_an_open_petition_cannot_be_edited(client, alice, petition):
    client.login(username=alice.email, password=PASSWORD)
    response = client.post(f"/p/{petition.slug}/edit/", {"title": "Changed after signing"})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.title != "Changed after signing"
