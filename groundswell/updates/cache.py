"""The latest updates a petition page shows, kept per process for a few seconds.

A busy petition page must not cost a query per view (tests/petitions/test_counting.py):
like the count, the list is cached in the per-process cache. The process that publishes
forgets its copy on commit; other processes see the change within ``SECONDS``.
"""

from django.core.cache import caches
from django.db import transaction

SECONDS = 10
SHOWN = 3


def _key(petition_id: int) -> str:
    return f"petition-updates:{petition_id}"


def latest_for(petition) -> dict:
    """{"updates": the newest few public updates, "more": whether there are older ones}."""
    from groundswell.updates.models import Update

    cache = caches["local"]
    found = cache.get(_key(petition.pk))
    if found is None:
        updates = list(
            Update.objects.public()
            .filter(petition_id=petition.pk)
            .newest_first()
            .only(
                "pk",
                "title",
                "body_html",
                "title_es",  # its Spanish version (core/translated.py)
                "body_html_es",
                "published_at",
                "origin",
                "kind",
                "petition_id",
            )[: SHOWN + 1]
        )
        found = {"updates": updates[:SHOWN], "more": len(updates) > SHOWN}
        cache.set(_key(petition.pk), found, SECONDS)
    return found


def forget(petition_id: int) -> None:
    caches["local"].delete(_key(petition_id))


def forget_on_commit(update) -> None:
    """Forget now, and again once the change is committed (a view in between may have
    cached the old list)."""
    if update.petition_id:
        petition_id = update.petition_id
        forget(petition_id)
        transaction.on_commit(lambda: forget(petition_id))
