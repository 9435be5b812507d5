from django import template

register = template.Library()


@register.inclusion_tag("updates/_petition_updates.html")
def petition_updates(petition):
    """Published updates of this petition, for its public page."""
    return {"petition": petition}
