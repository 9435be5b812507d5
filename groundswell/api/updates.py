from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from groundswell.api.schemas import Error
from groundswell.core.emails import absolute
from groundswell.petitions.models import Petition
from groundswell.updates.models import Update

router = Router(tags=["updates"])

MAX_UPDATES = 100


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
    response={200: list[UpdateOut], 404: Error},
    summary="Published updates of a petition, newest first",
    description=(
        f"At most {MAX_UPDATES}. `body_html` is sanitised HTML; `automatic` marks updates the "
        "site posted itself (a milestone, an answer from the target)."
    ),
)
def list_updates(request, slug: str):
    petition = get_object_or_404(Petition.objects.public(), slug=slug)
    updates = list(Update.objects.public().filter(petition=petition).newest_first()[:MAX_UPDATES])
    for update in updates:
        update.petition = petition  # for the URL, without a join
    return [_out(u) for u in updates]
