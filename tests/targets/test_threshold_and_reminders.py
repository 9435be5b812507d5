"""Delivery when the count reaches the threshold, and reminders at the organiser's interval:
both periodic, both safe to run twice."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from groundswell.core.management.commands.scheduler import periodic_jobs
from groundswell.petitions import counting
from groundswell.targets import actions, tasks
from groundswell.targets.models import AnswerLink, Delivery, Reminder
from tests.conftest import sign_and_confirm
from tests.targets.conftest import JORDAN_EMAIL, answer_path, deliver


def test_the_scheduler_runs_both_jobs():
    jobs = dict(periodic_jobs())
    assert jobs[tasks.deliver_at_threshold] == 300
    assert jobs[tasks.send_due_reminders] == 3600


def run_threshold_job(capture) -> int:
    with capture(execute=True):
        return tasks.deliver_at_threshold.call()


def test_a_petition_is_delivered_once_its_count_reaches_the_threshold(
    petition, jordan, alice, mailoutbox, django_capture_on_commit_callbacks
):
    actions.save_delivery_plan(petition=petition, delivery_threshold=2,
                               answer_within_days=14, remind_every_days=7)  # fmt: skip
    sign_and_confirm(petition, "one@example.com")
    counting.forget(petition.pk)
    assert run_threshold_job(django_capture_on_commit_callbacks) == 0
    assert not Delivery.objects.exists()

    sign_and_confirm(petition, "two@example.com")
    counting.forget(petition.pk)
    assert run_threshold_job(django_capture_on_commit_callbacks) == 1
    assert run_threshold_job(django_capture_on_commit_callbacks) == 0  # not twice

    delivery = Delivery.objects.get()
    assert delivery.delivered_by is None
    assert delivery.signature_count == 2
    assert (delivery.deadline - delivery.delivered_on).days == 14
    assert delivery.remind_every_days == 7
    assert len([m for m in mailoutbox if m.to == [JORDAN_EMAIL]]) == 1
    [told] = [m for m in mailoutbox if m.to == ["alice@example.org"]]
    assert "automatically: it reached its threshold of 2 signatures" in told.body


def test_the_threshold_job_leaves_closed_and_undeliverable_petitions_alone(
    petition, alice, django_capture_on_commit_callbacks
):
    actions.save_delivery_plan(petition=petition, delivery_threshold=1,
                               answer_within_days=None, remind_every_days=None)  # fmt: skip
    sign_and_confirm(petition)
    counting.forget(petition.pk)
    # Jordan Blake has no email address yet: nothing to deliver, and no error.
    assert run_threshold_job(django_capture_on_commit_callbacks) == 0
    from groundswell.petitions.actions import close_petition

    close_petition(petition=petition)
    petition.targets.update(email=JORDAN_EMAIL)
    assert run_threshold_job(django_capture_on_commit_callbacks) == 0
    assert not Delivery.objects.exists()


def run_reminders(capture) -> int:
    with capture(execute=True):
        return tasks.send_due_reminders.call()


def reminders_to_jordan(mailoutbox) -> list:
    return [m for m in mailoutbox if m.to == [JORDAN_EMAIL] and "Reminder" in m.subject]


def test_reminders_go_at_the_interval_once_each_and_stop_with_the_answer(
    client, petition, jordan, alice, mailoutbox, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        deliver(petition, alice, django_capture_on_commit_callbacks, remind_every_days=7)
    capture = django_capture_on_commit_callbacks

    with time_machine.travel(start + timedelta(days=6, hours=23), tick=False):
        assert run_reminders(capture) == 0
    week = start + timedelta(days=7, minutes=1)
    with time_machine.travel(week, tick=False):
        assert run_reminders(capture) == 1
        assert run_reminders(capture) == 0  # the scheduler ran twice: one reminder
    [first] = reminders_to_jordan(mailoutbox)
    assert "It has been waiting 7 days for your answer" in first.body
    reminder = Reminder.objects.get()
    assert (reminder.number, reminder.sent_at) == (1, week)

    with time_machine.travel(start + timedelta(days=13), tick=False):
        assert run_reminders(capture) == 0
    with time_machine.travel(start + timedelta(days=14, minutes=2), tick=False):
        assert run_reminders(capture) == 1
    assert [r.number for r in Reminder.objects.all()] == [1, 2]
    assert len(reminders_to_jordan(mailoutbox)) == 2

    # Each reminder carries a fresh link; any one of them answers.
    assert AnswerLink.objects.count() == 3
    with time_machine.travel(start + timedelta(days=15), tick=False):
        response = client.post(answer_path(first.body), {"decision": "answer", "text": "OK."})
        assert response.status_code == 302
    with time_machine.travel(start + timedelta(days=40), tick=False):
        assert run_reminders(capture) == 0
    assert len(reminders_to_jordan(mailoutbox)) == 2


def test_a_reminder_that_failed_to_send_is_sent_on_the_next_run(
    petition, jordan, alice, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        deliver(petition, alice, django_capture_on_commit_callbacks, remind_every_days=7)
    from groundswell.core import emails

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("the mail server is down")

    later = start + timedelta(days=7, minutes=1)
    with time_machine.travel(later, tick=False):
        with monkeypatch.context() as patch:
            patch.setattr(emails, "delivery_reminder", broken)
            run_reminders(django_capture_on_commit_callbacks)
        assert Reminder.objects.get().sent_at is None
        assert not reminders_to_jordan(mailoutbox)
    with time_machine.travel(later + timedelta(hours=1), tick=False):
        run_reminders(django_capture_on_commit_callbacks)
    assert Reminder.objects.get().sent_at is not None
    assert len(reminders_to_jordan(mailoutbox)) == 1


def test_changing_the_interval_applies_to_waiting_deliveries(
    petition, delivered, alice, django_capture_on_commit_callbacks
):
    actions.save_delivery_plan(petition=petition, delivery_threshold=None,
                               answer_within_days=30, remind_every_days=3)  # fmt: skip
    delivered.refresh_from_db()
    assert delivered.remind_every_days == 3
    assert (delivered.deadline - delivered.delivered_on).days == 14  # as the target was told


def test_a_delivery_email_that_failed_is_sent_by_a_second_attempt(
    petition, jordan, alice, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from groundswell.core import emails

    with monkeypatch.context() as patch:
        patch.setattr(emails, "delivery_to_target", lambda *a, **k: 1 / 0)
        [delivery] = deliver(petition, alice, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.emailed_at is None
    assert tasks.send_delivery.call(delivery.pk) is True
    assert tasks.send_delivery.call(delivery.pk) is False  # and only once
    assert len([m for m in mailoutbox if m.to == [JORDAN_EMAIL]]) == 1
