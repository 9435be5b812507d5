from django import template

from groundswell.updates import actions, cache
from groundswell.updates.forms import UpdateSettingsForm
from groundswell.updates.models import Mailing, Update, UpdateSettings

register = template.Library()

DASHBOARD_UPDATES = 20


@register.inclusion_tag("updates/_petition_updates.html")
def petition_updates(petition):
    """Published updates of this petition, for its public page (cached, no query when warm)."""
    return {"petition": petition, **cache.latest_for(petition)}


@register.inclusion_tag("updates/_organiser_updates.html", takes_context=True)
def organiser_updates(context, petition):
    """The updates section of the organiser's dashboard."""
    options = UpdateSettings.objects.filter(petition=petition).first()
    updates = (
        Update.objects.filter(petition=petition)
        .select_related("mailing")
        .order_by("-modified_at", "-pk")[:DASHBOARD_UPDATES]
    )
    return {
        "petition": petition,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "updates": updates,
        "settings_form": UpdateSettingsForm(
            initial={
                "milestone_updates": options.milestone_updates if options else False,
                "email_milestones": options.email_milestones if options else False,
            }
        ),
        "milestones": petition.milestones.all(),
        "next_mailing_at": actions.next_mailing_allowed_at(petition),
        "mailing_waiting": Mailing.Status.WAITING,
    }
