"""Who may see and change open letters and requests logs: one function per resource."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from groundswell.accounts.models import Organisation
from groundswell.core.errors import LinkInvalid
from groundswell.letters.models import CoSigner, Letter, RequestsLog
from groundswell.petitions.access import petition_for_edit, petition_for_viewing
from groundswell.petitions.models import Petition


def _letter(petition: Petition) -> Petition:
    if not petition.is_letter:
        raise Http404(_("No open letter here. Check the address."))
    return petition


def letter_for_viewing(user, slug: str) -> Petition:
    """Public letters for everyone; drafts for their team and moderators (as petitions)."""
    return _letter(petition_for_viewing(user, slug))


def letter_for_edit(user, slug: str) -> Petition:
    """The organisation running the letter: invite partners, approve them, deliver."""
    return _letter(petition_for_edit(user, slug))


def letter_for_joining(slug: str, code: str) -> Letter:
    """The invitation link: its code must be this letter's, and the letter still open."""
    letter = (
        Letter.objects.select_related("petition__organisation")
        .filter(petition__slug=slug, invitation_code=code)
        .first()
    )
    if letter is None:
        raise LinkInvalid(_("This invitation link is not valid. Ask the organisers for it again."))
    if not letter.petition.is_signable():
        raise LinkInvalid(_("This letter no longer takes co-signers."))
    return letter


def cosigner_for_decision(user, slug: str, pk: int) -> CoSigner:
    petition = letter_for_edit(user, slug)
    cosigner = CoSigner.objects.filter(letter=petition, pk=pk).first()
    if cosigner is None:
        raise Http404(_("No such co-signer on this letter."))
    return cosigner


def organisations_for_writing(user):
    """The organisations in whose name this person may start letters and requests logs."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to start a letter."))
    organisations = Organisation.objects.filter(memberships__user=user).order_by("name")
    if not organisations.exists():
        raise PermissionDenied(_("You need to belong to an organisation to start a letter."))
    return organisations


def log_for_viewing(user, slug: str) -> RequestsLog:
    log = RequestsLog.objects.select_related("organisation").filter(slug=slug).first()
    if log is not None and (log.is_public or log.organisation.role_of(user) is not None):
        return log
    raise Http404(_("No requests log here. Check the address."))


def log_for_edit(user, slug: str) -> RequestsLog:
    log = log_for_viewing(user, slug)
    if log.organisation.role_of(user) is None:
        raise PermissionDenied(_("Only the organisation keeping this log can add to it."))
    return log


# --- For the API: what it may read, so that it opens no model manager itself ----------------


def public_letters():
    """Open letters anyone may read, with what the API shows of each."""
    return Petition.objects.public().letters().select_related("organisation", "delivery_plan")


def public_letter(slug: str) -> Petition:
    letter = public_letters().with_targets().filter(slug=slug).first()
    if letter is None:
        raise Http404(_("No open letter here. Check the address."))
    return letter


def shown_cosigners(letter: Petition):
    """The co-signing organisations the organiser approved: the only ones anyone sees."""
    return CoSigner.objects.filter(letter=letter).shown()


def public_log(slug: str) -> RequestsLog:
    log = RequestsLog.objects.public().select_related("organisation").filter(slug=slug).first()
    if log is None:
        raise Http404(_("No public requests log here."))
    return log
