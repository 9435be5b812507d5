"""Open letters, their co-signing organisations and requests logs, read-only.

An open letter is a petition of kind letter (decision 8): individuals co-sign it through
``POST /petitions/{slug}/signatures`` with its slug, and its count is
``GET /petitions/{slug}/count``.
"""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Router, Schema

from groundswell.api.pagination import Page, page, paginate
from groundswell.api.schemas import DeliveryOut, Error, OrganisationOut, TargetOut
from groundswell.api.targets import delivery_out
from groundswell.core.emails import absolute
from groundswell.letters.access import public_letter, public_letters, public_log, shown_cosigners
from groundswell.letters.models import Request
from groundswell.petitions.models import Petition

router = Router(tags=["letters"])


class CoSignerOut(Schema):
    name: str
    website: str
    logo_url: str
    approved_at: datetime | None


class LetterOut(Schema):
    slug: str
    title: str
    status: str
    summary: str
    targets: list[TargetOut]
    organisation: OrganisationOut
    cosigner_count: int = Field(description="Confirmed individual co-signers (exact)")
    answer_within_days: int | None = Field(description="The deadline, counted from sending")
    published_at: datetime | None
    url: str
    sign_url: str = Field(description="POST a signature here to co-sign (as a petition's)")


class LetterDetailOut(LetterOut):
    text_html: str = Field(description="The letter, rendered from Markdown and sanitised")
    organisations: list[CoSignerOut] = Field(description="Approved co-signing organisations")
    deliveries: list[DeliveryOut]


class RequestOut(Schema):
    reference: str
    subject: str
    target_name: str | None
    outcome: str = Field(
        description="not_sent, waiting, no_answer (past its deadline), in_time, late or refused"
    )
    days: int | None = Field(description="From sending to the answer, or to today")
    delivery: DeliveryOut | None


class RequestsLogOut(Schema):
    slug: str
    title: str
    description: str
    organisation: OrganisationOut
    url: str
    csv_url: str
    counts: dict[str, int] = Field(description="Requests by outcome")
    requests: list[RequestOut]


def _out(letter: Petition) -> dict:
    plan = getattr(letter, "delivery_plan", None)
    return {
        "slug": letter.slug,
        "title": letter.title,
        "status": letter.status,
        "summary": letter.demand,
        "targets": list(letter.targets.all()),
        "organisation": letter.organisation,
        "cosigner_count": letter.signature_count,
        "answer_within_days": plan.answer_within_days if plan else None,
        "published_at": letter.published_at,
        "url": absolute(letter.get_absolute_url()),
        "sign_url": absolute(f"/api/v1/petitions/{letter.slug}/signatures"),
    }


def _cosigners(letter: Petition) -> list[dict]:
    return [
        {
            "name": c.name,
            "website": c.website,
            "logo_url": absolute(c.logo.url),
            "approved_at": c.approved_at,
        }
        for c in shown_cosigners(letter)
    ]


@router.get(
    "/letters",
    response={200: Page[LetterOut], 422: Error},
    summary="Open letters, newest first (requests in a log are listed with their log)",
)
def list_letters(request, limit: int | None = None, cursor: str | None = None):
    letters = public_letters().filter(request__isnull=True).with_targets()
    items, next_url = paginate(request, letters, key=("-pk",), limit=limit, cursor=cursor)
    return page([_out(letter) for letter in items], next_url)


@router.get(
    "/letters/{slug}",
    response={200: LetterDetailOut, 404: Error},
    summary="An open letter: its text, co-signing organisations, count and answers",
)
def get_letter(request, slug: str):
    letter = public_letter(slug)
    deliveries = letter.deliveries.for_display()
    return {
        **_out(letter),
        "text_html": letter.reasons_html,
        "organisations": _cosigners(letter),
        "deliveries": [delivery_out(d) for d in deliveries],
    }


@router.get(
    "/letters/{slug}/organisations",
    response={200: list[CoSignerOut], 404: Error},
    summary="An open letter's approved co-signing organisations",
)
def get_letter_organisations(request, slug: str):
    return _cosigners(public_letter(slug))


@router.get(
    "/requests-logs/{slug}",
    response={200: RequestsLogOut, 404: Error},
    summary="A requests log: every request with its deadline, outcome and days",
)
def get_requests_log(request, slug: str):
    log = public_log(slug)
    today = timezone.localdate()
    items = log.requests.select_related("letter").prefetch_related(
        "letter__deliveries__target", "letter__deliveries__answer"
    )
    rows = [_request_out(item, today) for item in items]
    counts = {outcome: 0 for outcome in Request.Outcome.values}
    for row in rows:
        counts[row["outcome"]] += 1
    return {
        "slug": log.slug,
        "title": log.title,
        "description": log.description,
        "organisation": log.organisation,
        "url": absolute(log.get_absolute_url()),
        "csv_url": absolute(f"{log.get_absolute_url()}requests.csv"),
        "counts": counts,
        "requests": rows,
    }


def _request_out(item: Request, today: date) -> dict:
    delivery = item.delivery
    return {
        "reference": item.reference,
        "subject": item.letter.title,
        "target_name": delivery.target.name if delivery else None,
        "outcome": str(item.outcome(today)),
        "days": item.days(today),
        "delivery": delivery_out(delivery) if delivery else None,
    }
