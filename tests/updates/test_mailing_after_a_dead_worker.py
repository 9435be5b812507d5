"""A copy of a mailing whose worker was killed mid-send is sent once the claim's lease runs
out (MAIL_LEASE_SECONDS), by the task run again or by the periodic sweep."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from groundswell.core import emails
from groundswell.updates import actions, tasks
from groundswell.updates.models import MailingRecipient
from tests.updates.conftest import add_signers
from tests.updates.test_mailing import dummy_tasks, publish_and_mail, recipients, run_enqueued

__all__ = ["dummy_tasks"]  # a fixture


class WorkerKilled(BaseException):
    """kill -9 in the middle of the SMTP conversation: no except or finally runs after it
    in the real thing, and nothing here catches it."""


@pytest.fixture
def killed_mid_send(petition, tested_update, dummy_tasks, monkeypatch, capture):
    """One signer's copy, taken by a worker that dies while handing it to the mail server."""
    add_signers(petition, 1)
    mailing = publish_and_mail(tested_update, capture)
    actions.fan_out_mailing(mailing.pk)
    recipient = MailingRecipient.objects.get()

    def killed(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(emails, "petition_update", killed)
        with pytest.raises(WorkerKilled):
            actions.send_to_recipient(recipient.pk)
    return recipient


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def past_the_lease(settings):
    return timezone.now() + timedelta(seconds=settings.MAIL_LEASE_SECONDS + 1)


def test_a_copy_a_killed_worker_had_taken_is_sent_when_its_lease_runs_out(
    killed_mid_send, mailoutbox, settings
):
    assert actions.send_to_recipient(killed_mid_send.pk) is False  # leased meanwhile
    with time_machine.travel(past_the_lease(settings), tick=False):
        assert actions.send_to_recipient(killed_mid_send.pk) is True
    assert recipients(mailoutbox) == ["signer0@example.com"]
    killed_mid_send.refresh_from_db()
    assert killed_mid_send.sent_at is not None and killed_mid_send.lease_until is None
    assert actions.send_to_recipient(killed_mid_send.pk) is False  # sent: never again


def test_the_periodic_sweep_enqueues_a_copy_whose_worker_died_once(
    killed_mid_send, mailoutbox, settings, dummy_tasks
):
    dummy_tasks.clear()
    assert tasks.resend_abandoned_copies.call() == 0  # still leased
    with time_machine.travel(past_the_lease(settings), tick=False):
        assert tasks.resend_abandoned_copies.call() == 1
        assert tasks.resend_abandoned_copies.call() == 0  # not enqueued again while it waits
        assert run_enqueued(dummy_tasks, tasks.send_update_to_signer) == 1
    assert recipients(mailoutbox) == ["signer0@example.com"]
    assert tasks.resend_abandoned_copies in [task for task, _every in tasks.PERIODIC]
