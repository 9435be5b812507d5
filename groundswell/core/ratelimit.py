"""Rate limits on top of django-ratelimit, with keys that never lump strangers together.

Signing is limited per person (IP address *and* email), per email and, loosely, per IP:
an office of hundreds behind one address can all sign, while one address cannot mail-bomb
a victim or spray thousands of signatures.
"""

import functools
import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext
from django_ratelimit.core import _SIMPLE_KEYS, is_ratelimited

from groundswell.core.email_address import normalise_email


class RateLimited(Exception):
    """Raised by actions' callers when a limit is passed; views answer 429."""

    status = 429

    def __init__(self, message: str | None = None):
        message = message or gettext("Too many attempts. Please wait a little and try again.")
        super().__init__(message)
        self.message = message


def client_ip(request) -> str:
    """The client's address, masked to /64 for IPv6 (settings.RATELIMIT_IP_META_KEY).

    django-ratelimit's rules, with the masking remembered per address: it builds an
    ``ip_network`` each time, a tenth of the fast signing path's CPU.
    """
    return ip_in_meta(request.META) or _SIMPLE_KEYS["ip"](request)


def ip_in_meta(meta) -> str | None:
    """``client_ip`` from the request's META (or a WSGI environ) alone; None where the
    settings name a function, or nothing is there: django-ratelimit's own rules and errors."""
    source = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    if source is None or (isinstance(source, str) and "." not in source):
        ip = meta.get(source or "REMOTE_ADDR")
        if ip:
            v6 = ":" in ip
            mask = getattr(settings, "RATELIMIT_IPV6_MASK" if v6 else "RATELIMIT_IPV4_MASK", None)
            return _masked(ip, mask or (64 if v6 else 32))
    return None


@functools.lru_cache(maxsize=8192)
def _masked(ip: str, mask: int) -> str:
    return str(ipaddress.ip_network(f"{ip}/{mask}", strict=False).network_address)


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


def signing_allowed(attempts: list[tuple[str, str]]) -> list[bool]:
    """Count sign attempts (address, email); say which are within all three limits.

    Per person (address and email), per email (any address) and, loosely, per address.
    Signing is the hottest path there is, so every counter of every attempt takes one
    round trip to Redis together (django-ratelimit would take six per attempt), and the
    address comes in as a string: ``petitions.actions.sign_attempts`` counts a whole
    batch of signers at once, once each, without a Django request.
    """
    if not settings.RATELIMIT_ENABLE:
        return [True] * len(attempts)
    limits = settings.GROUNDSWELL
    rates = [
        (group, *_parse_rate(limits[name]))
        for group, name in (
            ("sign-person", "SIGN_RATE_PER_PERSON"),
            ("sign-email", "SIGN_RATE_PER_EMAIL"),
            ("sign-ip", "SIGN_RATE_PER_IP"),
        )
    ]
    now = time.time()
    keys, allowances = [], []
    for ip, email in attempts:
        person = normalise_email(email)
        for (group, allowed, seconds), value in zip(
            rates, (f"{ip}|{person}", person, ip), strict=True
        ):
            keys.append((f"rl:{group}:{_digest(value)}:{int(now // seconds)}", seconds))
            allowances.append(allowed)
    over = [count > allowed for count, allowed in zip(_count_hits(keys), allowances, strict=True)]
    return [not any(over[i : i + 3]) for i in range(0, len(over), 3)]


def within_limits(hits: list[tuple[str, str, str]]) -> bool:
    """Count one hit on each (group, rate, value) in one round trip to Redis (django-ratelimit
    takes two a hit); whether every one is within its rate."""
    if not settings.RATELIMIT_ENABLE:
        return True
    now = time.time()
    keys, allowances = [], []
    for group, rate, value in hits:
        allowed, seconds = _parse_rate(rate)
        keys.append((f"rl:{group}:{_digest(value)}:{int(now // seconds)}", seconds))
        allowances.append(allowed)
    counts = _count_hits(keys)
    return all(count <= allowed for count, allowed in zip(counts, allowances, strict=True))


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
