"""Enqueue periodic tasks at fixed intervals; the task worker runs them.

Each app lists its periodic work in ``<app>/tasks.py`` as ``PERIODIC = [(task, seconds)]``.
Run one scheduler per site (``make run`` starts one). Every job is idempotent, so a second
scheduler or a restart only means a job runs a little early.
"""

import importlib
import time

from django.apps import apps
from django.core.management.base import BaseCommand


def periodic_jobs() -> list:
    jobs = []
    for config in apps.get_app_configs():
        if not config.name.startswith("groundswell."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tasks")
        except ModuleNotFoundError:
            continue
        jobs.extend(getattr(module, "PERIODIC", []))
    return jobs


class Command(BaseCommand):
    help = "Enqueue periodic tasks (expiry, closing dates, reminders, retention) for the worker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Enqueue every job once, then exit."
        )

    def handle(self, *args, once=False, **options):
        jobs = periodic_jobs()
        next_run = [0.0] * len(jobs)
        while True:
            now = time.monotonic()
            for i, (task, every) in enumerate(jobs):
                if now >= next_run[i]:
                    task.enqueue()
                    next_run[i] = now + every
            if once:
                return
            time.sleep(min(30, *(every for _, every in jobs)) if jobs else 30)
