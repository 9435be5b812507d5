from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext
from ninja import Router, Status
from ninja.decorators import decorate_view

from groundswell.api.pagination import Page, page, paginate
from groundswell.api.schemas import (
    Accepted,
    CountOut,
    Error,
    PetitionDetailOut,
    PetitionOut,
    SignatureIn,
)
from groundswell.api.targets import petition_deliveries_out
from groundswell.core import ratelimit
from groundswell.core.emails import absolute
from groundswell.core.errors import ActionError
from groundswell.core.origin import is_same_origin
from groundswell.petitions import access, actions
from groundswell.petitions.forms import SignatureForm
from groundswell.petitions.models import Petition

router = Router(tags=["petitions"])


def _public(slug: str) -> Petition:
    return access.public_petition(slug)


def _out(petition: Petition) -> dict:
    return {
        "slug": petition.slug,
        "title": petition.title,
        "status": petition.status,
        "demand": petition.demand,
        "targets": list(petition.targets.all()),
        "organisation": petition.organisation,
        "signature_count": petition.signature_count,
        "goal": petition.goal,
        "created_at": petition.created_at,
        "published_at": petition.published_at,
        "closes_on": petition.closes_on,
        "url": absolute(petition.get_absolute_url()),
    }


@router.get(
    "",
    response={200: Page[PetitionOut], 422: Error},
    summary="Open and closed petitions, newest first",
    description="Paginated: `limit` (at most 100) and the `next` link (docs/api.md).",
)
def list_petitions(request, limit: int | None = None, cursor: str | None = None):
    petitions = access.public_petitions().petitions().with_targets()
    items, next_url = paginate(request, petitions, key=("-pk",), limit=limit, cursor=cursor)
    return page([_out(p) for p in items], next_url)


@router.get(
    "/{slug}",
    response={200: PetitionDetailOut, 404: Error},
    summary="One petition, with its deliveries to its targets and their answers",
)
def get_petition(request, slug: str):
    petition = access.public_petition(slug, with_targets=True)
    return {**_out(petition), **petition_deliveries_out(petition)}


@router.get(
    "/{slug}/count",
    response={200: CountOut, 404: Error},
    summary="The confirmed count alone, cheap to poll",
    description="Cached for about a second; send no more than one request every 10 seconds.",
)
def get_count(request, slug: str, response: HttpResponse):
    petition = access.public_petition(slug)
    response["Cache-Control"] = "public, max-age=1, stale-while-revalidate=9"
    return {
        "slug": petition.slug,
        "signature_count": petition.signature_count,
        "goal": petition.goal,
    }


def _field_errors(form: SignatureForm) -> list[dict]:
    return [
        {"loc": ["body", field], "msg": str(message), "type": "value_error"}
        for field, messages in form.errors.items()
        for message in messages
    ]


def json_from_anywhere_but_a_browser_elsewhere(operation):
    """Refuse what another site's page could make its visitors' browsers send.

    A page elsewhere can post a "simple" request (text/plain, a form) without asking this
    site first; a JSON body needs a CORS preflight, which this site never grants. So only
    ``application/json`` is read, and a browser that says it comes from another site
    (``Sec-Fetch-Site``, ``Origin``) is refused as the sign form refuses it
    (core/origin.py). A server-to-server client sends neither header and is let through.
    """

    @wraps(operation)
    def guarded(request, *args, **kwargs):
        if not is_same_origin(request):
            detail = gettext("Signatures cannot be sent from another site's pages.")
            return JsonResponse({"detail": detail}, status=403)
        if request.content_type != "application/json":
            detail = gettext("Send the signature as JSON, with Content-Type: application/json.")
            return JsonResponse({"detail": detail}, status=415)
        return operation(request, *args, **kwargs)

    return guarded


@router.post(
    "/{slug}/signatures",
    response={
        202: Accepted,
        403: Error,
        404: Error,
        409: Error,
        415: Error,
        422: Error,
        429: Error,
    },
    summary="Sign a petition, or co-sign an open letter",
    description=(
        "Records a signature waiting for confirmation and emails the signer a link. "
        "An open letter is signed here too, by its slug (GET /letters/{slug}). "
        "The answer is the same whether or not the address has signed before."
    ),
)
@decorate_view(json_from_anywhere_but_a_browser_elsewhere)
def sign(request, slug: str, payload: SignatureIn):
    petition = _public(slug)
    form = SignatureForm(payload.dict())
    if not form.is_valid():
        return Status(422, {"detail": _field_errors(form)})
    if form.is_bot:
        return Status(202, {"status": "pending_confirmation"})
    ip = ratelimit.client_ip(request)
    try:
        signed = actions.sign_attempt(petition=petition, signer=form.signer(), ip=ip)
    except ActionError as error:
        return Status(error.status, {"detail": error.message})
    if signed.outcome == actions.Outcome.RATE_LIMITED:
        raise ratelimit.RateLimited(signed.message)  # answered 429 with Retry-After
    if not signed.recorded:
        return Status(signed.status, {"detail": signed.message})
    return Status(202, {"status": "pending_confirmation"})
