"""A client's network, never its address: for the audit log and for fraud rules.

The audit log shows staff the /24 (IPv4) or /48 (IPv6) an action came from. A signature
keeps only a keyed hash of that network (HMAC-SHA256 under a key derived from SECRET_KEY),
so that staff can match signatures from one network without anyone being able to read an
address, or a network, back out of the table (docs/privacy.md).
"""

import functools
import hashlib
import hmac
import ipaddress

from django.conf import settings

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def network_of(ip: str) -> str:
    """'203.0.113.7' -> '203.0.113.0/24'; '2001:db8:1:2::9' -> '2001:db8:1::/48'; else ''."""
    return _network(ip or "")


@functools.lru_cache(maxsize=8192)
def _network(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@functools.cache
def _key() -> bytes:
    # A key of its own, derived from SECRET_KEY, so that no other use of SECRET_KEY
    # (sessions, signed links) ever computes the same values.
    return hmac.new(
        settings.SECRET_KEY.encode(), b"groundswell.network-hash", hashlib.sha256
    ).digest()


def hash_network(network: str) -> str:
    """The keyed hash stored with a signature for a network such as '203.0.113.0/24'."""
    if not network:
        return ""
    return hmac.new(_key(), network.encode(), hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=8192)
def network_key(ip: str) -> str:
    """The stored hash of ``ip``'s network: what signing keeps instead of the address."""
    return hash_network(network_of(ip))


def networks_in(cidr: str, *, most: int = 256) -> list[str]:
    """The /24s (or /48s) that make up ``cidr``; ValueError with a message for people.

    A rule can name a /24 or a wider block (up to ``most`` of them), never a part of one:
    the site does not know addresses within a network.
    """
    try:
        block = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        raise ValueError(
            f"“{cidr}” is not a network. Write it like 203.0.113.0/24 or 2001:db8:1::/48."
        ) from None
    unit = IPV4_PREFIX if block.version == 4 else IPV6_PREFIX
    if block.prefixlen > unit:
        raise ValueError(
            f"Signatures keep only the /{unit} they came from: name the whole /{unit} "
            f"({block.supernet(new_prefix=unit)}) or a wider block."
        )
    if 2 ** (unit - block.prefixlen) > most:
        raise ValueError(
            f"That block holds more than {most} networks of /{unit}: name a smaller one."
        )
    return [str(net) for net in block.subnets(new_prefix=unit)]
