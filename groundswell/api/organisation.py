"""What an organisation's own tools read and write with a token: its petitions and signers."""

from datetime import datetime
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from groundswell.api.audit import record_personal_data_read
from groundswell.api.auth import needs
from groundswell.api.pagination import Page, page, paginate
from groundswell.api.schemas import Accepted, Error, SignatureIn
from groundswell.core.emails import absolute
from groundswell.core.errors import ActionError
from groundswell.integrations.models import Scope
from groundswell.petitions import actions
from groundswell.petitions.forms import SignatureForm
from groundswell.petitions.models import Petition, Signature

router = Router(tags=["organisation"])

ERRORS = {401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


class OwnPetitionOut(Schema):
    slug: str
    title: str
    status: str = Field(description="draft, in_review, open, closed or won")
    created_at: datetime
    published_at: datetime | None
    url: str


class SignerOut(Schema):
    id: int
    status: str = Field(description="confirmed, or pending (waiting for the email link)")
    name: str
    email: str
    postcode: str
    country: str
    comment: str
    show_name: bool
    wants_updates: bool
    created_at: datetime
    confirmed_at: datetime | None
    referred_by_id: int | None

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code or ""


def _own_petition(request, slug: str) -> Petition:
    """The token's organisation's petition, whatever its status; 404 for anyone else's."""
    petition = Petition.objects.filter(slug=slug, organisation=request.auth.organisation).first()
    if petition is None:
        raise Http404(gettext("Your organisation has no petition with this slug."))
    return petition


@router.get(
    "/organisation/petitions",
    response={200: Page[OwnPetitionOut], **ERRORS},
    summary="Your organisation's petitions, drafts included, newest first",
    **needs(Scope.PETITIONS_READ),
)
def list_own_petitions(request, limit: int | None = None, cursor: str | None = None):
    petitions = Petition.objects.filter(organisation=request.auth.organisation)
    items, next_url = paginate(request, petitions, key=("-pk",), limit=limit, cursor=cursor)
    return page(
        [
            {
                "slug": p.slug,
                "title": p.title,
                "status": p.status,
                "created_at": p.created_at,
                "published_at": p.published_at,
                "url": absolute(p.get_absolute_url()),
            }
            for p in items
        ],
        next_url,
    )


# Each status pages by the time it reached that status: confirmations arrive in
# confirmed_at order (index petition, status, confirmed_at), so a client that follows
# `next` sees each new confirmation once, at the end.
_ORDER = {
    Signature.Status.CONFIRMED: ("confirmed_at", "pk"),
    Signature.Status.PENDING: ("created_at", "pk"),
}


@router.get(
    "/petitions/{slug}/signers",
    response={200: Page[SignerOut], **ERRORS},
    summary="Signers of one of your petitions, oldest first (personal data)",
    description=(
        "Confirmed signers by the time they confirmed, or pending ones by the time they "
        "signed. `since` keeps those confirmed (or, pending, signed) at or after that time. "
        "Every read is written to the audit trail."
    ),
    **needs(Scope.SIGNATURES_READ),
)
def list_signers(
    request,
    slug: str,
    status: Literal["confirmed", "pending"] = "confirmed",
    since: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
):
    petition = _own_petition(request, slug)
    key = _ORDER[status]
    signers = Signature.objects.filter(petition=petition, status=status)
    if since is not None:
        signers = signers.filter(**{f"{key[0]}__gte": since})
    items, next_url = paginate(request, signers, key=key, limit=limit, cursor=cursor)
    record_personal_data_read(
        request.auth, f"{status} signers of petition {petition.slug}", len(items), petition
    )
    return page(items, next_url)


@router.post(
    "/petitions/{slug}/signers",
    response={202: Accepted, 409: Error, **ERRORS},
    summary="Add a signer to one of your petitions; they confirm by email",
    description=(
        "For signatures gathered by your own tools (a partner site, a stall's tablet). The "
        "person is emailed a confirmation link and counts once they follow it, as on the "
        "site. Limited per token, not per address."
    ),
    **needs(Scope.SIGNATURES_WRITE),
)
def add_signer(request, slug: str, payload: SignatureIn):
    petition = _own_petition(request, slug)
    form = SignatureForm(payload.dict())
    if not form.is_valid():
        detail = [
            {"loc": ["body", field], "msg": str(message), "type": "value_error"}
            for field, messages in form.errors.items()
            for message in messages
        ]
        return Status(422, {"detail": detail})
    try:
        actions.sign_petition(petition=petition, **form.action_arguments())
    except ActionError as error:
        return Status(error.status, {"detail": error.message})
    return Status(202, {"status": "pending_confirmation"})
