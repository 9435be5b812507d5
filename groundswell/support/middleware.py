"""Help seekers' pages never learn or log where a visitor comes from.

First in MIDDLEWARE: for paths under /help/ it keeps only a daily-changing keyed hash of the
client address (``request.support_visitor_key``, for rate limits in the cache) and removes
the address, the user agent, forwarding headers and the referrer before any other code,
log line or error report can see them. Responses are not cached anywhere and send no
referrer onwards.

``Referrer-Policy: no-referrer`` makes browsers send ``Origin: null`` with a form's POST,
which Django's CSRF check rejects. A browser's own ``Sec-Fetch-Site: same-origin`` (a
header no page can forge) then stands in for the origin; the CSRF token is still checked
as everywhere else. docs/privacy.md has the details.
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost

from groundswell.support.crypto import visitor_key

FORGOTTEN = (
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "REMOTE_PORT",
    "REMOTE_USER",
    "HTTP_USER_AGENT",
    "HTTP_REFERER",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST_IP",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_VIA",
    "HTTP_FROM",
    "HTTP_CLIENT_IP",
    "HTTP_X_CLIENT_IP",
    "HTTP_X_CLUSTER_CLIENT_IP",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_FASTLY_CLIENT_IP",
    "HTTP_X_ORIGINAL_FORWARDED_FOR",
    "HTTP_SEC_CH_UA",
    "HTTP_SEC_CH_UA_MOBILE",
    "HTTP_SEC_CH_UA_PLATFORM",
)


# Some code reads REMOTE_ADDR unconditionally: it gets this, which says nothing true.
PLACEHOLDER_ADDRESS = "0.0.0.0"  # noqa: S104 (not a bind address)


def _client_address(meta) -> str:
    """The address rate limits elsewhere would use (settings.RATELIMIT_IP_META_KEY)."""
    source = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    if isinstance(source, str) and source in meta:
        return str(meta[source]).split(",")[0].strip()
    return str(meta.get("REMOTE_ADDR", ""))


class ForgetVisitorMiddleware:
    PREFIX = "/help/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Help pages send no referrer, so a form on one (the help pages' own, or the site
        # header's "Log out") arrives with Origin: null wherever it posts to.
        self.vouch_for_same_origin(request)
        if not request.path_info.startswith(self.PREFIX):
            return self.get_response(request)
        self.forget(request)
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        response["Referrer-Policy"] = "no-referrer"
        return response

    @staticmethod
    def forget(request) -> None:
        meta = request.META
        request.support_visitor_key = visitor_key(_client_address(meta))
        for name in FORGOTTEN:
            meta.pop(name, None)
        meta["REMOTE_ADDR"] = PLACEHOLDER_ADDRESS

    @staticmethod
    def vouch_for_same_origin(request) -> None:
        """A browser's own Sec-Fetch-Site: same-origin stands in for an Origin of "null".

        Only a browser sets Sec-Fetch-Site (pages cannot); any other Origin is left for
        the CSRF check to judge, and the CSRF token is checked as always.
        """
        meta = request.META
        same_origin = meta.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        if same_origin and meta.get("HTTP_ORIGIN", "null") == "null":
            try:
                scheme = "https" if request.is_secure() else "http"
                meta["HTTP_ORIGIN"] = f"{scheme}://{request.get_host()}"
            except DisallowedHost:
                pass
