"""Tests of key ids and their short display form."""

from __future__ import annotations

import hashlib
import re

import pytest

from keys import InvalidKeyError, SigningKey, key_id, short_id

# RFC 8032 section 7.1 TEST 1 public key and its SHA-256, computed independently.
RFC_TEST1_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_TEST1_KEY_ID = "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9"


def test_key_id_is_lowercase_hex_sha256_of_raw_public_key() -> None:
    assert key_id(RFC_TEST1_PUBLIC) == RFC_TEST1_KEY_ID
    assert key_id(RFC_TEST1_PUBLIC) == hashlib.sha256(RFC_TEST1_PUBLIC).hexdigest()


def test_key_id_format() -> None:
    kid = key_id(SigningKey.generate().public_key)
    assert re.fullmatch(r"[0-9a-f]{64}", kid)


def test_key_id_accepts_bytes_like() -> None:
    assert key_id(bytearray(RFC_TEST1_PUBLIC)) == RFC_TEST1_KEY_ID  # type: ignore[arg-type]


def test_signing_key_id_matches_key_id() -> None:
    key = SigningKey.generate()
    assert key.key_id == key_id(key.public_key)


@pytest.mark.parametrize("size", [0, 1, 31, 33, 64])
def test_key_id_rejects_wrong_length(size: int) -> None:
    with pytest.raises(InvalidKeyError, match="32 bytes"):
        key_id(bytes(size))


def test_key_id_rejects_non_bytes() -> None:
    with pytest.raises(InvalidKeyError):
        key_id(RFC_TEST1_PUBLIC.hex())  # type: ignore[arg-type]


def test_short_id() -> None:
    assert short_id(RFC_TEST1_KEY_ID) == "21fe31df…"
    assert len(short_id(RFC_TEST1_KEY_ID)) == 9
