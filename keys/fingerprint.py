"""Key ids: the stable, public fingerprint of an Ed25519 public key."""

from __future__ import annotations

import hashlib

from keys.errors import InvalidKeyError

__all__ = ["PUBLIC_KEY_SIZE", "check_public_key_size", "key_id", "short_id"]

#: Size in bytes of a raw Ed25519 public key.
PUBLIC_KEY_SIZE = 32

_SHORT_ID_LENGTH = 8


def check_public_key_size(public_key: bytes) -> None:
    """Check that a value is a raw Ed25519 public key: a bytes-like object of 32 bytes.

    Args:
        public_key: The value to check.

    Returns:
        None if the value has the right type and size.

    Raises:
        InvalidKeyError: ``public_key`` is not a bytes-like object of exactly 32 bytes.
    """
    if not isinstance(public_key, bytes | bytearray | memoryview):
        kind = type(public_key).__name__
        raise InvalidKeyError(f"an Ed25519 public key must be {PUBLIC_KEY_SIZE} bytes, not {kind}")
    size = len(public_key)
    if size != PUBLIC_KEY_SIZE:
        raise InvalidKeyError(
            f"an Ed25519 public key must be exactly {PUBLIC_KEY_SIZE} bytes (got {size})"
        )


def key_id(public_key: bytes) -> str:
    """Return the key id of a raw Ed25519 public key.

    Args:
        public_key: The raw 32-byte Ed25519 public key.

    Returns:
        The lowercase hexadecimal SHA-256 digest of ``public_key`` (64 characters).

    Raises:
        InvalidKeyError: ``public_key`` is not a bytes-like object of exactly 32 bytes.
    """
    check_public_key_size(public_key)
    return hashlib.sha256(public_key).hexdigest()


def short_id(kid: str) -> str:
    """Abbreviate a key id for display.

    Args:
        kid: A key id as returned by :func:`key_id`.

    Returns:
        The first 8 characters of ``kid`` followed by a horizontal ellipsis, e.g. ``"3fa2b1c0…"``.
    """
    return f"{kid[:_SHORT_ID_LENGTH]}…"
