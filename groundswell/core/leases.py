"""Leases on claimed work: mail is sent at least once, even when a worker dies mid-send.

A task claims a row before it sends (so that two runs do not both send) by writing when
its claim runs out: ``now + MAIL_LEASE_SECONDS``. It marks the row sent only after the
mail server accepted the message. A worker killed in between leaves a lease that runs
out, and the row is claimable again: by the next run, a periodic sweep, or the task
itself run again (``core.tasks.requeue_abandoned_tasks``). Only a message in flight at
the crash can go out twice.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone


def new_lease(now: datetime | None = None) -> datetime:
    """When a claim taken now runs out."""
    return (now or timezone.now()) + timedelta(seconds=settings.MAIL_LEASE_SECONDS)


def free(field: str, now: datetime) -> Q:
    """Rows whose lease ``field`` nobody holds: never claimed, released, or run out."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now})


def expired(field: str, now: datetime) -> Q:
    """Rows claimed by a worker that did not finish in time: most likely it died."""
    return Q(**{f"{field}__lt": now})
