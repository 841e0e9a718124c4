"""Ed25519 signing keys, signature verification and encrypted key storage.

This package is the only part of the project that uses ``cryptography``; it depends on no
other package of the project.
"""

from keys.ed25519 import SigningKey, verify_many, verify_signature
from keys.errors import (
    BadPassphraseError,
    BadSignatureError,
    InvalidKeyError,
    KeyNotFoundError,
    KeyPermissionError,
    KeysError,
)
from keys.fingerprint import key_id, short_id
from keys.keystore import KeyStore

__all__ = [
    "BadPassphraseError",
    "BadSignatureError",
    "InvalidKeyError",
    "KeyNotFoundError",
    "KeyPermissionError",
    "KeyStore",
    "KeysError",
    "SigningKey",
    "key_id",
    "short_id",
    "verify_many",
    "verify_signature",
]
