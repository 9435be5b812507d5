from datetime import datetime

from ninja import Router, Schema

from groundswell.api.pagination import Page, page, paginate
from groundswell.api.schemas import Error
from groundswell.core.emails import absolute
from groundswell.petitions.access import public_petition
from groundswell.updates.access import public_updates
from groundswell.updates.models import Update

router = Router(tags=["updates"])


class UpdateOut(Schema):
    id: int
    kind: str
    title: str
    summary: str
    body_html: str
    automatic: bool
    published_at: datetime
    modified_at: datetime
    url: str
    original_url: str


def _out(update: Update) -> dict:
    return {
        "id": update.pk,
        "kind": update.kind,
        "title": update.title,
        "summary": update.summary,
        "body_html": update.body_html,
        "automatic": update.origin == Update.Origin.AUTOMATIC,
        "published_at": update.published_at,
        "modified_at": max(update.modified_at, update.published_at),
        "url": absolute(update.get_absolute_url()),
        "original_url": update.source_url,
    }


@router.get(
    "/petitions/{slug}/updates",
    response={200: Page[UpdateOut], 404: Error, 422: Error},
    summary="Published updates of a petition, newest first",
    description=(
        "Paginated (`limit`, at most 100, and the `next` link). `body_html` is sanitised "
        "HTML; `automatic` marks updates the site posted itself (a milestone, an answer "
        "from the target)."
    ),
)
def list_updates(request, slug: str, limit: int | None = None, cursor: str | None = None):
    petition = public_petition(slug)
    updates = public_updates(petition)
    items, next_url = paginate(
        request, updates, key=("-published_at", "-pk"), limit=limit, cursor=cursor
    )
    for update in items:
        update.petition = petition  # for the URL, without a join
    return page([_out(u) for u in items], next_url)
