"""Rate limits on top of django-ratelimit, with keys that never lump strangers together.

Signing is limited per person (IP address *and* email), per email and, loosely, per IP:
an office of hundreds behind one address can all sign, while one address cannot mail-bomb
a victim or spray thousands of signatures.
"""

import hashlib

from django.conf import settings
from django_ratelimit.core import _SIMPLE_KEYS, is_ratelimited

from groundswell.core.email_address import normalise_email


class RateLimited(Exception):
    """Raised by actions' callers when a limit is passed; views answer 429."""

    def __init__(self, message: str = "Too many attempts. Please wait a little and try again."):
        super().__init__(message)
        self.message = message


def client_ip(request) -> str:
    """The client's address, masked to /64 for IPv6 (settings.RATELIMIT_IP_META_KEY)."""
    return _SIMPLE_KEYS["ip"](request)


def _digest(value: str) -> str:
    # Cache keys never hold an email address in clear text.
    return hashlib.blake2b(value.encode(), digest_size=12).hexdigest()


def check(request, *, group: str, rate: str, value: str) -> None:
    """Count one hit for ``value`` in ``group``; raise RateLimited past ``rate``."""
    if is_ratelimited(
        request, group=group, key=lambda _g, _r: _digest(value), rate=rate, increment=True
    ):
        raise RateLimited()


def limit_by_ip(request, *, group: str, rate: str) -> None:
    check(request, group=group, rate=rate, value=client_ip(request))


def limit_signing(request, email: str) -> None:
    """Per person (address and email), per email (any address) and, loosely, per address."""
    limits = settings.GROUNDSWELL
    person, ip = normalise_email(email), client_ip(request)
    check(request, group="sign-person", rate=limits["SIGN_RATE_PER_PERSON"], value=f"{ip}|{person}")
    check(request, group="sign-email", rate=limits["SIGN_RATE_PER_EMAIL"], value=person)
    check(request, group="sign-ip", rate=limits["SIGN_RATE_PER_IP"], value=ip)
