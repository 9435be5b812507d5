"""A verification link confirms an address once; a deactivated account's sessions end."""

from django.contrib.auth import SESSION_KEY
from django.test import Client

from groundswell.accounts.models import User
from tests.accounts.test_sign_up_and_invite import NEW_ORGANISER
from tests.conftest import PASSWORD, link_in, log_in_verified


def _signed_up(client, django_capture_on_commit_callbacks, mailoutbox) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", NEW_ORGANISER)
    [message] = mailoutbox
    return link_in(message.body, "/accounts/verify/")


def test_a_verification_link_followed_a_second_time_logs_nobody_in(
    client, db, django_capture_on_commit_callbacks, mailoutbox
):
    link = _signed_up(client, django_capture_on_commit_callbacks, mailoutbox)
    assert client.get(link).status_code == 302

    stranger = Client()
    response = stranger.get(link)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert SESSION_KEY not in stranger.session
    assert stranger.get("/accounts/").status_code == 302  # sent to log in


def test_a_deactivated_users_session_ends_at_its_next_request(client, alice, petition):
    log_in_verified(client, alice)
    assert client.get(f"/p/{petition.slug}/signatures.csv").status_code == 200

    User.objects.filter(pk=alice.pk).update(is_active=False)

    response = client.get(f"/p/{petition.slug}/signatures.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(f"/p/{petition.slug}/dashboard/").status_code == 302


def test_a_deactivated_user_cannot_log_in_again_with_their_old_verification_link(
    client, db, django_capture_on_commit_callbacks, mailoutbox
):
    link = _signed_up(client, django_capture_on_commit_callbacks, mailoutbox)
    client.get(link)
    User.objects.update(is_active=False)

    again = Client()
    assert again.get(link).status_code == 410
    assert SESSION_KEY not in again.session


def test_a_deactivated_user_is_told_their_password_is_wrong_not_that_it_is_right(client, alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert "confirm your email" not in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_tampered_verification_link_is_refused_clearly(client, db):
    response = client.get("/accounts/verify/not-a-token/")
    assert response.status_code == 410
    assert "not valid" in response.content.decode()
