"""Ed25519 signing keys and signature verification.

This is the only module of the project that uses the Ed25519 primitives of ``cryptography``.
Public keys are handled as raw 32-byte strings, signatures as raw 64-byte strings.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from keys.errors import BadSignatureError, InvalidKeyError
from keys.fingerprint import check_public_key_size, key_id, short_id

__all__ = [
    "SEED_SIZE",
    "SIGNATURE_SIZE",
    "SigningKey",
    "verify_many",
    "verify_signature",
]

#: Size in bytes of an Ed25519 private key seed.
SEED_SIZE = 32
#: Size in bytes of an Ed25519 signature.
SIGNATURE_SIZE = 64

# Curve constants for the RFC 8032 section 5.1.3 point-decoding check.
_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_Y_MASK = (1 << 255) - 1

# Loaded public key objects are cached for verify_signature(); a ledger has few signers.
_PUBLIC_KEY_CACHE_SIZE = 4096


class SigningKey:
    """An Ed25519 private key that can sign messages.

    Create one with :meth:`generate`, :meth:`from_seed` or :meth:`keys.KeyStore.load`.  The
    private key material is never exposed by ``repr``/``str``, and the object refuses to be
    pickled or copied.
    """

    __slots__ = ("_key", "_key_id", "_public_key")

    _key: Ed25519PrivateKey
    _public_key: bytes
    _key_id: str

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        """Wrap a ``cryptography`` Ed25519 private key object (internal use).

        Args:
            private_key: The ``cryptography`` private key to wrap.

        Raises:
            InvalidKeyError: ``private_key`` is not an Ed25519 private key.
        """
        if not isinstance(private_key, Ed25519PrivateKey):
            raise InvalidKeyError(
                f"expected an Ed25519 private key, not {type(private_key).__name__}"
            )
        self._key = private_key
        self._public_key = private_key.public_key().public_bytes_raw()
        self._key_id = key_id(self._public_key)

    @classmethod
    def _from_loaded_key(cls, private_key: object) -> SigningKey:
        """Wrap a key object returned by a ``cryptography`` loader (for :mod:`keys.keystore`).

        Args:
            private_key: Any private key object.

        Returns:
            The :class:`SigningKey` wrapping it.

        Raises:
            InvalidKeyError: ``private_key`` is not an Ed25519 private key.
        """
        if not isinstance(private_key, Ed25519PrivateKey):
            raise InvalidKeyError(
                f"expected an Ed25519 private key, not {type(private_key).__name__}"
            )
        return cls(private_key)

    @classmethod
    def generate(cls) -> SigningKey:
        """Generate a new random signing key from the operating system's CSPRNG.

        Returns:
            A new :class:`SigningKey`.
        """
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """Build the signing key determined by a 32-byte seed (RFC 8032 "secret key").

        Intended for deterministic tests and test vectors; use :meth:`generate` for real keys.

        Args:
            seed: The 32-byte private key seed.

        Returns:
            The corresponding :class:`SigningKey`.

        Raises:
            InvalidKeyError: ``seed`` is not a bytes-like object of exactly 32 bytes.
        """
        if not isinstance(seed, bytes | bytearray | memoryview):
            raise InvalidKeyError(
                f"an Ed25519 seed must be {SEED_SIZE} bytes, not {type(seed).__name__}"
            )
        if len(seed) != SEED_SIZE:
            raise InvalidKeyError(
                f"an Ed25519 seed must be exactly {SEED_SIZE} bytes (got {len(seed)})"
            )
        try:
            private_key = Ed25519PrivateKey.from_private_bytes(bytes(seed))
        except ValueError:
            raise InvalidKeyError("the Ed25519 seed was rejected") from None
        return cls(private_key)

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key.

        Returns:
            The public key bytes.
        """
        return self._public_key

    @property
    def key_id(self) -> str:
        """The key id (lowercase hex SHA-256 of the public key), see :func:`keys.key_id`.

        Returns:
            The 64-character key id.
        """
        return self._key_id

    def sign(self, message: bytes) -> bytes:
        """Sign a message.

        Ed25519 signatures are deterministic: the same key and message give the same signature.

        Args:
            message: The bytes to sign.

        Returns:
            The raw 64-byte signature.

        Raises:
            TypeError: ``message`` is not bytes.
        """
        return self._key.sign(message)

    def _private_pkcs8_der(self) -> bytes:
        """Return the unencrypted PKCS#8 DER of the private key (for :mod:`keys.keystore` only).

        Returns:
            The DER-encoded, unencrypted PKCS#8 ``PrivateKeyInfo``.  Handle with care.
        """
        return self._key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        """Return ``SigningKey(key_id='<first 8 hex chars>…')``; never any private material.

        Returns:
            The representation.
        """
        return f"{type(self).__name__}(key_id={short_id(self._key_id)!r})"

    def __reduce__(self) -> NoReturn:
        """Refuse pickling and copying, which would serialise the private key.

        Returns:
            Never returns.

        Raises:
            TypeError: Always.
        """
        raise TypeError(f"{type(self).__name__} objects cannot be pickled or copied")


def _is_valid_point(public_key: bytes) -> bool:
    """Tell whether 32 bytes decode to a point of edwards25519 (RFC 8032 section 5.1.3)."""
    encoded = int.from_bytes(public_key, "little")
    y = encoded & _Y_MASK
    x_sign = encoded >> 255
    if y >= _P:
        return False
    y2 = y * y % _P
    # x^2 = (y^2 - 1) / (d y^2 + 1); the denominator is never 0 mod p because d is a non-square.
    x2 = (y2 - 1) * pow(_D * y2 + 1, -1, _P) % _P
    if x2 == 0:
        return x_sign == 0
    # Euler's criterion: x^2 must be a quadratic residue for x to exist.
    return pow(x2, (_P - 1) // 2, _P) == 1


def _load_public_key(public_key: bytes) -> Ed25519PublicKey:
    """Load a raw public key, raising InvalidKeyError if it is not a valid Ed25519 point."""
    check_public_key_size(public_key)
    if not _is_valid_point(bytes(public_key)):
        raise InvalidKeyError(
            f"public key {short_id(key_id(public_key))} is not a valid Ed25519 point"
        )
    try:
        return Ed25519PublicKey.from_public_bytes(bytes(public_key))
    except ValueError:
        raise InvalidKeyError(
            f"public key {short_id(key_id(public_key))} was rejected as an Ed25519 key"
        ) from None


_cached_public_key = functools.lru_cache(maxsize=_PUBLIC_KEY_CACHE_SIZE)(_load_public_key)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Verify an Ed25519 signature.

    Loaded public keys are kept in a small process-wide cache, so calling this in a loop over
    many signatures by few signers is cheap beyond the signature check itself.

    Args:
        public_key: The signer's raw 32-byte Ed25519 public key.
        message: The signed bytes.
        signature: The raw 64-byte signature.

    Returns:
        None when the signature is valid.

    Raises:
        InvalidKeyError: ``public_key`` is not 32 bytes or is not a valid Ed25519 point.
        BadSignatureError: The signature does not verify (including a wrong-length signature).
        TypeError: ``message`` or ``signature`` is not bytes.
    """
    if isinstance(public_key, bytes):
        loaded = _cached_public_key(public_key)
    else:
        loaded = _load_public_key(public_key)
    if len(signature) == SIGNATURE_SIZE:
        try:
            loaded.verify(signature, message)
        except InvalidSignature:
            pass
        else:
            return
    raise BadSignatureError(f"bad signature for key {short_id(key_id(public_key))}")


def verify_many(items: Sequence[tuple[bytes, bytes, bytes]]) -> list[int]:
    """Verify many signatures and report the ones that fail.

    A module-level function over plain bytes, so it can be sent to worker processes (e.g. with
    :class:`concurrent.futures.ProcessPoolExecutor`).  Each distinct public key is loaded once
    per call.

    Args:
        items: ``(public_key, message, signature)`` triples of raw bytes.

    Returns:
        The indexes (ascending) of the triples whose signature does not verify or whose public
        key is invalid.

    Raises:
        TypeError: An item is not a triple of bytes.
    """
    loaded: dict[bytes, Ed25519PublicKey | None] = {}
    failed: list[int] = []
    for index, (public_key, message, signature) in enumerate(items):
        if not isinstance(public_key, bytes | bytearray | memoryview):
            raise TypeError(
                f"item {index}: public key must be bytes, not {type(public_key).__name__}"
            )
        pk = bytes(public_key)
        if pk in loaded:
            verifier = loaded[pk]
        else:
            try:
                verifier = _load_public_key(pk)
            except InvalidKeyError:
                verifier = None
            loaded[pk] = verifier
        if verifier is None or len(signature) != SIGNATURE_SIZE:
            failed.append(index)
            continue
        try:
            verifier.verify(signature, message)
        except InvalidSignature:
            failed.append(index)
    return failed
