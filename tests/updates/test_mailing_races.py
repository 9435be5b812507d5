"""Mailings under real contention, on PostgreSQL: still one message per signer.

Threads are released together from a barrier, each with its own connection committing for
real, so the unique constraint, the conditional UPDATE that claims a recipient and the row
lock behind the mailing limit are what is tested. SQLite runs one writer at a time: skipped.
"""

import pytest
from django.core import mail
from django.db import connection

from groundswell.core.errors import ActionError
from groundswell.updates import actions
from groundswell.updates.models import Mailing, MailingRecipient
from tests.threads import run_together
from tests.updates.conftest import add_signers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite runs one writer at a time",
    ),
]


def mailing_without_sending(petition, update, settings):
    """A mailing whose recipient rows exist but whose tasks have not run yet."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    actions.publish_update(update=update, email_signers=True)
    mailing = Mailing.objects.get(update=update)
    actions.fan_out_mailing(mailing.pk)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return mailing


def test_workers_racing_for_the_same_recipients_send_each_once(petition, tested_update, settings):
    add_signers(petition, 30)
    mailing_without_sending(petition, tested_update, settings)
    recipients = list(MailingRecipient.objects.values_list("pk", flat=True))
    mail.outbox = []

    def worker(i: int) -> int:
        return sum(actions.send_to_recipient(pk) for pk in recipients)

    outcomes = run_together(8, worker)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sum(outcomes) == 30
    sent = [address for message in mail.outbox for address in message.to]
    assert len(sent) == len(set(sent)) == 30


def test_two_fan_outs_at_once_mail_each_signer_once(petition, tested_update, settings):
    add_signers(petition, 40)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    actions.publish_update(update=tested_update, email_signers=True)
    mailing = Mailing.objects.get(update=tested_update)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    mail.outbox = []

    outcomes = run_together(4, lambda i: actions.fan_out_mailing(mailing.pk))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    sent = [address for message in mail.outbox for address in message.to]
    assert len(sent) == len(set(sent)) == 40
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 40


def test_two_organisers_mailing_at_once_pass_the_limit_once(petition, alice, settings):
    add_signers(petition, 2)
    # The settings row exists already, so only its row lock can keep the two apart.
    actions.set_update_settings(petition=petition, milestone_updates=False, email_milestones=False)
    updates = []
    for n in range(2):
        update = actions.write_update(petition=petition, author=alice, title=f"U{n}", body="x")
        actions.send_test(update=update, to=alice)
        updates.append(update)
    mail.outbox = []

    outcomes = run_together(
        2, lambda i: actions.publish_update(update=updates[i], email_signers=True)
    )
    refused = [o for o in outcomes if isinstance(o, ActionError)]
    assert len(refused) == 1 and refused[0].status == 429
    assert Mailing.objects.count() == 1
    assert len([m for m in mail.outbox if "[Test]" not in m.subject]) == 2
