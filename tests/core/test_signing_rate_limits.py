"""Signing's three rate limits, on Redis (one round trip) and on the per-process cache."""

import uuid

import pytest

from groundswell.core import ratelimit

REDIS = {
    "BACKEND": "groundswell.core.cache.SharedClientRedisCache",
    "LOCATION": "redis://127.0.0.1:6379/14",
}
LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"}


@pytest.fixture(params=["redis", "locmem"])
def limits_cache(request, settings):
    # A fresh key prefix instead of clearing: Redis' clear() would empty the whole
    # database under another test worker's feet.
    cache = {**(REDIS if request.param == "redis" else LOCAL), "KEY_PREFIX": uuid.uuid4().hex}
    settings.CACHES = {**settings.CACHES, "default": cache}
    return request.param


def attempts(ip: str, email: str, n: int) -> list[bool]:
    return [ratelimit.signing_allowed([(ip, email)])[0] for _ in range(n)]


def test_one_person_may_try_five_times_an_hour(limits_cache):
    assert attempts("203.0.113.7", "ann@example.com", 7) == [True] * 5 + [False] * 2
    # The same person however they type their address.
    assert attempts("203.0.113.7", " ANN@Example.com", 1) == [False]
    assert attempts("203.0.113.7", "bob@example.com", 1) == [True]


def test_one_address_cannot_be_mail_bombed_from_many_places(limits_cache):
    allowed = [attempts(f"198.51.100.{n}", "victim@example.com", 1)[0] for n in range(12)]
    assert allowed == [True] * 10 + [False] * 2


def test_an_office_behind_one_address_can_all_sign(limits_cache, settings):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "SIGN_RATE_PER_IP": "50/h"}
    allowed = [attempts("192.0.2.1", f"colleague{n}@example.org", 1)[0] for n in range(52)]
    assert allowed == [True] * 50 + [False] * 2


def test_limits_can_be_switched_off_for_a_load_test(limits_cache, settings):
    settings.RATELIMIT_ENABLE = False
    assert attempts("203.0.113.7", "ann@example.com", 20) == [True] * 20


@pytest.mark.parametrize(
    ("meta", "key"),
    [
        ({"REMOTE_ADDR": "203.0.113.9"}, None),
        ({"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}, None),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "2001:db8::1"}, "HTTP_X_REAL_IP"),
    ],
)
def test_client_ip_is_the_address_django_ratelimit_would_use(meta, key, settings):
    from types import SimpleNamespace

    from django_ratelimit.core import _get_ip

    settings.RATELIMIT_IP_META_KEY = key
    request = SimpleNamespace(META=meta)
    assert ratelimit.client_ip(request) == _get_ip(request)
    settings.RATELIMIT_IPV6_MASK = 48
    assert ratelimit.client_ip(request) == _get_ip(request)
