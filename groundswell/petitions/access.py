"""Who may see and change a petition. Each function returns the petition or raises."""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from groundswell.accounts.access import require_two_factor
from groundswell.core.cache import Kept
from groundswell.petitions.models import Petition, Signature


def _get(slug: str) -> Petition:
    petition = (
        Petition.objects.select_related("organisation").with_targets().filter(slug=slug).first()
    )
    if petition is None:
        raise Http404(_("No petition here. Check the address, or find it on the home page."))
    return petition


class PetitionRemoved(Http404):
    """Rejected or hidden by moderators: its page says so and why, without the content."""

    def __init__(self, petition: Petition):
        super().__init__("This petition was removed by moderators.")
        self.petition = petition


def _is_member(user, petition: Petition) -> bool:
    return user.is_authenticated and petition.organisation.role_of(user) is not None


def _is_moderator(user) -> bool:
    from groundswell.moderation.access import is_moderator

    return is_moderator(user)


def petition_for_viewing(user, slug: str) -> Petition:
    """Public petitions for everyone; the others for their team and moderators.

    Others learn that a rejected or hidden petition was removed (``PetitionRemoved``).
    """
    petition = _get(slug)
    if petition.is_public or _is_member(user, petition) or _is_moderator(user):
        return petition
    if petition.status in Petition.REMOVED:
        raise PetitionRemoved(petition)
    raise Http404(_("No petition here. Check the address, or find it on the home page."))


def petition_for_signing(user, slug: str) -> Petition:
    """The fields signing needs, in one small query; others as ``petition_for_viewing``.

    Signing is the hottest write there is: it needs no organisation and no targets.
    """
    petition = Petition.objects.public().for_signing().filter(slug=slug).first()
    return petition or petition_for_viewing(user, slug)


SIGNING_PETITIONS = Kept(
    "signing-petitions",
    seconds=1.0,
    keep_none=True,  # a slug that is no petition is remembered too
    forgotten_by="nobody: sign_petitions decides on the petition as read (at most 1 s old)",
)


def petition_for_fast_signing(*, slug: str | None = None, pk: int | None = None):
    """``petition_for_signing``'s public petitions, by slug or pk, as this process saw them
    within the last second, or None: for the fast path and the signing service, which ask
    thousands of times a second and send anything else on to the view."""
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    return SIGNING_PETITIONS.get(tuple(lookup.items()), partial(_look_up_for_signing, lookup))


def _look_up_for_signing(lookup: dict) -> Petition | None:
    try:
        return Petition.objects.public().for_signing().filter(**lookup).first()
    finally:
        if not connection.in_atomic_block:  # outside Django's request cycle:
            connection.close()  # give the connection back to the pool


def petition_for_edit(user, slug: str) -> Petition:
    """For the organisation's members only: edit, close, export, see the dashboard."""
    petition = petition_for_viewing(user, slug)
    if not _is_member(user, petition):
        raise PermissionDenied(_("Only the organisation running this petition can do that."))
    return petition


def petition_for_insights(user, slug: str) -> Petition:
    """Its team always; everyone else only if the organiser made the insights public."""
    petition = petition_for_viewing(user, slug)
    if (petition.is_public and petition.insights_public) or _is_member(user, petition):
        return petition
    raise Http404(_("This petition's organiser has not shared its insights."))


def petition_for_export(user, slug: str) -> Petition:
    """Signers' names and emails: the organisation's members, with a second factor."""
    petition = petition_for_edit(user, slug)
    require_two_factor(user)
    return petition


# --- For the API (groundswell/api/): its answers do not depend on a browser's login ------


def public_petitions():
    """What anyone may list: public petitions only, never a draft, whoever asks."""
    return Petition.objects.public().select_related("organisation")


def public_petition(slug: str, *, with_targets: bool = False) -> Petition:
    """A public petition, or Http404: its own team gets a 404 for a draft here too."""
    petitions = public_petitions().with_targets() if with_targets else public_petitions()
    return get_object_or_404(petitions, slug=slug)


def petitions_of_organisation(organisation):
    """Every petition of the organisation an API token belongs to, drafts included."""
    return Petition.objects.filter(organisation=organisation)


def petition_of_organisation(organisation, slug: str) -> Petition:
    """One of them, whatever its status; Http404 for any other organisation's."""
    petition = petitions_of_organisation(organisation).filter(slug=slug).first()
    if petition is None:
        raise Http404(_("Your organisation has no petition with this slug."))
    return petition


def signers_of(petition: Petition, *, status: str):
    """Signers of a petition ``petition_of_organisation`` gave, confirmed or pending."""
    return Signature.objects.filter(petition=petition, status=status)
