"""Races found by forcing an interleaving: a recount beside a confirmation, a purge beside a
repeat signature. PostgreSQL only: SQLite lets one writer in at a time, so they cannot race."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from groundswell.petitions import actions, counting
from groundswell.petitions.models import CounterShard, Signature
from tests.conftest import sign, sign_and_confirm

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races need PostgreSQL: SQLite runs one writer at a time")


def _in_thread(work):
    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_recount_while_a_confirmation_is_in_flight_keeps_it(petition, monkeypatch):
    for n in range(3):
        sign_and_confirm(petition, f"early{n}@example.com")
    token = sign(petition, "late@example.com").confirmation_token()

    added, release = threading.Event(), threading.Event()
    real_add = counting.add_confirmed

    def add_then_wait(petition_id, n=1):  # still inside confirm_signature's transaction
        real_add(petition_id, n)
        added.set()
        release.wait(10)

    monkeypatch.setattr(counting, "add_confirmed", add_then_wait)
    confirmer = _in_thread(lambda: actions.confirm_signature(token=token))
    assert added.wait(10)
    recounter = _in_thread(lambda: counting.recount(petition.pk))
    time.sleep(1)  # the recount now waits for the shard lock the confirmation holds
    release.set()
    confirmer.join(10)
    recounter.join(10)

    rows = Signature.objects.filter(petition=petition, status="confirmed").count()
    shards = sum(CounterShard.objects.filter(petition=petition).values_list("count", flat=True))
    assert rows == shards == 4


def test_signing_again_while_the_purge_deletes_the_old_attempt_records_the_new_one(petition):
    old = sign(petition, "sam@example.com")
    Signature.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))

    def purge_in_between(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except IntegrityError:
            # The INSERT lost to the expired row, which the purge deletes right now.
            _in_thread(actions.purge_expired_signatures).join(10)
            raise

    with connection.execute_wrapper(purge_in_between):
        signature = sign(petition, "Sam@example.com", name="Sam Again")

    assert Signature.objects.get().pk == signature.pk
    assert signature.name == "Sam Again"
