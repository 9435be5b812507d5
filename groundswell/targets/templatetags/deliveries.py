from django import template

register = template.Library()


@register.inclusion_tag("targets/_petition_deliveries.html")
def petition_deliveries(petition):
    """Deliveries of this petition and the answers, for its public page."""
    return {"petition": petition}
