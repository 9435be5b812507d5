"""Helpers for enqueuing background work from actions."""

from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task`` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(partial(task.enqueue, *args, **kwargs))
