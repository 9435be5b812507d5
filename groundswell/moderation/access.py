"""Who may use staff powers. Each function returns what was asked for or raises.

Staff powers are the permissions on ``moderation.AuditEntry`` (models.py), granted by
the "Moderators" group. ``is_staff`` alone grants none of them (it only opens the Django
admin); organisers, whatever their role, have none.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.access import require_two_factor
from groundswell.petitions.models import Petition

MODERATORS_GROUP = "Moderators"

REVIEW = "moderation.review_petitions"
REPORTS = "moderation.handle_reports"
INVALIDATE = "moderation.invalidate_signatures"
AUDIT = "moderation.view_audit_log"
ALL_POWERS = (REVIEW, REPORTS, INVALIDATE, AUDIT)


def has_power(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(permission))


def is_moderator(user) -> bool:
    """Whether ``user`` holds any staff power: they get the staff home."""
    return any(has_power(user, permission) for permission in ALL_POWERS)


def require(user, permission: str) -> None:
    """The power, used from a session that passed the second factor (accounts/access.py)."""
    if not has_power(user, permission):
        raise PermissionDenied(_("Only moderators can do that."))
    require_two_factor(user)


def petition_for_review(user, slug: str) -> Petition:
    require(user, REVIEW)
    petition = (
        Petition.objects.select_related("organisation", "created_by")
        .with_targets()
        .filter(slug=slug)
        .first()
    )
    if petition is None:
        raise Http404(_("No petition here."))
    return petition


def petition_for_moderation(user, pk: int) -> Petition:
    require(user, REPORTS)
    petition = Petition.objects.select_related("organisation").filter(pk=pk).first()
    if petition is None:
        raise Http404(_("No petition here."))
    return petition


def invalidation_for_staff(user, pk: int):
    from groundswell.moderation.models import Invalidation

    require(user, INVALIDATE)
    invalidation = Invalidation.objects.select_related("petition").filter(pk=pk).first()
    if invalidation is None:
        raise Http404(_("No such invalidation."))
    return invalidation
