from django import template

from groundswell.targets import cache

register = template.Library()


@register.inclusion_tag("targets/_petition_deliveries.html", takes_context=True)
def petition_deliveries(context, petition):
    """Deliveries of this petition and the answers, for its public page.

    Costs no query on a busy page: the rows come from the per-process cache (targets.cache).
    """
    user = context.get("user")
    return {
        "petition": petition,
        "deliveries": cache.deliveries_for(petition),
        # Staff outside the organisation reach the delivery page from here.
        "staff_link": bool(user and user.is_staff and not context.get("can_edit")),
    }


@register.inclusion_tag("targets/_organiser_deliveries.html", takes_context=True)
def organiser_deliveries(context, petition):
    """The delivery section of the organiser's dashboard."""
    from groundswell.targets.views import organiser_context

    request = context.get("request")
    return {
        **organiser_context(petition),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
