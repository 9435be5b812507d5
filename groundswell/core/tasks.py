"""Helpers for enqueuing background work from actions."""

import threading
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task`` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(partial(task.enqueue, *args, **kwargs))


_woken_until: dict[str, float] = {}
_wake_lock = threading.Lock()


def wake_on_commit(task, window: float | None = None) -> None:
    """Have ``task`` (no arguments; it drains a queue kept in rows) run after this commit.

    Under a surge thousands of commits a second each want it, and one run sees them all.
    So each process enqueues it at most once per ``TASK_WAKE_SECONDS``, to run at the end
    of that window: every commit this process makes before then is seen by that run. Nothing
    is lost if a process dies between its commit and this call: the rows are the queue,
    and the task's periodic run (its app's PERIODIC) picks them up. ``window`` overrides
    ``TASK_WAKE_SECONDS`` for a queue that should gather more per run (webhook events).
    """
    window = settings.TASK_WAKE_SECONDS if window is None else window
    transaction.on_commit(partial(_wake, task, window))


def _wake(task, window: float) -> None:
    if not task.get_backend().supports_defer:  # tests' immediate backend: run it now
        task.enqueue()
        return
    now = time.monotonic()
    with _wake_lock:
        if now < _woken_until.get(task.module_path, 0.0):
            return
        _woken_until[task.module_path] = now + window
    task.using(run_after=timezone.now() + timedelta(seconds=window)).enqueue()


@task()
def requeue_abandoned_tasks() -> int:
    """Run again the tasks whose worker died while running them.

    The database queue marks a task RUNNING when a worker takes it, and nothing else ever
    looks at it again: a worker killed mid-task (kill -9, the OOM killer, a lost machine)
    would leave it RUNNING for good, and a help-programme notice, a delivery email or a
    mailing's fan-out with it. A task still RUNNING ``TASK_LEASE_SECONDS`` after it started
    is put back in the queue. Every task here is safe to run twice, and one that sends
    mail holds a lease on its row (core/leases.py) that has run out by then.
    """
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = requeue_abandoned_tasks.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return 0  # another queue (the tests' immediate one) keeps no RUNNING rows
    cutoff = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS)
    abandoned = DBTaskResult.objects.running().filter(
        backend_name=backend.alias, started_at__lt=cutoff
    )
    return abandoned.update(status=TaskResultStatus.READY, started_at=None)


PERIODIC = [(requeue_abandoned_tasks, 60)]
