"""Who may read and write updates and press releases. Each function returns or raises."""

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation
from groundswell.core.errors import LinkInvalid
from groundswell.petitions.access import petition_for_edit, petition_for_viewing
from groundswell.petitions.models import Petition, Signature
from groundswell.updates.models import UNSUBSCRIBE_SALT, Update

NOT_FOUND = _("No update here. Check the address.")


def petition_for_updates(user, slug: str) -> Petition:
    """Members of the petition's organisation write its updates and settings."""
    return petition_for_edit(user, slug)


def petition_for_reading_updates(user, slug: str) -> Petition:
    return petition_for_viewing(user, slug)


def public_organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404(_("No organisation here. Check the address."))
    return organisation


def organisation_for_press(user, slug: str) -> Organisation:
    """Members of the organisation write, publish and manage its press releases."""
    organisation = public_organisation(slug)
    if organisation.role_of(user) is None:
        raise PermissionDenied(_("Only members of this organisation can do that."))
    return organisation


def _is_member(user, update: Update) -> bool:
    return user.is_authenticated and update.organisation.role_of(user) is not None


def update_for_viewing(user, pk: int) -> Update:
    """Public updates for everyone; drafts and scheduled ones for the organisation only."""
    update = Update.objects.with_links().filter(pk=pk).first()
    if update is None or not (update.is_public or _is_member(user, update)):
        raise Http404(NOT_FOUND)
    return update


def update_for_edit(user, pk: int) -> Update:
    """Write, preview, test, publish, schedule, withdraw, mail: members only."""
    update = Update.objects.with_links().filter(pk=pk).first()
    if update is None:
        raise Http404(NOT_FOUND)
    if not _is_member(user, update):
        raise PermissionDenied(_("Only members of the organisation can change its updates."))
    return update


def signature_for_unsubscribe(token: str) -> Signature:
    """The signature an unsubscribe link names; the signed token is the only authority."""
    try:
        ref_code = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        raise LinkInvalid(
            _("This unsubscribe link is not valid. Check that you copied all of it from the email.")
        ) from None
    signature = Signature.objects.select_related("petition").filter(ref_code=ref_code).first()
    if signature is None:
        raise LinkInvalid(_("We no longer keep this signature, so you will get no more emails."))
    return signature


def public_updates(petition: Petition):
    """The updates anyone may read on a public petition: published ones, no drafts."""
    return Update.objects.public().filter(petition=petition)
