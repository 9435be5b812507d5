"""Keys held for the length of a visit, in a form a database copy cannot use.

A seeker who gave their receipt, or an adviser who logged in with their password, has an
unwrapped key for a while. The server keeps it only encrypted under a random key that
lives in a separate cookie (HttpOnly, Secure, SameSite=Strict, path /help/): the database
row (a SeekerSession, or the adviser's Django session) holds ciphertext, the browser holds
the key to it, and neither alone is enough.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from groundswell.support import actions, crypto
from groundswell.support.models import HelpRequest, SeekerSession

SEEKER_COOKIE = "gs_help"
ADVISER_COOKIE = "gs_help_adviser"
ADVISER_SESSION_KEY = "support_adviser"
COOKIE_PATH = "/help/"


def _set_cookie(response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=COOKIE_PATH,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
    )


def _token_hash(token: bytes) -> str:
    return hashlib.sha256(token).hexdigest()


# --- Seekers --------------------------------------------------------------------------------


@dataclass
class Seeker:
    session: SeekerSession
    request: HelpRequest
    key: bytes  # derived from the receipt: unwraps the request's private key

    @property
    def private_key(self) -> bytes:
        return self.request.private_key(self.key)


def seeker_session_seconds() -> int:
    return getattr(settings, "SUPPORT_SEEKER_SESSION_SECONDS", 3600)


def start_seeker_session(response, help_request: HelpRequest, key: bytes, receipt: str = ""):
    """Sign the seeker in; ``receipt`` rides along, encrypted, until it has been shown once."""
    token, cookie_key = secrets.token_bytes(32), crypto.new_key()
    payload = {"key": crypto.b64(key), "receipt": receipt}
    actions.open_seeker_session(
        help_request=help_request,
        token_hash=_token_hash(token),
        locked=crypto.lock_json(cookie_key, payload),
        expires_at=timezone.now() + timedelta(seconds=seeker_session_seconds()),
    )
    _set_cookie(response, SEEKER_COOKIE, f"{crypto.b64(token)}.{crypto.b64(cookie_key)}")


def _seeker_cookie(request) -> tuple[bytes, bytes] | None:
    token, _, key = request.COOKIES.get(SEEKER_COOKIE, "").partition(".")
    try:
        return crypto.unb64(token), crypto.unb64(key)
    except crypto.Unreadable:
        return None


def _seeker_payload(request) -> tuple[SeekerSession, bytes, dict] | None:
    parts = _seeker_cookie(request)
    if parts is None:
        return None
    token, cookie_key = parts
    session = (
        SeekerSession.objects.select_related("request__programme")
        .filter(token_hash=_token_hash(token), expires_at__gt=timezone.now())
        .first()
    )
    if session is None:
        return None
    try:
        return session, cookie_key, crypto.unlock_json(cookie_key, session.locked)
    except crypto.Unreadable:
        return None


def seeker(request) -> Seeker | None:
    found = _seeker_payload(request)
    if found is None:
        return None
    session, _, payload = found
    return Seeker(session=session, request=session.request, key=crypto.unb64(payload["key"]))


def receipt_to_show(request) -> str:
    """The new receipt, until the seeker says they have saved it."""
    found = _seeker_payload(request)
    return found[2].get("receipt", "") if found else ""


def forget_receipt(request) -> None:
    found = _seeker_payload(request)
    if found is not None:
        session, cookie_key, payload = found
        payload.pop("receipt", None)
        actions.relock_seeker_session(session=session, locked=crypto.lock_json(cookie_key, payload))


def end_seeker_session(request, response) -> None:
    parts = _seeker_cookie(request)
    if parts is not None:
        actions.close_seeker_session(token_hash=_token_hash(parts[0]))
    response.delete_cookie(SEEKER_COOKIE, path=COOKIE_PATH, samesite="Strict")


# --- Advisers -------------------------------------------------------------------------------


def remember_adviser_key(request, response, private_key: bytes, recovery_code: str = "") -> None:
    """Keep the adviser's unwrapped key for this login; the recovery code until shown once."""
    cookie_key = crypto.new_key()
    payload = {
        "user": request.user.pk,
        "key": crypto.b64(private_key),
        "recovery": recovery_code,
    }
    request.session[ADVISER_SESSION_KEY] = crypto.b64(crypto.lock_json(cookie_key, payload))
    _set_cookie(response, ADVISER_COOKIE, crypto.b64(cookie_key))


def _adviser_payload(request) -> tuple[bytes, dict] | None:
    locked = request.session.get(ADVISER_SESSION_KEY)
    cookie = request.COOKIES.get(ADVISER_COOKIE)
    if not locked or not cookie:
        return None
    try:
        cookie_key = crypto.unb64(cookie)
        payload = crypto.unlock_json(cookie_key, crypto.unb64(locked))
    except crypto.Unreadable:
        return None
    if payload.get("user") != request.user.pk:
        return None
    return cookie_key, payload


def adviser_private_key(request) -> bytes | None:
    found = _adviser_payload(request)
    return crypto.unb64(found[1]["key"]) if found else None


def recovery_to_show(request) -> str:
    """A new recovery code, until the adviser says they have saved it."""
    found = _adviser_payload(request)
    return found[1].get("recovery", "") if found else ""


def forget_recovery(request) -> None:
    found = _adviser_payload(request)
    if found is not None:
        cookie_key, payload = found
        payload.pop("recovery", None)
        request.session[ADVISER_SESSION_KEY] = crypto.b64(crypto.lock_json(cookie_key, payload))


def forget_adviser_key(request, response) -> None:
    request.session.pop(ADVISER_SESSION_KEY, None)
    response.delete_cookie(ADVISER_COOKIE, path=COOKIE_PATH, samesite="Strict")
