"""Cross-site request protection for public forms, without a per-visitor token.

Django's CSRF token ties a form to a cookie, so a page that carries one cannot be shared
by a cache. The sign form needs no such tie: signing uses no session and no account, and
double opt-in is what stops false signatures. What a token would still stop, another site
making its visitors' browsers post signatures, is stopped here by the headers browsers
send with every form post: ``Sec-Fetch-Site`` and ``Origin`` (docs/decisions/0004).
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

CROSS_SITE = _("This form can only be sent from this site's own pages.")


def is_same_origin(request) -> bool:
    verdict = headers_say(request.META)
    if verdict is None:
        parts = urlsplit(request.META["HTTP_ORIGIN"])
        return parts.scheme == request.scheme and parts.netloc == request.get_host()
    return verdict


def headers_say(meta) -> bool | None:
    """What the browser's headers alone say (the fast path asks before it makes a request):
    sent from this site or not, or None when only its ``Origin`` compared with the site's
    own scheme and host can tell."""
    fetch_site = meta.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = meta.get("HTTP_ORIGIN")
    if origin is None:  # not a browser, or an old one: nothing to ride on
        return True
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    return None


def same_origin_post(view):
    """Refuse cross-site browser posts to ``view``, which then needs no CSRF token."""

    @csrf_exempt
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method == "POST" and not is_same_origin(request):
            raise PermissionDenied(CROSS_SITE)
        return view(request, *args, **kwargs)

    return guarded
