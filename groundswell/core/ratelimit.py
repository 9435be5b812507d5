"""Rate limits on top of django-ratelimit, with keys that never lump strangers together.

Signing is limited per person (IP address *and* email), per email and, loosely, per IP:
an office of hundreds behind one address can all sign, while one address cannot mail-bomb
a victim or spray thousands of signatures.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
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
    limit_signing_from(client_ip(request), email)


def limit_signing_from(ip: str, email: str) -> None:
    """Per person (address and email), per email (any address) and, loosely, per address.

    Signing is the hottest path there is, so its three counters take one round trip to
    Redis (django-ratelimit would take six) and the address comes in as a string, so the
    fast signing path (petitions/fastpath.py) can call this without a Django request.
    """
    if not settings.RATELIMIT_ENABLE:
        return
    limits = settings.GROUNDSWELL
    person = normalise_email(email)
    checks = [
        ("sign-person", limits["SIGN_RATE_PER_PERSON"], f"{ip}|{person}"),
        ("sign-email", limits["SIGN_RATE_PER_EMAIL"], person),
        ("sign-ip", limits["SIGN_RATE_PER_IP"], ip),
    ]
    windows = []
    for group, rate, value in checks:
        allowed, seconds = _parse_rate(rate)
        window = int(time.time() // seconds)
        windows.append((f"rl:{group}:{_digest(value)}:{window}", seconds, allowed))
    counts = _count_hits([(key, seconds) for key, seconds, _ in windows])
    if any(count > allowed for count, (_, _, allowed) in zip(counts, windows, strict=True)):
        raise RateLimited()


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_rate(rate: str) -> tuple[int, int]:
    """'5/h' -> (5, 3600); '30/10m' -> (30, 600): the notation django-ratelimit uses."""
    count, _, period = rate.partition("/")
    multiple = int(period[:-1]) if len(period) > 1 else 1
    return int(count), multiple * _UNITS[period[-1]]


def _count_hits(keys: list[tuple[str, int]]) -> list[int]:
    cache = caches[settings.RATELIMIT_USE_CACHE]
    if hasattr(cache, "count_hits"):  # Redis: one round trip for them all
        return cache.count_hits(keys)
    counts = []
    for key, seconds in keys:
        if cache.add(key, 1, seconds):
            counts.append(1)
        else:
            try:
                counts.append(cache.incr(key))
            except ValueError:  # expired between the two calls
                cache.set(key, 1, seconds)
                counts.append(1)
    return counts
