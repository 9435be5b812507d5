"""A notice whose worker was killed mid-send is not lost: the task runs again once its
lease (TASK_LEASE_SECONDS) runs out, through the scheduler and the worker as deployed."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from groundswell.support import actions

NOTICE = "groundswell.support.tasks.notify_adviser"
INTAKE = actions.Intake(
    sector="enforcement", region="americas-east", language="en", situation="x", skills=["cv"]
)


def run_scheduler_and_worker() -> None:
    call_command("scheduler", once=True)
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


# The worker checks its connection as the real one does, which a test's transaction forbids.
@pytest.mark.django_db(transaction=True)
def test_a_notice_a_killed_worker_had_taken_is_sent_once_the_task_lease_runs_out(
    programme, vera, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]}
    }
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit_request(programme=programme, intake=INTAKE)
    mail.outbox.clear()
    notice = DBTaskResult.objects.get(task_path=NOTICE)
    notice.claim("a-worker-killed-before-it-sent")  # RUNNING, and nobody is running it

    run_scheduler_and_worker()
    assert mail.outbox == []  # not yet: that worker might still be sending

    later = timezone.now() + timedelta(seconds=settings.TASK_LEASE_SECONDS + 60)
    with time_machine.travel(later, tick=False):
        run_scheduler_and_worker()
    assert [m.subject for m in mail.outbox] == ["A request was offered to you"]
    assert mail.outbox[0].to == [vera.user.email]
    notice.refresh_from_db()
    assert notice.status == "SUCCESSFUL"
