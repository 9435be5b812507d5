"""Who may see and change an organisation. Each function returns the object or raises."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from groundswell.accounts.models import Membership, Organisation


class TwoFactorRequired(PermissionDenied):
    """The page needs a session verified with a second factor; the middleware sends the
    person to set one up, or to enter a code (accounts/middleware.py)."""

    def __init__(self):
        super().__init__("This page needs two-factor login.")


def require_two_factor(user) -> None:
    """For pages with signers' data, help requests or staff powers: a verified session."""
    if not (user.is_authenticated and user.is_verified()):
        raise TwoFactorRequired()


def organisation_for_member(user, slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or organisation.role_of(user) is None:
        raise Http404(_("No such organisation."))
    return organisation


def organisation_for_owner(user, slug: str) -> Organisation:
    organisation = organisation_for_member(user, slug)
    if organisation.role_of(user) not in Membership.CAN_MANAGE_MEMBERS:
        raise PermissionDenied(_("Only an owner of this organisation can do that."))
    return organisation
