"""Role matrix: for a request that is not theirs, staff, another adviser, an outsider, the
organisation's own coordinator and an anonymous visitor are refused every support page and
action. The accepted adviser reads it; an adviser who was only proposed does not."""

import pytest
from django.test import Client

from groundswell.support.models import HelpRequest, Match, Message
from tests.conftest import PASSWORD, verify_session
from tests.support.conftest import ask_for_help, log_in_adviser, seeker_accepts_first_adviser

STORY = "canary-story-9f2c: my supervisor reads my mail."


@pytest.fixture
def matched(programme, vera, vera_client):
    """A seeker whose request vera accepted, with a message each way."""
    seeker = Client()
    ask_for_help(seeker, programme, situation=STORY)
    match = Match.objects.get(adviser=vera)
    seeker_accepts_first_adviser(seeker, vera_client, match)
    seeker.post("/help/request/message/", {"body": "canary-said-1"})
    vera_client.post(f"/help/adviser/r/{match.code}/message/", {"body": "canary-replied-1"})
    return seeker, match


def adviser_urls(match):
    base = f"/help/adviser/r/{match.code}/"
    gets = [base]
    posts = [
        (base + action, {"body": "hijack"})
        for action in ("accept/", "decline/", "hand-back/", "message/")
    ]
    return gets, posts


def seeker_urls(match):
    gets = ["/help/request/", "/help/receipt/"]
    posts = [
        ("/help/request/accept/", {"match": match.pk}),
        ("/help/request/another/", {"match": match.pk}),
        ("/help/request/message/", {"body": "hijack"}),
        ("/help/request/reveal/", {"contact": "hijack", "understood": "on"}),
        ("/help/request/close/", {"close-confirm": "on"}),
        ("/help/request/delete/", {"delete-confirm": "on"}),
    ]
    return gets, posts


def coordinator_urls(programme, adviser):
    base = f"/help/coordinate/{programme.slug}/"
    gets = [base, base + "edit/", f"{base}advisers/{adviser.pk}/"]
    posts = [
        (base + "edit/", {"name": "hijack"}),
        (base + "invite/", {"email": "mallory@example.org"}),
        (f"{base}advisers/{adviser.pk}/", {"status": "removed"}),
    ]
    return gets, posts


def client_for(who, request, walt):
    client = Client()
    if who == "anonymous":
        return client
    if who == "another adviser":
        return log_in_adviser(client, walt)
    user = request.getfixturevalue(who)
    client.login(username=user.email, password=PASSWORD)
    verify_session(client, user)
    return client


def refused(response) -> bool:
    if response.status_code in (403, 404):
        return True
    location = response.get("Location", "")
    return response.status_code == 302 and (
        location.startswith(("/help/adviser/login/", "/help/return/", "/accounts/login/"))
    )


def unchanged(match, programme, vera) -> None:
    match.refresh_from_db()
    vera.refresh_from_db()
    programme.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED and match.adviser_contact is None
    assert Message.objects.count() == 2 and HelpRequest.objects.count() == 1
    assert programme.name == "Next Steps" and vera.status == vera.Status.ACTIVE


@pytest.mark.parametrize("who", ["mo", "another adviser", "charlie", "anonymous"])
def test_nobody_else_reaches_a_request_through_any_support_url(
    who, request, matched, programme, vera, walt
):
    _, match = matched
    client = client_for(who, request, walt)
    gets, posts = [], []
    for urls in (adviser_urls(match), seeker_urls(match), coordinator_urls(programme, vera)):
        gets += urls[0]
        posts += urls[1]
    for url in gets:
        response = client.get(url)
        assert refused(response), f"{who} GET {url}: {response.status_code}"
        assert b"canary" not in response.content
    for url, data in posts:
        response = client.post(url, data)
        assert refused(response), f"{who} POST {url}: {response.status_code}"
        assert b"canary" not in response.content
    unchanged(match, programme, vera)


def test_the_coordinator_sees_counts_but_never_the_request(client, alice, matched, programme, vera):
    _, match = matched
    client.login(username=alice.email, password=PASSWORD)
    verify_session(client, alice)
    for url in coordinator_urls(programme, vera)[0]:
        response = client.get(url)
        assert response.status_code == 200
        assert b"canary" not in response.content
    gets, posts = adviser_urls(match)
    for url in gets + seeker_urls(match)[0]:
        assert refused(client.get(url)), url
    for url, data in posts + seeker_urls(match)[1]:
        assert refused(client.post(url, data)), url
    unchanged(match, programme, vera)


def test_another_seeker_cannot_act_on_someone_elses_adviser(programme, matched, walt):
    _, match = matched
    other = Client()
    ask_for_help(other, programme, skills=["networking"], situation="Someone else entirely.")
    for action in ("accept/", "another/"):
        assert other.post(f"/help/request/{action}", {"match": match.pk}).status_code == 404
    page = other.get("/help/request/").content.decode()
    assert "Someone else entirely." in page and "canary" not in page


def test_the_accepted_adviser_reads_the_story_and_both_sides_of_the_conversation(
    matched, vera_client
):
    _, match = matched
    page = vera_client.get(match.get_absolute_url()).content.decode()
    assert STORY in page and "canary-said-1" in page and "canary-replied-1" in page


def test_a_proposed_adviser_who_was_not_accepted_cannot_read_the_story(programme, walt):
    seeker = Client()
    ask_for_help(seeker, programme, skills=["networking"], situation="canary-story-for-walt")
    match = Match.objects.get(adviser=walt)
    walt_client = log_in_adviser(Client(), walt)
    walt_client.post(f"/help/adviser/r/{match.code}/accept/")
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED
    page = walt_client.get(match.get_absolute_url()).content.decode()
    assert "canary-story-for-walt" not in page
    assert "Enforcement, security and investigations" in page  # the coarse profile only
    assert match.adviser_request_key is None and match.adviser_conversation_key is None
    posted = walt_client.post(f"/help/adviser/r/{match.code}/message/", {"body": "hello?"})
    assert posted.status_code == 409 and not Message.objects.exists()


def test_an_adviser_who_hands_back_loses_the_request_and_its_keys(matched, vera_client):
    seeker, match = matched
    vera_client.post(f"/help/adviser/r/{match.code}/hand-back/")
    match.refresh_from_db()
    assert match.status == Match.Status.HANDED_BACK
    assert match.adviser_request_key is None and match.adviser_conversation_key is None
    assert vera_client.get(match.get_absolute_url()).status_code == 404
    assert "canary-replied-1" in seeker.get("/help/request/").content.decode()


def test_a_malformed_match_is_a_404_not_a_500(programme, matched):
    seeker, _ = matched
    for value in ("abc", "", "1 OR 1=1"):
        assert seeker.post("/help/request/accept/", {"match": value}).status_code == 404
