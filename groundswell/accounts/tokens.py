"""Links sent by email: signed, dated, and single-use.

Each token carries a fingerprint of the account state that following it changes (the
verification date, the password, the email address, the lock generation). Once the link
has done its work that state is different, so the same link is refused as used, with no
table of spent tokens to keep.
"""

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from groundswell.core.errors import LinkInvalid

EXPIRED = _("This link has expired. Ask for a new one.")
TAMPERED = _("This link is not valid. Check that you copied all of it from the email.")
USED = _("This link has already been used, so it does nothing now.")


def _fingerprint(purpose: str, state: str) -> str:
    return salted_hmac(f"groundswell.accounts.{purpose}", state).hexdigest()[:32]


def make(purpose: str, user_id: int, state: str, **extra) -> str:
    payload = {"u": user_id, "f": _fingerprint(purpose, state), **extra}
    return signing.dumps(payload, salt=f"accounts.{purpose}", compress=True)


def read(token: str, purpose: str, max_age: int) -> dict:
    """The payload of an authentic, unexpired token (its fingerprint not checked yet)."""
    try:
        payload = signing.loads(token, salt=f"accounts.{purpose}", max_age=max_age)
    except signing.SignatureExpired:
        raise LinkInvalid(EXPIRED) from None
    except signing.BadSignature:
        raise LinkInvalid(TAMPERED) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise LinkInvalid(TAMPERED)
    return payload


def check_unused(payload: dict, purpose: str, state: str, used: str = USED) -> None:
    if not constant_time_compare(payload.get("f", ""), _fingerprint(purpose, state)):
        raise LinkInvalid(used)
