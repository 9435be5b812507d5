"""The exact count of confirmed signatures, without a hot row and without COUNT(*).

Each petition has ``COUNTER_SHARDS`` counter rows. Confirming a signature adds one to a
random shard inside the confirmation's own transaction, so the sum of the shards always
equals the number of confirmed rows, and concurrent confirmations rarely wait on one row
lock. Reads sum the shards (one indexed query over a handful of rows) and keep the result
in a per-process cache for ``COUNT_CACHE_SECONDS``.
"""

import random

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import F, Sum

from groundswell.petitions.models import CounterShard, Signature


def _shards() -> int:
    return settings.GROUNDSWELL["COUNTER_SHARDS"]


def _key(petition_id: int) -> str:
    return f"petition-count:{petition_id}"


def create_shards(petition_id: int) -> None:
    CounterShard.objects.bulk_create(
        [CounterShard(petition_id=petition_id, shard=n) for n in range(_shards())],
        ignore_conflicts=True,
    )


def add_confirmed(petition_id: int, n: int = 1) -> None:
    """Add ``n`` to the count; call inside the transaction that confirms the rows."""
    shard = random.randrange(_shards())
    updated = CounterShard.objects.filter(petition_id=petition_id, shard=shard).update(
        count=F("count") + n
    )
    if not updated:  # the shard rows are missing (e.g. COUNTER_SHARDS was raised)
        create_shards(petition_id)
        CounterShard.objects.filter(petition_id=petition_id, shard=shard).update(
            count=F("count") + n
        )
    transaction.on_commit(lambda: forget(petition_id))


def remove_confirmed(petition_id: int, n: int = 1) -> None:
    """Take ``n`` from the count (withdrawn signatures); in the withdrawal's transaction.

    A shard may go below zero; only the sum means anything.
    """
    add_confirmed(petition_id, -n)


def confirmed_count(petition_id: int) -> int:
    cache = caches["local"]
    count = cache.get(_key(petition_id))
    if count is None:
        total = CounterShard.objects.filter(petition_id=petition_id).aggregate(t=Sum("count"))
        count = total["t"] or 0
        cache.set(_key(petition_id), count, settings.GROUNDSWELL["COUNT_CACHE_SECONDS"])
    return count


def forget(petition_id: int) -> None:
    caches["local"].delete(_key(petition_id))


def recount(petition_id: int) -> int:
    """Rebuild the shards from the rows: an exact recount, for repairs and invalidations."""
    return recount_with_drift(petition_id)[1]


@transaction.atomic
def recount_with_drift(petition_id: int) -> tuple[int, int]:
    """Recount as ``recount`` does; returns (what the shards said, the exact count)."""
    create_shards(petition_id)
    shards = CounterShard.objects.filter(petition_id=petition_id)
    # Lock the shards before counting rows: a confirmation that already added to a shard
    # commits first and is counted below; one that has not yet waits and adds after the reset.
    locked = list(shards.select_for_update().order_by("shard").values_list("count", flat=True))
    exact = Signature.objects.filter(petition_id=petition_id).confirmed().count()
    shards.update(count=0)
    shards.filter(shard=0).update(count=exact)
    transaction.on_commit(lambda: forget(petition_id))
    return sum(locked), exact
