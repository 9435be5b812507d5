"""Organisers sign up with a verified email, and bring colleagues in by invitation."""

from django.core import mail

from groundswell.accounts.models import Invitation, Membership, Organisation, User
from tests.conftest import PASSWORD, link_in

NEW_ORGANISER = {
    "name": "Dana Reyes",
    "email": "Dana@Union.example",
    "password": "a long enough passphrase",
    "organisation_name": "Federal Officers Union",
}


def test_an_organiser_signs_up_verifies_their_email_and_lands_on_their_dashboard(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", NEW_ORGANISER)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "dana@union.example" and not user.is_active
    assert Organisation.objects.get().memberships.get().role == Membership.Role.OWNER

    # Until verified, logging in explains what to do instead of "wrong password".
    login = client.post(
        "/accounts/login/",
        {"username": "dana@union.example", "password": NEW_ORGANISER["password"]},
    )
    assert "confirm your email address first" in login.content.decode()

    [message] = mail.outbox
    response = client.get(link_in(message.body, "/accounts/verify/"))
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert "Federal Officers Union" in client.get("/accounts/").content.decode()
    user.refresh_from_db()
    assert user.is_active and user.email_verified_at


def test_signing_up_with_a_taken_address_answers_as_for_a_new_one_and_tells_its_owner(
    client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post("/accounts/signup/", {**NEW_ORGANISER, "email": "ALICE@example.org"})
        new = client.post("/accounts/signup/", {**NEW_ORGANISER, "email": "new@example.org"})
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert "already" not in client.get(taken["Location"]).content.decode()
    assert User.objects.filter(email=alice.email).count() == 1
    assert Organisation.objects.filter(members=alice).count() == 1

    to_alice = [m for m in mail.outbox if m.to == [alice.email]]
    [notice] = to_alice
    assert "tried to create" in notice.subject and "/accounts/login/" in notice.body
    assert "password" in notice.body and "reset" in notice.body
    assert not any(alice.email in m.body for m in mail.outbox if m.to != [alice.email])


def test_signing_up_again_before_confirming_sends_the_confirmation_link_again(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", NEW_ORGANISER)
        again = client.post("/accounts/signup/", NEW_ORGANISER)
    assert again["Location"] == "/accounts/signup/done/"
    assert [link_in(m.body, "/accounts/verify/")[:16] for m in mail.outbox] == [
        "/accounts/verify/"[:16]
    ] * 2
    assert User.objects.count() == 1


def test_a_weak_password_is_refused(client, db):
    response = client.post("/accounts/signup/", {**NEW_ORGANISER, "password": "password"})
    assert "This password is too common" in response.content.decode()
    assert not User.objects.exists()


def test_a_bad_verification_link_is_refused(client, db):
    response = client.get("/accounts/verify/not-a-token/")
    assert response.status_code == 410


def test_sign_ups_from_one_address_are_rate_limited(client, db, settings):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "SIGNUP_RATE_PER_IP": "2/h"}
    statuses = [
        client.post(
            "/accounts/signup/", {**NEW_ORGANISER, "email": f"u{n}@example.org"}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_an_owner_invites_a_colleague_who_joins_by_creating_an_account(
    client, alice, union, django_capture_on_commit_callbacks
):
    client.login(username=alice.email, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/accounts/org/{union.slug}/invite/", {"email": "erin@example.org", "role": "editor"}
        )
    [message] = mail.outbox
    accept = link_in(message.body, "/accounts/invitation/")
    client.logout()

    response = client.post(accept, {"name": "Erin", "password": "another long passphrase"})
    assert response.status_code == 302
    erin = User.objects.get(email="erin@example.org")
    assert erin.is_active and union.role_of(erin) == Membership.Role.EDITOR
    assert Invitation.objects.get().accepted_at is not None
    assert client.get(accept).status_code == 410  # used once


def test_an_existing_user_accepts_an_invitation_while_logged_in(client, alice, union, charlie):
    invitation = Invitation.objects.create(
        organisation=union, email=charlie.email, role="editor", invited_by=alice
    )
    client.login(username=charlie.email, password=PASSWORD)
    client.post(invitation.get_accept_path())
    assert union.role_of(charlie) == "editor"


def test_an_invitation_for_someone_else_cannot_be_taken(client, alice, union, charlie):
    invitation = Invitation.objects.create(
        organisation=union, email="erin@example.org", role="owner", invited_by=alice
    )
    client.login(username=charlie.email, password=PASSWORD)
    response = client.post(invitation.get_accept_path(), follow=True)
    assert "was sent to erin@example.org" in response.content.decode()
    assert union.role_of(charlie) is None


def test_only_owners_invite(client, bob, union):
    client.login(username=bob.email, password=PASSWORD)
    response = client.post(
        f"/accounts/org/{union.slug}/invite/", {"email": "x@example.org", "role": "owner"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_an_outsider_cannot_see_an_organisation(client, charlie, union):
    client.login(username=charlie.email, password=PASSWORD)
    assert client.get(f"/accounts/org/{union.slug}/").status_code == 404
