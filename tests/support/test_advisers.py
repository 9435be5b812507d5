"""Advisers: invited by a coordinator, they join with a password, keep a recovery code and
confirm a two-factor app; they log in to the help programme with all three factors, and
their key exists only wrapped: under their password (and the server's pepper), or under
their recovery code."""

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from nacl.pwhash import argon2id

from groundswell.support import actions, crypto, keyring
from groundswell.support.models import AdviserKey, AdviserProfile, HelpRequest, Match
from tests.conftest import PASSWORD, link_in, verify_session
from tests.support.conftest import (
    ADVISER_PASSWORD,
    ask_for_help,
    seeker_accepts_first_adviser,
    totp_code,
)

NEW_PASSWORD = "another long passphrase for vera"


def test_production_uses_argon2id_at_the_interactive_cost_by_default(settings, programme, vera):
    del settings.SUPPORT_ARGON2_OPSLIMIT
    del settings.SUPPORT_ARGON2_MEMLIMIT
    assert crypto.kdf_cost() == (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
    receipt = ask_for_help(Client(), programme)
    stored = HelpRequest.objects.get()
    assert stored.key_cost == [argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE]
    assert Client().post("/help/return/", {"receipt": receipt}).status_code == 302


def test_an_invited_adviser_joins_saves_a_recovery_code_and_sets_up_two_factor(
    client, alice, programme, django_capture_on_commit_callbacks
):
    client.login(username=alice.email, password=PASSWORD)
    verify_session(client, alice)
    invitation = {
        "email": "nina@example.org",
        "display_name": "Nina",
        "qualifications": "MBA, hiring manager",
        "skills": ["interviews"],
        "languages": ["en"],
        "time_zone": "Europe/London",
        "capacity": 2,
        "vetting_note": "Known to the union for years.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/help/coordinate/{programme.slug}/invite/", invitation)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["nina@example.org"]
    nina = Client()
    join = link_in(message.body, "/help/adviser/join/")
    assert "Nina" in nina.get(join).content.decode()

    response = nina.post(join, {"name": "Nina Adviser", "password": ADVISER_PASSWORD})
    assert response["Location"] == "/help/adviser/setup/recovery/"
    page = nina.get("/help/adviser/setup/recovery/").content.decode()
    code = re.search(r"data-recovery-code>([A-Z2-7-]+)<", page).group(1)
    assert nina.post("/help/adviser/setup/recovery/", {}).status_code == 422
    assert nina.post("/help/adviser/setup/recovery/", {"saved": "on"}).status_code == 302
    assert code not in nina.get("/help/adviser/setup/recovery/").content.decode()

    setup = nina.get("/help/adviser/setup/two-factor/").content.decode()
    assert 'src="data:image/svg+xml' in setup
    assert nina.post("/help/adviser/setup/two-factor/", {"code": "000000"}).status_code == 422
    adviser = AdviserProfile.objects.get(email="nina@example.org")
    assert adviser.status == AdviserProfile.Status.INVITED
    # After a wrong code, django-otp makes the next try wait (even a right one) ...
    right_now = {"code": totp_code(adviser.user)}
    assert nina.post("/help/adviser/setup/two-factor/", right_now).status_code == 422
    TOTPDevice.objects.filter(user=adviser.user).update(throttling_failure_count=0)  # ... a while
    response = nina.post("/help/adviser/setup/two-factor/", {"code": totp_code(adviser.user)})
    assert response["Location"] == "/help/adviser/"
    assert nina.get("/help/adviser/").status_code == 200
    adviser.refresh_from_db()
    assert adviser.status == AdviserProfile.Status.ACTIVE
    key = AdviserKey.objects.get(user=adviser.user)
    assert key.unwrap_with_recovery(code) == key.unwrap_with_password(ADVISER_PASSWORD)
    assert nina.get(join).status_code == 410  # the invitation is used up


@pytest.mark.parametrize(
    "change", [{"password": "wrong"}, {"code": "123456"}, {"code": ""}, {"email": "mo@example.org"}]
)
def test_an_adviser_login_needs_the_password_and_the_current_code(vera, change):
    client = Client()
    data = {
        "email": vera.email,
        "password": ADVISER_PASSWORD,
        "code": totp_code(vera.user),
        **change,
    }
    response = client.post("/help/adviser/login/", data)
    assert response.status_code == 422
    assert "not right" in response.content.decode()
    assert client.get("/help/adviser/").status_code == 302


def test_adviser_logins_are_rate_limited(vera, settings):
    settings.SUPPORT_LOGIN_RATE = "2/10m"
    client = Client()
    for _ in range(2):
        client.post("/help/adviser/login/", {"email": vera.email, "password": "x", "code": "1"})
    right = {"email": vera.email, "password": ADVISER_PASSWORD, "code": totp_code(vera.user)}
    assert client.post("/help/adviser/login/", right).status_code == 429


def test_the_ordinary_login_opens_nothing_in_the_help_programme(client, vera):
    assert client.login(username=vera.email, password=ADVISER_PASSWORD)
    response = client.get("/help/adviser/")
    assert response.status_code == 302 and response["Location"] == "/help/adviser/login/"


def test_without_the_key_cookie_the_session_alone_opens_nothing(vera_client):
    assert vera_client.get("/help/adviser/").status_code == 200
    del vera_client.cookies[keyring.ADVISER_COOKIE]
    assert vera_client.get("/help/adviser/")["Location"] == "/help/adviser/login/"


def test_the_server_side_session_holds_the_adviser_key_only_encrypted(vera, vera_client):
    session = SessionStore(session_key=vera_client.cookies["sessionid"].value)
    stored = repr(dict(session.items()))
    private_key = AdviserKey.objects.get(user=vera.user).unwrap_with_password(ADVISER_PASSWORD)
    assert keyring.ADVISER_SESSION_KEY in stored
    assert crypto.b64(private_key) not in stored and private_key.hex() not in stored
    cookie_key = crypto.unb64(vera_client.cookies[keyring.ADVISER_COOKIE].value)
    opened = crypto.unlock_json(cookie_key, crypto.unb64(session[keyring.ADVISER_SESSION_KEY]))
    assert crypto.unb64(opened["key"]) == private_key  # the cookie is the missing half


def test_the_password_wrapped_key_needs_the_servers_pepper(vera, settings):
    key = AdviserKey.objects.get(user=vera.user)
    private_key = key.unwrap_with_password(ADVISER_PASSWORD)
    settings.SUPPORT_PEPPER = "a different server secret"
    with pytest.raises(crypto.Unreadable):
        key.unwrap_with_password(ADVISER_PASSWORD)
    settings.SUPPORT_PEPPER = ""
    assert key.unwrap_with_password(ADVISER_PASSWORD) == private_key


def test_a_changed_password_is_recovered_with_the_recovery_code(programme, alice):
    invited = actions.invite_adviser(
        programme=programme,
        by=alice,
        email="rita@example.org",
        display_name="Rita",
        qualifications="Recruiter",
        skills=["cv"],
        sectors=[],
        languages=["en"],
        time_zone="UTC",
        capacity=1,
        ties="",
        vetting_note="Checked.",
    )
    enrolment = actions.join_as_adviser(
        token=invited.invitation_token(), password=ADVISER_PASSWORD, name="Rita R"
    )
    actions.two_factor_device(enrolment.user)
    actions.confirm_two_factor(user=enrolment.user, code=totp_code(enrolment.user))
    enrolment.user.set_password(NEW_PASSWORD)  # changed elsewhere, e.g. by a reset
    enrolment.user.save()
    login = {"email": "rita@example.org", "password": NEW_PASSWORD}
    client = Client()
    response = client.post("/help/adviser/login/", {**login, "code": totp_code(enrolment.user)})
    assert response.status_code == 422 and "recovery code" in response.content.decode()

    wrong = {**login, "code": totp_code(enrolment.user), "recovery_code": crypto.new_code()}
    assert client.post("/help/adviser/recover/", wrong).status_code == 422
    right = {**wrong, "code": totp_code(enrolment.user), "recovery_code": enrolment.recovery_code}
    assert (
        client.post("/help/adviser/recover/", right)["Location"] == "/help/adviser/setup/recovery/"
    )
    page = client.get("/help/adviser/setup/recovery/").content.decode()
    new_code = re.search(r"data-recovery-code>([A-Z2-7-]+)<", page).group(1)
    assert new_code != enrolment.recovery_code
    key = AdviserKey.objects.get(user=enrolment.user)
    assert key.unwrap_with_password(NEW_PASSWORD) == enrolment.private_key
    assert key.unwrap_with_recovery(new_code) == enrolment.private_key
    with pytest.raises(crypto.Unreadable):
        key.unwrap_with_recovery(enrolment.recovery_code)


def test_a_removed_adviser_loses_every_request(client, alice, programme, vera, vera_client):
    seeker = Client()
    ask_for_help(seeker, programme, situation="still private")
    match = Match.objects.get()
    seeker_accepts_first_adviser(seeker, vera_client, match)
    client.login(username=alice.email, password=PASSWORD)
    verify_session(client, alice)
    url = f"/help/coordinate/{programme.slug}/advisers/{vera.pk}/"
    form = client.get(url).context["form"]
    data = {**form.initial, "status": "removed"}
    assert client.post(url, data).status_code == 302
    match.refresh_from_db()
    assert match.status == Match.Status.HANDED_BACK and match.adviser_request_key is None
    assert vera_client.get("/help/adviser/").status_code == 403
    assert vera_client.get(match.get_absolute_url()).status_code == 403
    assert "still private" in seeker.get("/help/request/").content.decode()


def test_password_guesses_at_the_ordinary_login_lock_the_adviser_login_too(vera):
    """One lock per account, whichever door the guesses came through (accounts/throttle.py)."""
    for n in range(40):
        Client().post(
            "/accounts/login/",
            {"username": vera.email, "password": f"guess {n}"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    right = {"email": vera.email, "password": ADVISER_PASSWORD, "code": totp_code(vera.user)}
    response = Client().post("/help/adviser/login/", right)
    assert response.status_code == 429 and "locked" in response.content.decode()
