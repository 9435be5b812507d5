"""Who may see and change targets, deliveries and answers. Each function returns or raises.

- A target's page is public once a public campaign is addressed to them; until then only
  staff and the teams whose drafts name them see it (a draft's target is the team's secret).
- A target's descriptive details are completed by staff, or by members of the one
  organisation whose campaigns address them; once another organisation addresses the same
  person, only staff change the entry.
- The directory's contact address is changed by staff only, whoever touched the entry
  first: other organisations' deliveries (and their private answer links) may go there.
  An organisation sets its own address for a target on its petition's delivery page, and
  only its own deliveries use it (docs/decisions/0005-target-contact-changes.md).
- An organisation addresses a petition to entries it can see (those of public campaigns and
  of its own), picked by id; a draft's target stays its team's secret.
- Delivering, recording an outside answer and marking a campaign won are for the
  petition's organisation and for staff.
- A private answer link answers its own delivery, of its own petition, once; nothing else.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from groundswell.core.errors import LinkInvalid
from groundswell.petitions.access import petition_for_viewing
from groundswell.petitions.models import Petition, PetitionTarget
from groundswell.targets.models import AnswerLink, Delivery, Target, TargetContact

NOT_FOUND = _("No such person in the directory.")
ORGANISERS_ONLY = _("Only the organisation running this petition, or staff, can do that.")


def _organisation_ids(target: Target) -> set[int]:
    return set(target.petitions.values_list("organisation_id", flat=True))


def _member_of_any(user, organisation_ids: set[int]) -> bool:
    return (
        user.is_authenticated
        and bool(organisation_ids)
        and user.memberships.filter(organisation_id__in=organisation_ids).exists()
    )


def target_for_viewing(user, pk: int) -> Target:
    target = Target.objects.filter(pk=pk).first()
    if target is None:
        raise Http404(NOT_FOUND)
    if target.petitions.filter(status__in=Petition.PUBLIC).exists():
        return target
    if user.is_authenticated and (user.is_staff or _member_of_any(user, _organisation_ids(target))):
        return target
    raise Http404(NOT_FOUND)


def public_target(pk: int) -> Target:
    """A target of a public campaign, as anyone sees it (the API), whoever asks; Http404
    otherwise."""
    target = Target.objects.public().filter(pk=pk).first()
    if target is None:
        raise Http404(NOT_FOUND)
    return target


def public_campaigns(target: Target):
    """The public petitions addressed to ``target``, newest first."""
    return (
        target.petitions.filter(status__in=Petition.PUBLIC)
        .select_related("organisation")
        .order_by("-published_at", "-pk")
    )


def deliveries_for_display(**of):
    """A public petition's deliveries (``petition=``), or a public target's (``target=``),
    with what their pages and the API show."""
    return Delivery.objects.filter(**of).for_display()


def targets_for_addressing(organisation):
    """The entries ``organisation`` may address a petition to: public ones and its own."""
    own = PetitionTarget.objects.filter(petition__organisation=organisation)
    return Target.objects.filter(
        Q(pk__in=Target.objects.public().values("pk")) | Q(pk__in=own.values("target_id"))
    )


def can_set_directory_address(user) -> bool:
    """Only staff change the directory's contact address: every campaign may rely on it."""
    return user.is_authenticated and user.is_staff


STAFF_ONLY = _("Only staff keep the directory's addresses.")


def contacts_for_staff(user):
    """For staff: the addresses organisations deliver to, to review and adopt into the directory."""
    if not can_set_directory_address(user):
        raise PermissionDenied(STAFF_ONLY)
    return TargetContact.objects.select_related("target", "organisation", "updated_by")


def contact_for_staff(user, pk: int) -> TargetContact:
    contact = contacts_for_staff(user).filter(pk=pk).first()
    if contact is None:
        raise Http404(_("No such address."))
    return contact


def can_edit_target(user, target: Target) -> bool:
    """Who may complete the descriptive details (not the directory's contact address)."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    organisations = _organisation_ids(target)
    return len(organisations) == 1 and _member_of_any(user, organisations)


def target_for_edit(user, pk: int) -> Target:
    target = target_for_viewing(user, pk)
    if not can_edit_target(user, target):
        raise PermissionDenied(
            _(
                "Only staff, or the one organisation whose campaigns address this person, "
                "can change this entry."
            )
        )
    return target


def target_for_delivery_address(user, slug: str, pk: int) -> tuple[Petition, Target]:
    """For the petition's organisation and staff: where this petition's deliveries to ``pk`` go."""
    petition = petition_for_delivery(user, slug)
    target = petition.targets.filter(pk=pk).first()
    if target is None:
        raise Http404(_("This petition is not addressed to that person."))
    return petition, target


def can_deliver(user, petition: Petition) -> bool:
    return user.is_authenticated and (
        user.is_staff or petition.organisation.role_of(user) is not None
    )


def petition_for_delivery(user, slug: str) -> Petition:
    """For the petition's organisation and staff: deliver, record answers, mark it won."""
    petition = petition_for_viewing(user, slug)
    if not can_deliver(user, petition):
        raise PermissionDenied(ORGANISERS_ONLY)
    return petition


def delivery_for_organiser(user, slug: str, pk: int) -> Delivery:
    petition = petition_for_delivery(user, slug)
    delivery = (
        Delivery.objects.select_related("petition__organisation", "target")
        .filter(pk=pk, petition=petition)
        .first()
    )
    if delivery is None:
        raise Http404(_("This petition has no such delivery."))
    return delivery


def link_for_answer(slug: str, token: str) -> AnswerLink:
    """The answer link ``token`` names, if it belongs to this petition and still works."""
    link = (
        AnswerLink.objects.for_token(token)
        .select_related("delivery__petition__organisation", "delivery__target")
        .first()
    )
    if link is None or link.delivery.petition.slug != slug:
        raise LinkInvalid(
            _("This link is not valid. Check that you copied all of it from the email."),
            status=404,
        )
    if link.used_at is not None:
        raise LinkInvalid(_("This link has been used: the answer is on the petition page."))
    if link.delivery.status not in Delivery.WAITING:
        raise LinkInvalid(_("This petition has already been answered: see the petition page."))
    if link.is_expired():
        raise LinkInvalid(
            _("This link has expired. Ask the organisers of the petition to send a new one.")
        )
    return link
