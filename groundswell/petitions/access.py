"""Who may see and change a petition. Each function returns the petition or raises."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from groundswell.accounts.access import require_two_factor
from groundswell.petitions.models import Petition


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
