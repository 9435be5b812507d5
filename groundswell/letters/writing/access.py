"""Who may see what of a write-to-your-official campaign. Each function returns or raises.

- An open or closed campaign is public; a draft only for its organisation and staff.
- Letters are written only while the campaign is open.
- A writer's hand-off page (their letters, address and "I sent it") is reached only with the
  private reference their confirmation email carried, and only once they confirmed.
- An office answers through a private link that came with a letter, once.
"""

from django.http import Http404
from django.utils.translation import gettext as _

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


def writer_for_handoff(slug: str, ref: str) -> Writer:
    writer = (
        Writer.objects.select_related("campaign__organisation")
        .filter(ref=ref, campaign__slug=slug, status=Writer.Status.CONFIRMED)
        .first()
    )
    if writer is None:
        raise Http404(_("No such letters: use the link in your confirmation email."))
    return writer
