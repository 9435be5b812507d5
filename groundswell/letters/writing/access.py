"""Who may see what of a write-to-your-official campaign. Each function returns or raises.

- An open or closed campaign is public; a draft only for its organisation and staff.
- Letters are written only while the campaign is open.
- A writer's hand-off page (their letters, address and "I sent it") is reached only with the
  private reference their confirmation email carried, and only once they confirmed.
- An office answers through a private link that came with a letter, once.
- Its organisation's members (owners and editors, as for petitions and open letters) start,
  edit, open, close and manage it; anyone else is refused (403, or 404 for a draft).
- Writing is rate limited per address and per network (``limit_writing``).
"""

from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils.translation import gettext as _

from groundswell.accounts.models import Organisation
from groundswell.core import ratelimit
from groundswell.core.cache import Kept
from groundswell.core.email_address import normalise_email
from groundswell.letters.writing.models import Writer, WritingCampaign

NOT_FOUND = "No such campaign."


def _is_team(user, campaign: WritingCampaign) -> bool:
    return user.is_authenticated and (
        user.is_staff or campaign.organisation.role_of(user) is not None
    )


def public_campaigns():
    """What anyone may list: open and closed campaigns, never a draft."""
    return WritingCampaign.objects.public().select_related("organisation")


def public_campaign(slug: str) -> WritingCampaign:
    """An open or closed campaign, or Http404 (a draft too, whoever asks)."""
    campaign = public_campaigns().filter(slug=slug).first()
    if campaign is None:
        raise Http404(_(NOT_FOUND))
    return campaign


def campaign_for_viewing(user, slug: str) -> WritingCampaign:
    campaign = WritingCampaign.objects.select_related("organisation").filter(slug=slug).first()
    if campaign is None or (
        campaign.status not in campaign.PUBLIC and not _is_team(user, campaign)
    ):
        raise Http404(_(NOT_FOUND))
    return campaign


def is_member(user, campaign: WritingCampaign) -> bool:
    """Whether ``user`` belongs to the organisation running ``campaign``."""
    return user.is_authenticated and campaign.organisation.role_of(user) is not None


def campaign_for_edit(user, slug: str) -> WritingCampaign:
    """For its organisation's members only: edit, open, close, the management page."""
    campaign = campaign_for_viewing(user, slug)
    if not is_member(user, campaign):
        raise PermissionDenied(_("Only the organisation running this campaign can do that."))
    return campaign


def organisation_for_new_campaign(user, org_slug: str | None) -> Organisation:
    """The organisation a new campaign is for: the one asked for, which ``user`` must
    belong to, or else the first of theirs."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to start a campaign."))
    organisations = Organisation.objects.filter(memberships__user=user).order_by("name")
    organisation = (
        organisations.filter(slug=org_slug).first() if org_slug else organisations.first()
    )
    if organisation is None and org_slug:
        raise PermissionDenied(_("Only that organisation's members can start its campaigns."))
    if organisation is None:
        raise PermissionDenied(_("You need to belong to an organisation to start a campaign."))
    return organisation


def campaigns_of_member(user):
    """Every campaign of the organisations ``user`` belongs to, drafts included, with counts."""
    if not user.is_authenticated:
        return WritingCampaign.objects.none()
    return (
        WritingCampaign.objects.of_member(user)
        .with_counts()
        .select_related("organisation")
        .order_by("-created_at", "-pk")
    )


WRITING_CAMPAIGNS = Kept(
    "writing-campaigns",
    seconds=1.0,
    keep_none=True,  # a slug that is no open campaign is remembered too
    forgotten_by="nobody: write_many decides on the campaign as read (at most 1 s old)",
)


def campaign_for_fast_writing(slug: str) -> WritingCampaign | None:
    """An open campaign, as this process saw it within the last second, or None: for the
    fast path (fastpath.py), which asks hundreds of times a second and sends anything
    else (a draft its team tries, a closed campaign) on to the view."""
    return WRITING_CAMPAIGNS.get(slug, partial(_open_campaign, slug))


def _open_campaign(slug: str) -> WritingCampaign | None:
    try:
        writable = WritingCampaign.objects.filter(status__in=WritingCampaign.WRITABLE)
        return writable.filter(slug=slug).first()
    finally:
        if not connection.in_atomic_block:  # outside Django's request cycle:
            connection.close()  # give the connection back to the pool


def limit_writing(request, email: str) -> None:
    """Raise ``RateLimited`` past the limits per address and per network, as signing has:
    each letter costs an office's time. Counted once a request, by the view or the fast path."""
    limits = settings.GROUNDSWELL
    hits = [
        ("write-ip", limits["WRITE_RATE_PER_IP"], ratelimit.client_ip(request)),
        ("write-email", limits["WRITE_RATE_PER_EMAIL"], normalise_email(email)),
    ]
    if not ratelimit.within_limits(hits):
        raise ratelimit.RateLimited()


def writer_for_handoff(slug: str, ref: str) -> Writer:
    writer = (
        Writer.objects.select_related("campaign__organisation")
        .filter(ref=ref, campaign__slug=slug, status=Writer.Status.CONFIRMED)
        .first()
    )
    if writer is None:
        raise Http404(_("No such letters: use the link in your confirmation email."))
    return writer
