"""Enqueue periodic tasks at fixed intervals; the task worker runs them.

One scheduler process per site (``make run`` starts one). Each job is idempotent, so a
second scheduler or a restart only means a job runs a little early.
"""

import time

from django.core.management.base import BaseCommand

from groundswell.petitions import tasks as petition_tasks

JOBS = [
    # (task, every N seconds)
    (petition_tasks.purge_expired_signatures, 3600),
    (petition_tasks.close_past_deadline, 600),
]


class Command(BaseCommand):
    help = "Enqueue periodic tasks (expiry, closing dates) for the task worker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Enqueue every job once, then exit."
        )

    def handle(self, *args, once=False, **options):
        next_run = {task: 0.0 for task, _ in JOBS}
        while True:
            now = time.monotonic()
            for task, every in JOBS:
                if now >= next_run[task]:
                    task.enqueue()
                    next_run[task] = now + every
            if once:
                return
            time.sleep(30)
