from django import template

register = template.Library()


@register.inclusion_tag("targets/_petition_deliveries.html")
def petition_deliveries(petition):
    """Deliveries of this petition and the answers, for its public page."""
    return {"petition": petition}


@register.inclusion_tag("targets/_organiser_deliveries.html", takes_context=True)
def organiser_deliveries(context, petition):
    """The delivery section of the organiser's dashboard."""
    return {"petition": petition, "request": context.get("request")}
