"""Which language a request is answered in (docs/i18n.md).

Django's LocaleMiddleware reads the switcher's cookie, then ``Accept-Language``. A link can
also name the language (``?lang=es``): share links and the embed carry it when the page was
in Spanish, so a friend gets the page the sharer saw (docs/decisions/0011-language-in-links.md).
The microcache (core/edge.py) keys its copies by the same decision, made here from the WSGI
environ before Django runs.
"""

import functools
import re
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

QUERY_PARAMETER = "lang"


def supported(code: str | None) -> str | None:
    """The site's language for ``code`` ("es-MX" gives "es"), or None."""
    if not code or len(code) > 35:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def from_query(query_string: str) -> str | None:
    if QUERY_PARAMETER not in query_string:  # most addresses: no need to parse them
        return None
    for name, value in parse_qsl(query_string):
        if name == QUERY_PARAMETER:
            return supported(value)
    return None


@functools.lru_cache(maxsize=512)
def _from_accept_language(header: str) -> str:
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        if found := supported(code):
            return found
    return settings.LANGUAGE_CODE


_COOKIE = re.compile(r"(?:^|;)\s*" + re.escape(settings.LANGUAGE_COOKIE_NAME) + r"=([^;]*)")


def of_environ(environ) -> str:
    """The language Django will answer this WSGI request in (as LocaleMiddleware and
    QueryLanguageMiddleware decide), without building a request."""
    if found := from_query(environ.get("QUERY_STRING", "")):
        return found
    if (cookie := _COOKIE.search(environ.get("HTTP_COOKIE", ""))) and (
        found := supported(SimpleCookie(f"c={cookie.group(1)}")["c"].value)
    ):
        return found
    return _from_accept_language(environ.get("HTTP_ACCEPT_LANGUAGE", "")[:500])


class QueryLanguageMiddleware:
    """``?lang=es`` answers in Spanish, whatever the cookie or the browser says.

    It sets no cookie: the page stays shareable, and the reader's own choice stays theirs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if language := from_query(request.META.get("QUERY_STRING", "")):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def with_language(url: str, language: str | None = None) -> str:
    """``url`` with ``?lang=`` set to ``language`` (the active one by default), unless that is
    the site's default language, whose addresses stay as they are."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    url = without_language(url)
    if language == settings.LANGUAGE_CODE:
        return url
    return url + ("&" if "?" in url else "?") + urlencode({QUERY_PARAMETER: language})


def without_language(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return urlunsplit(parts._replace(query=urlencode(query)))
