"""The help programme's cryptography: PyNaCl (libsodium) primitives, composed, never invented.

- ``lock``/``unlock``: XSalsa20-Poly1305 (``SecretBox``) under a 32-byte key, random nonce.
- ``seal``/``open_sealed``: anonymous public-key encryption (``SealedBox``, X25519).
- ``derive_key``: Argon2id (``nacl.pwhash.argon2id.kdf``) from a receipt, password or
  recovery key and a per-secret salt. The cost is stored next to each salt, so raising it
  later does not strand older data.
- ``receipt_hash``: HMAC-SHA256 under a pepper that never lives in the database, so the
  table of hashes is useless without the server's secret.

docs/privacy.md, "The confidential help programme", explains who holds which key.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.pwhash import argon2id
from nacl.secret import SecretBox

KEY_BYTES = SecretBox.KEY_SIZE
SALT_BYTES = argon2id.SALTBYTES
# RFC 4648 base32: no 0, 1, 8 or 9, so a code read aloud or copied by hand stays unambiguous.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CODE_GROUPS, GROUP_LENGTH = 7, 4  # 28 characters, 5 bits each: 140 bits

__all__ = ["CryptoError"]


class Unreadable(Exception):
    """A key or a ciphertext did not open: wrong secret, or data that was tampered with."""


# --- Keys and secrets ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    private: bytes
    public: bytes


def new_keypair() -> KeyPair:
    key = PrivateKey.generate()
    return KeyPair(private=bytes(key), public=bytes(key.public_key))


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def new_code() -> str:
    """A receipt or recovery code: 28 base32 characters (140 bits) in groups of four."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP_LENGTH))
    return "-".join(chars[i : i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


def normalise_code(text: str) -> str:
    """What a person typed, folded: case, spaces and dashes do not matter."""
    folded = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_LOOKALIKES)
    return "-".join(folded[i : i + GROUP_LENGTH] for i in range(0, len(folded), GROUP_LENGTH))


def looks_like_code(text: str) -> bool:
    folded = normalise_code(text).replace("-", "")
    return len(folded) == CODE_GROUPS * GROUP_LENGTH and all(ch in ALPHABET for ch in folded)


# --- Key derivation -----------------------------------------------------------------------


def kdf_cost() -> tuple[int, int]:
    """Argon2id (opslimit, memlimit): libsodium's INTERACTIVE unless a setting lowers it.

    Only the test suite lowers it (SUPPORT_ARGON2_OPSLIMIT / SUPPORT_ARGON2_MEMLIMIT).
    """
    return (
        getattr(settings, "SUPPORT_ARGON2_OPSLIMIT", argon2id.OPSLIMIT_INTERACTIVE),
        getattr(settings, "SUPPORT_ARGON2_MEMLIMIT", argon2id.MEMLIMIT_INTERACTIVE),
    )


def derive_key(secret: str, salt: bytes, cost: tuple[int, int]) -> bytes:
    ops, mem = cost
    return argon2id.kdf(KEY_BYTES, secret.encode(), salt, opslimit=ops, memlimit=mem)


def pepper() -> bytes:
    """A server secret that is not in the database: SUPPORT_PEPPER, else derived from
    SECRET_KEY by its own derivation (so it is not the key that signs cookies)."""
    configured = getattr(settings, "SUPPORT_PEPPER", "")
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    return salted_hmac(
        "groundswell.support.pepper", "v1", secret=settings.SECRET_KEY, algorithm="sha256"
    ).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under a key derived from the pepper for ``purpose``."""
    key = hmac.new(pepper(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def receipt_hash(receipt: str) -> str:
    return keyed_hash("receipt", normalise_code(receipt))


def peppered(key: bytes) -> bytes:
    """Bind a password-derived key to the pepper: a database copy alone cannot test guesses."""
    return hmac.new(pepper(), key, hashlib.sha256).digest()


def visitor_key(address: str, *, now: float | None = None) -> str:
    """A rate-limit key for a visitor's address that changes every day and cannot be
    reversed without the pepper; only this, never the address, reaches the cache."""
    day = int((now if now is not None else time.time()) // 86400)
    return keyed_hash(f"visitor:{day}", address)[:32]


# --- Encryption ---------------------------------------------------------------------------


def lock(key: bytes, data: bytes) -> bytes:
    return bytes(SecretBox(key).encrypt(data))


def unlock(key: bytes, blob: bytes) -> bytes:
    try:
        return SecretBox(key).decrypt(bytes(blob))
    except (CryptoError, ValueError, TypeError):
        raise Unreadable() from None


def seal(public_key: bytes, data: bytes) -> bytes:
    return SealedBox(PublicKey(bytes(public_key))).encrypt(data)


def open_sealed(private_key: bytes, blob: bytes) -> bytes:
    try:
        return SealedBox(PrivateKey(bytes(private_key))).decrypt(bytes(blob))
    except (CryptoError, ValueError, TypeError):
        raise Unreadable() from None


def seal_json(public_key: bytes, value) -> bytes:
    return seal(public_key, json.dumps(value).encode())


def open_json(private_key: bytes, blob: bytes):
    return json.loads(open_sealed(private_key, blob))


def lock_json(key: bytes, value) -> bytes:
    return lock(key, json.dumps(value).encode())


def unlock_json(key: bytes, blob: bytes):
    return json.loads(unlock(key, blob))


def notification_keypair() -> KeyPair:
    """The server's key for seekers' optional notification addresses (opt-in; see
    docs/privacy.md for what this trades away)."""
    seed = hmac.new(pepper(), b"notification-key", hashlib.sha256).digest()
    key = PrivateKey.from_seed(seed)
    return KeyPair(private=bytes(key), public=bytes(key.public_key))


# --- Cookies ------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise Unreadable() from None
