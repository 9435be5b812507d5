"""Signing and confirming under real contention, on PostgreSQL.

Each test releases its threads together from a barrier; every thread has its own database
connection and commits for real, so the database's unique constraint, row locks and
conditional updates are what keep a person to one signature and the count exact.
SQLite takes one writer at a time, so there is nothing to race there: these tests skip.

At most 50 threads run at once, so that two xdist workers stay under PostgreSQL's default
of 100 connections.
"""

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.db import connection
from django.db.models import Sum
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished

from groundswell.core.email_address import normalise_email
from groundswell.petitions import actions, counting
from groundswell.petitions.forms import SignatureForm
from groundswell.petitions.models import CounterShard, Signature
from tests.conftest import sign
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite runs one writer at a time",
    ),
]


def errors_in(outcomes: list) -> list[Exception]:
    return [outcome for outcome in outcomes if isinstance(outcome, Exception)]


def assert_counted(petition, expected: int) -> None:
    """The displayed count, the confirmed rows and the counter shards all say ``expected``."""
    caches["local"].clear()
    shards = CounterShard.objects.filter(petition=petition).aggregate(total=Sum("count"))
    assert counting.confirmed_count(petition.pk) == expected
    assert Signature.objects.filter(petition=petition, status="confirmed").count() == expected
    assert shards["total"] == expected


@pytest.fixture
def failed_tasks():
    """Tasks that raised: the immediate backend records the failure instead of raising it."""
    failed = []

    def record(sender, task_result, **kwargs):
        if task_result.status == TaskResultStatus.FAILED:
            failed.append(task_result)

    task_finished.connect(record, weak=False)
    yield failed
    task_finished.disconnect(record)


def ways_to_write_one_gmail_address(count: int) -> list[str]:
    """``count`` different spellings of samsupporter@gmail.com, all one inbox to Gmail."""
    locals_ = ["samsupporter", "Sam.Supporter", "s.a.m.supporter", "SAM.SUP.PORTER", "sAmSuPpOrTeR"]
    domains = ["gmail.com", "GMail.com", "googlemail.com", "GoogleMail.COM"]
    return [
        " " * (i % 3)
        + locals_[i % len(locals_)]
        + (f"+petition{i}" if i >= len(locals_) else "")
        + "@"
        + domains[i % len(domains)]
        + "\t" * (i % 2)
        for i in range(count)
    ]


def test_fifty_threads_signing_with_the_same_email_leave_one_signature(petition, failed_tasks):
    emails = ways_to_write_one_gmail_address(50)
    assert len(set(emails)) == 50
    assert {normalise_email(email) for email in emails} == {"samsupporter@gmail.com"}

    # Each spelling as the signer schema (the form's email field) hands it to the action.
    cleaned = [SignatureForm.base_fields["email"].clean(email) for email in emails]
    outcomes = run_together(50, lambda i: sign(petition, cleaned[i]).pk)

    assert errors_in(outcomes) == []
    signature = Signature.objects.get(petition=petition)
    assert outcomes == [signature.pk] * 50
    assert signature.email_normalised == "samsupporter@gmail.com"
    assert signature.status == Signature.Status.PENDING
    # Every attempt asked for an email; the cap let exactly the first few through.
    assert failed_tasks == []
    assert len(mail.outbox) == settings.GROUNDSWELL["MAX_SIGNATURE_EMAILS"]
    assert {message.to[0] for message in mail.outbox} <= {email.strip() for email in emails}
    assert_counted(petition, 0)


def test_two_hundred_concurrent_confirmations_count_exactly_two_hundred(petition, failed_tasks):
    tokens = [sign(petition, f"supporter{n}@example.com").confirmation_token() for n in range(200)]
    threads = 32

    def confirm_a_share(i: int) -> list[int]:
        return [actions.confirm_signature(token=token).pk for token in tokens[i::threads]]

    outcomes = run_together(threads, confirm_a_share)

    assert errors_in(outcomes) == []
    confirmed = [pk for share in outcomes for pk in share]
    assert sorted(confirmed) == sorted(Signature.objects.values_list("pk", flat=True))
    assert failed_tasks == []
    assert_counted(petition, 200)


def test_the_same_link_followed_by_many_threads_at_once_counts_once(petition, failed_tasks):
    signature = sign(petition, "sam@example.com")
    token = signature.confirmation_token()

    outcomes = run_together(20, lambda i: actions.confirm_signature(token=token))

    counted = [outcome for outcome in outcomes if isinstance(outcome, Signature)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, actions.AlreadyConfirmed)]
    assert len(counted) == 1, outcomes
    assert len(refused) == 19, outcomes
    assert counted[0].pk == signature.pk
    assert {error.signature.pk for error in refused} == {signature.pk}
    assert failed_tasks == []
    assert_counted(petition, 1)


def test_signing_new_people_while_others_confirm_keeps_the_count_exact(petition, failed_tasks):
    earlier = [sign(petition, f"early{n}@example.com") for n in range(100)]
    tokens = [signature.confirmation_token() for signature in earlier]
    confirmers = signers = 20

    def sign_or_confirm(i: int) -> list[int]:
        if i < confirmers:
            return [actions.confirm_signature(token=t).pk for t in tokens[i::confirmers]]
        share = range(i - confirmers, 100, signers)
        return [sign(petition, f"new{n}@example.com").pk for n in share]

    outcomes = run_together(confirmers + signers, sign_or_confirm)

    assert errors_in(outcomes) == []
    confirmed = sorted(pk for share in outcomes[:confirmers] for pk in share)
    added = sorted(pk for share in outcomes[confirmers:] for pk in share)
    assert confirmed == sorted(signature.pk for signature in earlier)
    pending = Signature.objects.filter(petition=petition, status="pending")
    assert added == sorted(pending.values_list("pk", flat=True))
    assert len(added) == 100
    assert failed_tasks == []
    assert_counted(petition, 100)


def test_fifty_withdrawals_during_two_hundred_confirmations_end_at_exactly_150(
    petition, failed_tasks
):
    signatures = [sign(petition, f"surge{n}@example.com") for n in range(200)]
    confirm_tokens = [s.confirmation_token() for s in signatures]
    # Every fourth signer withdraws, at the same moment as everyone confirms: some
    # withdrawals land before their own confirmation, some after.
    withdraw_tokens = [s.withdraw_token() for s in signatures[::4]]
    assert len(withdraw_tokens) == 50
    confirmers, withdrawers = 25, 25

    def confirm_or_withdraw(i: int) -> list:
        if i < confirmers:
            outcomes = []
            for token in confirm_tokens[i::confirmers]:
                try:
                    outcomes.append(actions.confirm_signature(token=token).pk)
                except actions.SignatureWithdrawn:
                    outcomes.append("withdrawn first")
            return outcomes
        share = withdraw_tokens[i - confirmers :: withdrawers]
        return [actions.withdraw_signature(token=token).pk for token in share]

    outcomes = run_together(confirmers + withdrawers, confirm_or_withdraw)

    assert errors_in(outcomes) == [], errors_in(outcomes)
    withdrawn = sorted(pk for share in outcomes[confirmers:] for pk in share)
    assert withdrawn == sorted(s.pk for s in signatures[::4])
    assert Signature.objects.filter(petition=petition, status="withdrawn").count() == 50
    assert failed_tasks == []
    assert_counted(petition, 150)
    # Followed again, every withdraw link changes nothing.
    again = run_together(25, lambda i: actions.withdraw_signature(token=withdraw_tokens[i]))
    assert all(isinstance(outcome, actions.SignatureWithdrawn) for outcome in again)
    assert_counted(petition, 150)
