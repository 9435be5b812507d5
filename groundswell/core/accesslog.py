"""The access log, written by the application so that no secret in a URL reaches it.

Links in emails carry their secret in the path: email verification, invitations,
signature confirmation, a target's private answer link, an adviser's invitation, a
help-programme match, unsubscribing. Granian's own access log printed them whole, so
anyone who could read the log could confirm signatures, answer as a target or join as
an adviser. This one (bin/serve turns Granian's off) replaces every URL parameter named
in ``SECRET_PARAMETERS`` with ``[redacted]``, found from the URLconf itself, so a new
route with a ``<str:token>`` is covered without a list to keep up to date.

Like the old log, it holds no client address, no user agent and no query string
(referral codes): the method, the path, the status and the time taken (docs/privacy.md).
Django's own request log ("Not Found: <path>") gets the same redaction (``RedactSecrets``).
"""

import logging
import re
import time

from django.conf import settings

log = logging.getLogger("groundswell.access")

SECRET_PARAMETERS = frozenset({"token", "code"})
REDACTED = "[redacted]"


def secret_routes(resolver=None, prefix: str = "") -> list[re.Pattern]:
    """A regex per route with a secret parameter, matching the path with its leading /.

    Each matches the start of a path (a token followed by more, or without its final
    slash, is still a token: it may be a mistyped link that is still valid).
    """
    from django.urls import URLResolver, get_resolver

    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            routes += secret_routes(entry, regex)
        elif SECRET_PARAMETERS & set(entry.pattern.regex.groupindex):
            regex = regex.removesuffix(r"\Z").removesuffix("$").removesuffix("/")
            routes.append(re.compile(f"/{regex}(?:/|$)"))
    return routes


class Redactor:
    def __init__(self, routes: list[re.Pattern] | None = None):
        self.routes = secret_routes() if routes is None else routes

    def __call__(self, path: str) -> str:
        for route in self.routes:
            found = route.match(path)
            if found is None:
                continue
            spans = sorted(
                (found.span(name) for name in SECRET_PARAMETERS & found.groupdict().keys()),
                reverse=True,
            )
            for start, end in spans:
                path = path[:start] + REDACTED + path[end:]
            return path
        return path


class RedactSecrets(logging.Filter):
    """For Django's request log, which names the path of every 4xx and 5xx ("Gone:
    /p/confirm/<token>/"): the same redaction, on each argument that is a path."""

    redact: Redactor | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(_is_path(a) for a in record.args):
            if RedactSecrets.redact is None:
                RedactSecrets.redact = Redactor()  # the URLconf is loaded by now
            record.args = tuple(RedactSecrets.redact(a) if _is_path(a) else a for a in record.args)
        return True


def _is_path(value) -> bool:
    return isinstance(value, str) and value.startswith("/")


class AccessLog:
    """Log each request's method, path (secrets redacted), status and time taken."""

    def __init__(self, app, *, enabled: bool | None = None):
        self.app = app
        self.enabled = settings.ACCESS_LOG if enabled is None else enabled
        self.redact = Redactor() if self.enabled else None

    def __call__(self, environ, start_response):
        if not self.enabled:
            return self.app(environ, start_response)
        began = time.perf_counter()
        seen = {"status": "-"}

        def start(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            log.info(
                '"%s %s" %s %.1fms',
                environ.get("REQUEST_METHOD", "-"),
                self.redact(environ.get("PATH_INFO", "")),
                seen["status"],
                (time.perf_counter() - began) * 1000,
            )
