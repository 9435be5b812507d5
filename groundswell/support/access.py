"""Who may see what in the help programme. Each function returns the object or raises.

The help programme has its own rules: being staff, an organisation's owner or someone's
colleague grants nothing here. A seeker is whoever holds a receipt's key for this visit;
an adviser is a user who logged in with a second factor *and* unwrapped their key.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.access import require_two_factor
from groundswell.accounts.models import Membership
from groundswell.support import keyring
from groundswell.support.models import AdviserProfile, Match, Programme


class SignInRequired(PermissionDenied):
    """Not signed in for this part of the help programme; views send them to sign in."""

    def __init__(self, where: str):
        super().__init__(_("Please sign in first."))
        self.where = where


# --- Seekers --------------------------------------------------------------------------------


def seeker_for(request) -> keyring.Seeker:
    seeker = keyring.seeker(request)
    if seeker is None:
        raise SignInRequired("support:return")
    return seeker


def match_for_seeker(seeker: keyring.Seeker, match_id) -> Match:
    """One of the seeker's own request's matches; another request's is not found."""
    if not str(match_id).isdigit():
        raise Http404(_("No such adviser for your request."))
    match = (
        Match.objects.select_related("adviser__user__adviser_key", "request")
        .filter(pk=match_id, request=seeker.request)
        .first()
    )
    if match is None:
        raise Http404(_("No such adviser for your request."))
    return match


# --- Advisers -------------------------------------------------------------------------------


@dataclass
class Adviser:
    user: object
    private_key: bytes


def adviser_for(request) -> Adviser:
    """A verified (two-factor) adviser who is still part of a programme, with their key."""
    user = request.user
    if not (user.is_authenticated and user.is_verified()):
        raise SignInRequired("support:adviser_login")
    if not user.adviser_profiles.filter(status__in=AdviserProfile.CAN_WORK).exists():
        raise PermissionDenied(_("You are not an adviser in any help programme."))
    private_key = keyring.adviser_private_key(request)
    if private_key is None:
        raise SignInRequired("support:adviser_login")
    return Adviser(user=user, private_key=private_key)


def match_for_adviser(adviser: Adviser, code: str) -> Match:
    """A live match of this adviser's; every other request, or one that ended, is not found."""
    match = (
        Match.objects.select_related("request__programme", "adviser")
        .filter(
            code=code,
            adviser__user=adviser.user,
            adviser__status__in=AdviserProfile.CAN_WORK,
            status__in=Match.LIVE,
        )
        .first()
    )
    if match is None:
        raise Http404(_("No such request for you."))
    return match


# --- Coordinators ---------------------------------------------------------------------------


def _coordinator(user) -> None:
    """Coordinators enrol advisers: a password alone is not enough (issue 12). Their second
    factor is the account's TOTP, the same device advisers use."""
    if not user.is_authenticated:
        raise SignInRequired("accounts:login")
    require_two_factor(user)


def coordinated_organisations(user):
    """The organisations whose programmes the user coordinates: those they are a member of."""
    _coordinator(user)
    return user.organisations.filter(memberships__role__in=Membership.Role.values).distinct()


def programme_for_coordinator(user, slug: str) -> Programme:
    """A programme run by an organisation the user is an owner or editor of."""
    _coordinator(user)
    programme = Programme.objects.select_related("organisation").filter(slug=slug).first()
    if programme is None or programme.organisation.role_of(user) is None:
        raise Http404(_("No such programme."))
    return programme


def adviser_for_coordinator(user, slug: str, adviser_id) -> AdviserProfile:
    programme = programme_for_coordinator(user, slug)
    adviser = programme.advisers.filter(pk=adviser_id).first()
    if adviser is None:
        raise Http404(_("No such adviser."))
    return adviser


# --- Everyone -------------------------------------------------------------------------------


def programme_for_seekers(slug: str) -> Programme:
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None:
        raise Http404(_("No such help programme."))
    return programme
