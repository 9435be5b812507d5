from django import template

from groundswell.core import i18n

register = template.Library()


@register.filter
def in_page_language(url: str) -> str:
    """A link to one of our pages that keeps this page's language (?lang=es), so that a
    reader who came through a Spanish link stays in Spanish."""
    return i18n.with_language(str(url))
