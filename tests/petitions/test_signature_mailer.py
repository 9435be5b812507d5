"""The signature row is the email outbox; one mailer sends what is owed, in batches."""

import socket
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from groundswell.petitions import actions, tasks
from groundswell.petitions.models import Signature
from tests.conftest import sign
from tests.threads import run_together


def test_an_acknowledged_signature_owes_its_email_even_if_nothing_ran_after_commit(petition):
    # No on-commit callback runs here: as if the process died right after committing.
    signature = sign(petition)
    assert list(Signature.objects.email_due()) == [signature]
    assert mail.outbox == []
    assert tasks.send_signature_emails.call() == 1
    [message] = mail.outbox
    assert message.to == [signature.email] and "/p/confirm/" in message.body
    assert not Signature.objects.email_due().exists()


def test_the_periodic_run_is_what_catches_a_lost_wake_up():
    assert tasks.send_signature_emails in [task for task, _every in tasks.PERIODIC]


def test_imported_signatures_are_owed_nothing(petition):
    from django.utils import timezone

    row = actions.ConfirmedSignatureInput(
        name="Old Friend", email="old@example.com", postcode="1", country="US",
        confirmed_at=timezone.now(),
    )  # fmt: skip
    actions.import_confirmed_signatures(petition=petition, rows=[row])
    assert tasks.send_signature_emails.call() == 0
    assert mail.outbox == []


def test_many_signatures_in_a_row_wake_the_mailer_once_and_after_the_last_of_them(
    petition, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_WAKE_SECONDS = 30  # one window covers the whole test
    for n in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            sign(petition, f"signer{n}@example.com")
    [wake] = DBTaskResult.objects.all()
    assert wake.task_path == "groundswell.petitions.tasks.send_signature_emails"
    last = Signature.objects.latest("created_at")
    assert wake.run_after > last.created_at


def test_a_mail_server_that_fails_gives_the_emails_back_for_the_next_run(petition, settings):
    for n in range(3):
        sign(petition, f"signer{n}@example.com")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    with pytest.raises(OSError):
        tasks.send_signature_emails.call()
    assert Signature.objects.email_due().count() == 3

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.send_signature_emails.call() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"signer{n}@example.com" for n in range(3)]


def test_a_backlog_larger_than_one_run_hands_over_to_a_fresh_run(petition, monkeypatch):
    monkeypatch.setattr(tasks, "MAILER_BATCHES_PER_RUN", 2)
    for n in range(250):
        sign(petition, f"signer{n}@example.com")
    # The immediate backend runs the hand-over at once: all 250, in runs of 200 at most.
    assert tasks.send_signature_emails.call() == 200
    assert len(mail.outbox) == 250
    assert not Signature.objects.email_due().exists()


def test_one_signup_through_the_real_smtp_server_is_mailed_once(petition, smtp_server):
    sign(petition, "ann@example.com")
    tasks.send_signature_emails.call()
    tasks.send_signature_emails.call()
    [message] = smtp_server.messages
    assert message["To"] == "ann@example.com"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="racing mailers need PostgreSQL")
def test_four_mailers_at_once_send_each_owed_email_exactly_once(petition, monkeypatch):
    monkeypatch.setattr(actions, "wake_on_commit", lambda task: None)  # a backlog builds
    for n in range(400):
        sign(petition, f"signer{n}@example.com")
    assert Signature.objects.email_due().count() == 400
    sent = run_together(4, lambda _i: tasks.send_signature_emails.call())
    assert sum(sent) == 400
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == 400 and len(set(recipients)) == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads racing need PostgreSQL")
def test_a_backlog_goes_out_over_several_smtp_sessions_at_once_each_email_once(
    petition, monkeypatch, settings, smtp_server
):
    monkeypatch.setattr(actions, "wake_on_commit", lambda task: None)  # a backlog builds
    monkeypatch.setattr(tasks, "MAILER_BATCHES_PER_RUN", 100)  # one run takes it all
    settings.MAILER_CONNECTIONS = 4
    signers = [
        actions.SignerInput("Signer", f"signer{n}@example.com", "10001", "US") for n in range(800)
    ]
    actions.sign_petitions(petition=petition, signers=signers)
    assert tasks.send_signature_emails.call() == 800
    recipients = [m["To"] for m in smtp_server.messages]
    assert sorted(recipients) == sorted(s.email for s in signers)  # each once
    assert len(smtp_server.sessions) > 1  # sent side by side, not one after the other
    assert not Signature.objects.email_due().exists()


def after_the_lease(settings, seconds: int = 1):
    return timezone.now() + timedelta(seconds=settings.MAIL_LEASE_SECONDS + seconds)


def test_emails_a_killed_mailer_had_claimed_are_sent_once_its_lease_runs_out(
    petition, settings, smtp_server
):
    for n in range(3):
        sign(petition, f"signer{n}@example.com")
    claimed = actions.claim_due_emails()  # then the worker is killed, before it sends
    assert len(claimed) == 3
    assert tasks.send_signature_emails.call() == 0  # leased: not sent twice meanwhile
    assert smtp_server.messages == []

    with time_machine.travel(after_the_lease(settings), tick=False):
        assert tasks.send_signature_emails.call() == 3
    assert sorted(m["To"] for m in smtp_server.messages) == [
        f"signer{n}@example.com" for n in range(3)
    ]
    assert not Signature.objects.email_due().exists()


def test_an_email_is_marked_sent_only_once_the_mail_server_has_accepted_it(petition, settings):
    signature = sign(petition)
    [claimed] = actions.claim_due_emails()
    signature.refresh_from_db()
    assert signature.emails_sent == 0 and signature.email_lease_until is not None
    actions.mark_emails_sent([claimed])
    signature.refresh_from_db()
    assert signature.emails_sent == 1 and signature.email_lease_until is None


def test_a_mailer_whose_lease_ran_out_leaves_the_email_to_the_one_that_took_it_over(
    petition, settings
):
    sign(petition)
    [slow] = actions.claim_due_emails()
    with time_machine.travel(after_the_lease(settings), tick=False):
        [second] = actions.claim_due_emails()
    actions.release_emails([slow])  # the slow one fails late: the new lease stands
    assert actions.claim_due_emails() == []
    actions.mark_emails_sent([slow])  # or succeeds late: counted once, by the holder
    actions.mark_emails_sent([second])
    signature = Signature.objects.get()
    assert signature.emails_sent == 1 and signature.email_lease_until is None


def test_emails_are_marked_sent_while_the_batch_is_still_going_out(petition, monkeypatch):
    """So that a mailer killed mid-batch sends again only the few not yet marked."""
    from groundswell.core import emails

    monkeypatch.setattr(tasks, "MARK_SENT_EVERY", 2)
    for n in range(5):
        sign(petition, f"signer{n}@example.com")
    marked_before: list[int] = []
    send = emails.signature_confirmation

    def watched(signature, **kwargs):
        marked_before.append(Signature.objects.filter(emails_sent=1).count())
        return send(signature, **kwargs)

    monkeypatch.setattr(emails, "signature_confirmation", watched)
    assert tasks.send_signature_emails.call() == 5
    assert marked_before == [0, 0, 2, 2, 4]
    assert Signature.objects.filter(emails_sent=1).count() == 5
