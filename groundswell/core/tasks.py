"""Helpers for enqueuing background work from actions."""

import threading
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone


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
