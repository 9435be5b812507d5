from django import template

register = template.Library()


@register.inclusion_tag("updates/_petition_updates.html")
def petition_updates(petition):
    """Published updates of this petition, for its public page."""
    return {"petition": petition}


@register.inclusion_tag("updates/_organiser_updates.html", takes_context=True)
def organiser_updates(context, petition):
    """The updates section of the organiser's dashboard."""
    return {"petition": petition, "request": context.get("request")}
