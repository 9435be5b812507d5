"""Password guessing is slowed, then locked, per account and per address."""

import os
import re
import subprocess
import sys
from pathlib import Path

import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.conftest import PASSWORD, link_in

ROOT = Path(__file__).resolve().parents[2]


def _errors(response) -> str:
    return re.search(r'<div class="errors".*?</div>', response.content.decode(), re.S).group(0)


def _log_in(client, email, password, ip="203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def test_wrong_passwords_from_fifty_addresses_lock_the_account_even_for_the_right_one(
    client, alice, mailoutbox
):
    for n in range(50):
        Client().post(
            "/accounts/login/",
            {"username": alice.email, "password": f"guess {n}"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    response = _log_in(client, alice.email, PASSWORD, ip="192.0.2.200")
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_office_behind_one_address_cannot_lock_out_an_account_it_does_not_own(
    client, alice, mailoutbox
):
    office = Client()
    with time_machine.travel("2026-03-01 09:00", tick=False) as clock:
        for n in range(40):
            _log_in(office, alice.email, f"guess {n}", ip="192.0.2.10")
            clock.shift(61)  # never waiting on the slow-down: only the lock stops them
        assert _log_in(office, alice.email, PASSWORD, ip="192.0.2.10").status_code == 429

        response = _log_in(client, alice.email, PASSWORD, ip="198.51.100.99")
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(alice.pk)


def test_after_a_few_failures_each_next_try_must_wait_a_little_longer(client, alice):
    with time_machine.travel("2026-03-01 09:00", tick=False) as clock:
        for n in range(3):
            assert _log_in(client, alice.email, f"guess {n}").status_code == 200
        response = _log_in(client, alice.email, PASSWORD)
        assert response.status_code == 429
        assert "Wait 1 second" in response.content.decode()
        clock.shift(2)
        assert _log_in(client, alice.email, "guess 4").status_code == 200
        assert "Wait 2 seconds" in _log_in(client, alice.email, PASSWORD).content.decode()
        clock.shift(3)
        assert _log_in(client, alice.email, PASSWORD).status_code == 302


def test_a_locked_account_is_mailed_one_unlock_link_that_works_once(
    client, alice, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "LOGIN_SLOW_AFTER": 100}
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            _log_in(Client(), alice.email, f"guess {n}", ip="192.0.2.10")
    assert "locked" in _log_in(client, alice.email, PASSWORD, ip="192.0.2.10").content.decode()

    [message] = smtp_server.messages
    assert message["To"] == alice.email
    [body] = smtp_server.bodies()
    unlock = link_in(body, "/accounts/unlock/")
    assert client.get(unlock)["Location"] == "/accounts/login/"
    assert _log_in(client, alice.email, PASSWORD, ip="192.0.2.10").status_code == 302

    again = Client().get(unlock)
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert Client().get(unlock[:-3] + "xx/").status_code == 410


def test_an_address_without_an_account_is_answered_the_same_and_nobody_is_mailed(
    client, alice, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "LOGIN_SLOW_AFTER": 100}
    answers = {}
    for email in (alice.email, "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(11):
                response = _log_in(Client(), email, f"guess {n}", ip="192.0.2.10")
        answers[email] = (response.status_code, _errors(response))
    assert answers[alice.email] == answers["nobody@example.org"]
    assert [m.to for m in mailoutbox] == [[alice.email]]


def test_the_deploy_check_fails_without_a_shared_rate_limit_store(tmp_path):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-4f9a2c7e1b3d5f6a8c0e",
        "SITE_URL": "https://petitions.example.org",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "groundswell.E002" in result.stderr and "REDIS_URL" in result.stderr
