"""One signed POST to a webhook endpoint, over a connection to an address we checked.

The name is resolved once, every address it gives is checked (no private, loopback,
link-local, multicast or reserved ones unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES), and the
connection goes to that checked address: a name that resolves differently a moment later
(DNS rebinding) cannot steer the request inside. Redirects are not followed.
"""

import contextlib
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from standardwebhooks.webhooks import Webhook


class AddressRefused(Exception):
    """The endpoint's host is not one we may send to; ``str()`` says why, for its owner."""


class NotResolved(AddressRefused):
    """The name has no address (yet): refused when sending, accepted when registering."""


@dataclass(frozen=True)
class Result:
    succeeded: bool
    status_code: int | None
    error: str
    duration_ms: int


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def checked_address(host: str, port: int) -> str:
    """The address to connect to for ``host``, or AddressRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise NotResolved(f"The name {host} could not be resolved.") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise NotResolved(f"The name {host} has no address.")
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        refused = [a for a in addresses if not _allowed(a)]
        if refused:
            raise AddressRefused(
                f"{host} resolves to {refused[0]}, a private, loopback or link-local "
                "address: webhooks only go to public addresses."
            )
    return addresses[0]


def check_url(url: str) -> None:
    """Raise AddressRefused for a URL the worker would refuse (used when registering).

    A name that does not resolve yet is let through: its DNS may come later, and the
    worker checks again before every attempt.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    with contextlib.suppress(NotResolved):
        checked_address(parts.hostname or "", port)


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def signed_headers(*, message_id: str, body: str, secrets: list[str], now: datetime) -> dict:
    """The Standard Webhooks headers: one ``v1,`` signature per secret still in use."""
    signature = " ".join(
        Webhook(secret).sign(msg_id=message_id, timestamp=now, data=body) for secret in secrets
    )
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def payload(events_json: str, now: datetime) -> str:
    """The body: the events (a JSON array, as dispatched) in the batch envelope."""
    stamp = json.dumps(now.isoformat())
    return '{"type":"batch","timestamp":' + stamp + ',"data":{"events":' + events_json + "}}"


def deliver(*, url: str, message_id: str, events_json: str, secrets: list[str]) -> Result:
    """POST the events to ``url``, signed; never raises for the endpoint's failures."""
    started = time.monotonic()
    now = datetime.now(UTC)
    body = payload(events_json, now)
    headers = {
        **signed_headers(message_id=message_id, body=body, secrets=secrets, now=now),
        "content-type": "application/json",
        "user-agent": f"{settings.SITE_NAME}-Webhooks/1",
    }
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)

    def result(ok: bool, code: int | None, error: str = "") -> Result:
        return Result(ok, code, error[:200], int((time.monotonic() - started) * 1000))

    try:
        address = checked_address(parts.hostname or "", port)
        kind = _HTTPSConnection if https else _HTTPConnection
        connection = kind(parts.hostname, port, address, settings.WEBHOOK_TIMEOUT_SECONDS)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", path, body=body.encode(), headers=headers)
            response = connection.getresponse()
            response.read(4096)  # the answer is not ours to keep
            code = response.status
        finally:
            connection.close()
    except AddressRefused as refused:
        return result(False, None, f"Refused: {refused}")
    except (OSError, http.client.HTTPException) as error:
        return result(False, None, f"{type(error).__name__}: {error}")
    if 200 <= code < 300:
        return result(True, code)
    return result(False, code, f"The endpoint answered {code}.")
