"""Password (and two-factor code) guessing: slowed, then locked, per account and address.

One mechanism for every way into an account: the login form, its two-factor step and the
help programme's adviser login all ask ``check`` first and report ``failed`` or
``succeeded`` after. The counts live in the shared cache (Redis in production, which
``check --deploy`` insists on: core/checks.py), so every process sees the same numbers.

- **One account from one address** (the pair): after ``LOGIN_SLOW_AFTER`` failures each
  next try must wait longer (1 s, 2 s, 4 s ... up to a minute); after ``LOGIN_LOCK_AFTER``
  the pair is locked for ``LOGIN_LOCK_SECONDS``. An office behind one address that keeps
  failing on someone else's account locks only itself out of that account: the owner,
  anywhere else, still gets in.
- **One account from every address**: failures add up to ``LOGIN_ACCOUNT_LOCK_AFTER``,
  each address counting at most ``LOGIN_LOCK_AFTER`` of them (so one address alone can
  never reach it). Then the account is locked everywhere, even for the right password,
  until the window passes or its owner follows the unlock link emailed to them.
- Either lock emails the owner an unlock link once per lock. The answers are the same
  whether or not the address has an account.

Addresses are masked like every rate limit's (core/ratelimit.client_ip); emails are
hashed in cache keys, never kept in clear.
"""

import math
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy, ngettext

from groundswell.core.email_address import normalise_email
from groundswell.core.ratelimit import RateLimited, _digest

LOCKED = gettext_lazy(
    "This account is locked after too many failed attempts to log in. We have emailed a "
    "link to unlock it to the account's address; you can also reset your password."
)


class LoginThrottled(RateLimited):
    pass


def _cache():
    return caches[settings.RATELIMIT_USE_CACHE]


def _limits() -> tuple[int, int, int, int]:
    limits = settings.GROUNDSWELL
    return (
        limits["LOGIN_SLOW_AFTER"],
        limits["LOGIN_LOCK_AFTER"],
        limits["LOGIN_ACCOUNT_LOCK_AFTER"],
        limits["LOGIN_LOCK_SECONDS"],
    )


def account_key(email: str) -> str:
    return _digest(normalise_email(email or ""))


def generation(account: str) -> int:
    """Bumped by an unlock: every count of the account before it is forgotten."""
    return int(_cache().get(f"login:gen:{account}") or 0)


def _keys(account: str, ip: str) -> tuple[str, str, str]:
    gen = generation(account)
    pair = f"login:pair:{gen}:{account}:{_digest(ip)}"
    return pair, f"{pair}:last", f"login:account:{gen}:{account}"


def _wait_seconds(failures: int, slow_after: int) -> int:
    return min(60, 2 ** (failures - slow_after)) if failures >= slow_after else 0


def check(email: str, ip: str) -> None:
    """Refuse (LoginThrottled) a try that must wait, or that a lock forbids."""
    if not settings.RATELIMIT_ENABLE:
        return
    slow_after, lock_after, account_lock_after, _ = _limits()
    pair, last, account = _keys(account_key(email), ip)
    counts = _cache().get_many([pair, last, account])
    if counts.get(account, 0) >= account_lock_after or counts.get(pair, 0) >= lock_after:
        raise LoginThrottled(LOCKED)
    wait = _wait_seconds(counts.get(pair, 0), slow_after)
    remaining = counts.get(last, 0) + wait - time.time()
    if wait and remaining > 0:
        seconds = math.ceil(remaining)
        raise LoginThrottled(
            ngettext(
                "Too many failed attempts. Wait %(n)d second before you try again.",
                "Too many failed attempts. Wait %(n)d seconds before you try again.",
                seconds,
            )
            % {"n": seconds}
        )


def _incr(key: str, seconds: int) -> int:
    cache = _cache()
    if cache.add(key, 1, seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, seconds)
        return 1


def failed(email: str, ip: str) -> bool:
    """Count a failure. True when it locked the account (for this address or everywhere)."""
    if not settings.RATELIMIT_ENABLE:
        return False
    _, lock_after, account_lock_after, seconds = _limits()
    key = account_key(email)
    pair, last, account = _keys(key, ip)
    failures = _incr(pair, seconds)
    _cache().set(last, time.time(), seconds)
    locked = failures >= lock_after
    if failures <= lock_after:  # one address adds at most lock_after to the account's count
        locked |= _incr(account, seconds) >= account_lock_after
    if locked:
        _offer_unlock(email, key, seconds)
    return locked


def succeeded(email: str, ip: str) -> None:
    """The right password (and code) from this address: its slow-down starts again.

    The account's count from every address is kept: one success by the owner must not
    give a guesser elsewhere a fresh allowance.
    """
    pair, last, _ = _keys(account_key(email), ip)
    _cache().delete_many([pair, last])


def _offer_unlock(email: str, key: str, seconds: int) -> None:
    from groundswell.accounts import actions

    gen = generation(key)
    if _cache().add(f"login:mailed:{gen}:{key}", 1, seconds):
        actions.offer_unlock(email=email, generation=gen)


def unlock(email: str, gen: int) -> bool:
    """Forget every count of the account, if ``gen`` is still its generation (once)."""
    key = account_key(email)
    cache = _cache()
    if generation(key) != gen:
        return False
    cache.set(f"login:gen:{key}", gen + 1, None)
    return True
