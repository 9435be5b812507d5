import functools

from django.conf import settings

from groundswell.core import i18n
from groundswell.core.accesslog import secret_routes


@functools.cache
def _secret_routes():
    return secret_routes()


def _language_next(request) -> str:
    """Where the language switcher returns to: this page, without a ?lang= that would
    overrule the choice just made. Never a path with a token in it (a confirmation link):
    pages are shared by caches and by the fast path's template; the browser's Referer
    brings the reader back there instead."""
    path = request.path
    if any(route.match(path) for route in _secret_routes()):
        return ""
    return i18n.without_language(request.get_full_path())


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "DEBUG": settings.DEBUG,
        "LANGUAGE_NEXT": _language_next(request),
    }
