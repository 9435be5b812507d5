"""Who may see and change an organisation. Each function returns the object or raises."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from groundswell.accounts.models import Membership, Organisation


def organisation_for_member(user, slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or organisation.role_of(user) is None:
        raise Http404("No such organisation.")
    return organisation


def organisation_for_owner(user, slug: str) -> Organisation:
    organisation = organisation_for_member(user, slug)
    if organisation.role_of(user) not in Membership.CAN_MANAGE_MEMBERS:
        raise PermissionDenied("Only an owner of this organisation can do that.")
    return organisation
