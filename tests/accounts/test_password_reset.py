"""A forgotten password is reset by a single-use link the task worker emails."""

import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client

from groundswell.accounts.models import User
from tests.conftest import PASSWORD, link_in

NEW_PASSWORD = "a brand new passphrase"


def _ask(client, email, **extra):
    return client.post("/accounts/password/reset/", {"email": email}, **extra)


def _reset_link(smtp_server) -> str:
    [body] = smtp_server.bodies()
    return link_in(body, "/accounts/password/reset/")


def test_a_reset_link_is_mailed_through_the_worker_and_sets_a_new_password(
    client, alice, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _ask(client, "Alice@Example.org")
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(callbacks) == 1  # sent by a task after the commit, not in the request
    assert smtp_server.messages[0]["To"] == alice.email

    link = _reset_link(smtp_server)
    assert client.get(link).status_code == 200
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/accounts/login/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    response = client.post("/accounts/login/", {"username": alice.email, "password": NEW_PASSWORD})
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(alice.pk)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = _ask(client, alice.email)
        unknown = _ask(client, "nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mailoutbox] == [[alice.email]]


def test_reset_requests_are_rate_limited_per_address_and_per_email(client, alice, settings):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "PASSWORD_RESET_RATE_PER_EMAIL": "2/h"}
    statuses = [
        _ask(Client(), alice.email, REMOTE_ADDR=f"192.0.2.{n}").status_code for n in (1, 2, 3)
    ]
    assert statuses == [302, 302, 429]
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "PASSWORD_RESET_RATE_PER_IP": "2/h"}
    statuses = [
        _ask(client, f"u{n}@example.org", REMOTE_ADDR="192.0.2.9").status_code for n in (1, 2, 3)
    ]
    assert statuses == [302, 302, 429]


def test_a_reset_link_works_once(client, alice, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, alice.email)
    link = _reset_link(smtp_server)
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().post(
        link, {"new_password1": "third passphrase!", "new_password2": "third passphrase!"}
    )
    assert again.status_code == 410 and "already been used" in again.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_an_expired_or_tampered_reset_link_gets_a_clear_page_and_changes_nothing(
    client, alice, smtp_server, django_capture_on_commit_callbacks
):
    with time_machine.travel("2026-03-01 09:00", tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            _ask(client, alice.email)
        link = _reset_link(smtp_server)
        clock.shift(3601)
        data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        expired = client.post(link, data)
        assert expired.status_code == 410 and "expired" in expired.content.decode()
        clock.shift(-3601)
        tampered = client.post(link[:-6] + "abcde/", data)
        assert tampered.status_code == 410 and "not valid" in tampered.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_reset_logs_out_every_session_and_lifts_a_login_lock(
    alice, smtp_server, django_capture_on_commit_callbacks
):
    logged_in = Client()
    logged_in.login(username=alice.email, password=PASSWORD)
    assert logged_in.get("/accounts/").status_code == 200
    for n in range(40):  # locks the account everywhere
        Client().post("/accounts/login/", {"username": alice.email, "password": f"g{n}"},
                      REMOTE_ADDR=f"198.51.100.{n + 1}")  # fmt: skip
    smtp_server.messages.clear()

    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, alice.email)
    link = _reset_link(smtp_server)
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert logged_in.get("/accounts/").status_code == 302
    response = client.post("/accounts/login/", {"username": alice.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=alice.pk).account_sessions.count() == 1  # the new one only


def test_the_reset_email_reads_in_the_language_of_the_page_it_was_asked_from(
    client, alice, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, alice.email, HTTP_ACCEPT_LANGUAGE="es")
    with django_capture_on_commit_callbacks(execute=True):
        _ask(Client(), alice.email, HTTP_ACCEPT_LANGUAGE="en")
    spanish, english = (message["Subject"] for message in smtp_server.messages)
    assert spanish.startswith("Restablezca su contraseña") and "Reset" not in spanish
    assert english.startswith("Reset your")
