"""The count is exact, comes from counter shards, and a page view never runs COUNT(*)."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groundswell.petitions import actions, counting
from groundswell.petitions.models import CounterShard, Signature
from tests.conftest import sign, sign_and_confirm


def test_the_shards_always_sum_to_the_confirmed_rows(petition, settings):
    for n in range(30):
        sign_and_confirm(petition, f"s{n}@example.com")
    sign(petition, "pending@example.com")
    shards = CounterShard.objects.filter(petition=petition)
    assert shards.count() == settings.GROUNDSWELL["COUNTER_SHARDS"]
    assert sum(s.count for s in shards) == 30
    assert len([s for s in shards if s.count]) > 1  # confirmations spread over rows
    assert Signature.objects.filter(petition=petition).confirmed().count() == 30


def test_a_recount_repairs_a_drifted_counter(petition):
    for n in range(3):
        sign_and_confirm(petition, f"s{n}@example.com")
    CounterShard.objects.filter(petition=petition).update(count=99)
    assert counting.recount(petition.pk) == 3
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 3


def test_missing_shard_rows_are_recreated_on_the_next_confirmation(petition):
    CounterShard.objects.filter(petition=petition).delete()
    sign_and_confirm(petition)
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 1


@pytest.fixture
def still_time():
    """Caches that live a few seconds outlive a slow request on a loaded machine."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def test_a_petition_page_view_reads_the_count_without_counting_rows(client, petition, still_time):
    for n in range(3):
        sign_and_confirm(petition, f"s{n}@example.com", show_name=True, comment=f"Reason {n}")
    counting.forget(petition.pk)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/p/{petition.slug}/")
    assert response.status_code == 200
    assert "3</strong>" in response.content.decode()
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "COUNT(" not in sql
    # petition, targets, count, recent signers, comments, invalidations removed, latest
    # updates, and (+1) the deliveries and answers: each of the last five read once per
    # process per few seconds.
    assert len(queries.captured_queries) <= 8


def test_a_busy_page_is_served_from_the_cache(
    client, petition, django_assert_max_num_queries, still_time
):
    client.get(f"/p/{petition.slug}/")
    with django_assert_max_num_queries(2):  # the petition and its targets; the rest is cached
        client.get(f"/p/{petition.slug}/")


def test_imported_signatures_move_the_count_by_what_was_added(petition):
    from django.utils import timezone

    row = actions.ConfirmedSignatureInput(
        name="Paper Signer", email="paper@example.com", postcode="10001", country="US",
        confirmed_at=timezone.now(),
    )  # fmt: skip
    assert actions.import_confirmed_signatures(petition=petition, rows=[row, row]) == 1
    assert actions.import_confirmed_signatures(petition=petition, rows=[row]) == 0
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 1
