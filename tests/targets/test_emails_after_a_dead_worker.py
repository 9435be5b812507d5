"""A delivery email or reminder whose worker was killed after claiming it is sent once the
claim's lease runs out (MAIL_LEASE_SECONDS), rather than being lost."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from groundswell.targets import actions, tasks
from groundswell.targets.models import Delivery, Reminder
from tests.targets.conftest import JORDAN_EMAIL, deliver


def to_jordan(mailoutbox, subject_part="") -> list:
    return [m for m in mailoutbox if m.to == [JORDAN_EMAIL] and subject_part in m.subject]


def past_the_lease(settings, start=None):
    return (start or timezone.now()) + timedelta(seconds=settings.MAIL_LEASE_SECONDS + 1)


def test_a_delivery_email_a_killed_worker_had_claimed_is_sent_when_its_lease_runs_out(
    petition, jordan, alice, mailoutbox, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # no worker has run yet
        [delivery] = actions.deliver_petition(petition=petition, by=alice)
    assert actions.claim_delivery_email(delivery.pk)  # a worker takes it, and is killed

    assert tasks.send_delivery.call(delivery.pk) is False  # leased: not sent twice meanwhile
    assert to_jordan(mailoutbox) == []
    with time_machine.travel(past_the_lease(settings), tick=False):
        assert tasks.send_delivery.call(delivery.pk) is True
    assert len(to_jordan(mailoutbox)) == 1
    delivery.refresh_from_db()
    assert delivery.emailed_at is not None and delivery.email_lease_until is None
    assert tasks.send_delivery.call(delivery.pk) is False  # and once it went, never again


def test_the_periodic_sweep_sends_a_delivery_email_whose_worker_died(
    petition, jordan, alice, mailoutbox, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        [delivery] = actions.deliver_petition(petition=petition, by=alice)
    actions.claim_delivery_email(delivery.pk)
    assert tasks.resend_abandoned_deliveries.call() == 0  # still leased
    with time_machine.travel(past_the_lease(settings), tick=False):
        assert tasks.resend_abandoned_deliveries.call() == 1
        assert tasks.resend_abandoned_deliveries.call() == 0
    assert len(to_jordan(mailoutbox)) == 1
    assert tasks.resend_abandoned_deliveries in [task for task, _every in tasks.PERIODIC]


def test_the_organiser_sees_sending_until_the_mail_server_took_the_delivery(
    petition, jordan, alice, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        [delivery] = actions.deliver_petition(petition=petition, by=alice)
    actions.claim_delivery_email(delivery.pk)
    assert Delivery.objects.get().emailed_at is None


def test_a_reminder_a_killed_worker_had_claimed_is_sent_by_the_next_reminder_run(
    petition, jordan, alice, mailoutbox, settings, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        deliver(petition, alice, django_capture_on_commit_callbacks, remind_every_days=7)
    week = start + timedelta(days=7, minutes=1)
    with time_machine.travel(week, tick=False):
        [reminder_id] = actions.schedule_reminders()
        assert actions.claim_reminder(reminder_id)  # a worker takes it, and is killed
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_due_reminders.call()  # the hourly run, while the lease holds
    assert to_jordan(mailoutbox, "Reminder") == []

    later = past_the_lease(settings, week)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.send_due_reminders.call()
    assert len(to_jordan(mailoutbox, "Reminder")) == 1
    reminder = Reminder.objects.get()
    assert reminder.sent_at is not None and reminder.lease_until is None
