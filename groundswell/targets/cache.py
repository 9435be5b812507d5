"""A petition's deliveries and answers as its public page shows them, cached per process.

A busy petition page must not cost a query per view (tests/petitions/test_counting.py), so
the list is kept in the per-process cache for ``SECONDS``, like the count. What is cached
are the rows (dates, statuses, answers), never text computed from today's date: "waiting
N days" and "overdue" are worked out at each render. The process that records a change
forgets its copy at once and again on commit; other processes see it within ``SECONDS``.
"""

from django.core.cache import caches
from django.db import transaction

SECONDS = 10


def _key(petition_id: int) -> str:
    return f"petition-deliveries:{petition_id}"


def deliveries_for(petition) -> list:
    """The petition's deliveries with their targets and answers, oldest first."""
    from groundswell.petitions.models import Petition
    from groundswell.targets.models import Delivery

    if petition.status not in Petition.DECIDABLE:  # drafts and petitions in review
        return []
    cache = caches["local"]
    found = cache.get(_key(petition.pk))
    if found is None:
        found = list(Delivery.objects.filter(petition_id=petition.pk).for_display())
        cache.set(_key(petition.pk), found, SECONDS)
    return found


def forget(petition_id: int) -> None:
    caches["local"].delete(_key(petition_id))


def forget_on_commit(petition_id: int) -> None:
    """Forget now (this process's next page) and after commit (a page read in between)."""
    forget(petition_id)
    transaction.on_commit(lambda: forget(petition_id))
