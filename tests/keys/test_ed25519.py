"""Tests of Ed25519 signing and verification, including the RFC 8032 test vectors."""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import pickle
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import (
    BadSignatureError,
    InvalidKeyError,
    SigningKey,
    key_id,
    short_id,
    verify_many,
    verify_signature,
)

VECTORS_FILE = Path(__file__).resolve().parents[1] / "vectors" / "ed25519" / "rfc8032.json"
VECTORS: list[dict[str, str]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"]

# An S value >= the group order L: no implementation accepts it, whatever the key and message.
ALWAYS_INVALID_SIGNATURE = bytes(32) + b"\xff" * 32

# Curve constants for an independent implementation of RFC 8032 section 5.1.3 point decoding
# (square root computation, not the Euler criterion used by keys.ed25519).
P = 2**255 - 19
D = (-121665 * pow(121666, -1, P)) % P


def rfc8032_decodes(encoded: bytes) -> bool:
    """Tell whether RFC 8032 section 5.1.3 decoding of a point succeeds."""
    number = int.from_bytes(encoded, "little")
    x_0, y = number >> 255, number & ((1 << 255) - 1)
    if y >= P:
        return False
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P == 0:
        pass
    elif (v * x * x + u) % P == 0:
        x = x * pow(2, (P - 1) // 4, P) % P
    else:
        return False
    return not (x == 0 and x_0 == 1)


def _vector_id(vector: dict[str, str]) -> str:
    return vector["name"]


def test_vector_file_has_the_four_rfc_tests() -> None:
    assert [v["name"] for v in VECTORS] == ["TEST 1", "TEST 2", "TEST 3", "TEST SHA(abc)"]
    sha_abc = next(v for v in VECTORS if v["name"] == "TEST SHA(abc)")
    assert bytes.fromhex(sha_abc["message"]) == hashlib.sha512(b"abc").digest()


@pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
def test_rfc8032_vector(vector: dict[str, str]) -> None:
    seed = bytes.fromhex(vector["secret_key"])
    public = bytes.fromhex(vector["public_key"])
    message = bytes.fromhex(vector["message"])
    signature = bytes.fromhex(vector["signature"])

    key = SigningKey.from_seed(seed)
    assert key.public_key == public
    assert key.key_id == key_id(public)
    assert key.sign(message) == signature
    verify_signature(public, message, signature)
    assert verify_many([(public, message, signature)]) == []


@pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
def test_rfc8032_vector_tampered(vector: dict[str, str]) -> None:
    public = bytes.fromhex(vector["public_key"])
    message = bytes.fromhex(vector["message"])
    signature = bytearray.fromhex(vector["signature"])
    signature[0] ^= 0x01
    with pytest.raises(BadSignatureError, match=short_id(key_id(public))):
        verify_signature(public, message, bytes(signature))
    with pytest.raises(BadSignatureError):
        verify_signature(public, message + b"\x00", bytes.fromhex(vector["signature"]))


def test_sign_and_verify_round_trip() -> None:
    key = SigningKey.generate()
    signature = key.sign(b"decision 42")
    assert len(signature) == 64
    assert key.sign(b"decision 42") == signature  # deterministic
    verify_signature(key.public_key, b"decision 42", signature)


def test_generate_gives_distinct_keys() -> None:
    assert SigningKey.generate().key_id != SigningKey.generate().key_id


def test_signature_by_another_key_is_rejected() -> None:
    signer, other = SigningKey.generate(), SigningKey.generate()
    with pytest.raises(BadSignatureError):
        verify_signature(other.public_key, b"m", signer.sign(b"m"))


@pytest.mark.parametrize("size", [0, 1, 63, 65, 128])
def test_wrong_length_signature_is_bad(size: int) -> None:
    key = SigningKey.generate()
    signature = (key.sign(b"m") * 2)[:size]
    with pytest.raises(BadSignatureError):
        verify_signature(key.public_key, b"m", signature)


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_wrong_length_public_key_is_invalid(size: int) -> None:
    with pytest.raises(InvalidKeyError):
        verify_signature(bytes(size), b"m", bytes(64))


@pytest.mark.parametrize(
    "public",
    [
        (2).to_bytes(32, "little"),  # y = 2 is not on the curve
        (P + 1).to_bytes(32, "little"),  # non-canonical y >= p
        b"\xff" * 31 + b"\x7f",  # y = 2**255 - 1 >= p
        (1 | 1 << 255).to_bytes(32, "little"),  # x = 0 with the sign bit set
    ],
    ids=["not-on-curve", "y-plus-p", "y-max", "negative-zero"],
)
def test_public_key_that_is_not_a_point_is_invalid(public: bytes) -> None:
    assert not rfc8032_decodes(public)
    with pytest.raises(InvalidKeyError, match="not a valid Ed25519 point"):
        verify_signature(public, b"m", ALWAYS_INVALID_SIGNATURE)
    with pytest.raises(InvalidKeyError):  # invalid keys are not cached as valid
        verify_signature(public, b"m", ALWAYS_INVALID_SIGNATURE)


@settings(max_examples=200)
@given(public=st.binary(min_size=32, max_size=32))
def test_point_validation_agrees_with_rfc8032_decoding(public: bytes) -> None:
    expected: type[Exception] = BadSignatureError if rfc8032_decodes(public) else InvalidKeyError
    with pytest.raises(expected):
        verify_signature(public, b"m", ALWAYS_INVALID_SIGNATURE)


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33), "00" * 32, None])
def test_from_seed_rejects_bad_seeds(seed: Any) -> None:
    with pytest.raises(InvalidKeyError) as excinfo:
        SigningKey.from_seed(seed)
    assert "32 bytes" in str(excinfo.value)


def test_from_seed_accepts_bytes_like() -> None:
    seed = bytes.fromhex(VECTORS[0]["secret_key"])
    from_bytearray = SigningKey.from_seed(bytearray(seed))  # type: ignore[arg-type]
    assert from_bytearray.key_id == SigningKey.from_seed(seed).key_id


def test_repr_shows_only_the_short_key_id() -> None:
    key = SigningKey.generate()
    assert repr(key) == f"SigningKey(key_id='{key.key_id[:8]}…')"
    assert str(key) == repr(key)


def test_signing_key_has_slots_and_refuses_pickling() -> None:
    key = SigningKey.generate()
    assert not hasattr(key, "__dict__")
    with pytest.raises(AttributeError):
        key.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.copy(key)
    with pytest.raises(TypeError):
        copy.deepcopy(key)


def test_signing_key_rejects_a_non_ed25519_object() -> None:
    with pytest.raises(InvalidKeyError):
        SigningKey(b"\x00" * 32)  # type: ignore[arg-type]


def _batch() -> tuple[list[tuple[bytes, bytes, bytes]], list[int]]:
    """Build 60 signed items by 3 signers, with a known set of broken ones."""
    signers = [SigningKey.from_seed(bytes([n]) * 32) for n in range(3)]
    items: list[tuple[bytes, bytes, bytes]] = []
    for index in range(60):
        signer = signers[index % 3]
        message = f"entry {index}".encode()
        items.append((signer.public_key, message, signer.sign(message)))
    tampered: dict[int, Callable[[bytes, bytes, bytes], tuple[bytes, bytes, bytes]]] = {
        3: lambda pk, m, s: (pk, m, bytes([s[0] ^ 1]) + s[1:]),  # flipped signature bit
        17: lambda pk, m, s: (pk, m + b"!", s),  # altered message
        19: lambda pk, m, s: (signers[2].public_key, m, s),  # signed by signers[1]
        29: lambda pk, m, s: (pk, m, s[:63]),  # truncated signature
        41: lambda pk, m, s: (bytes(31), m, s),  # malformed public key
        42: lambda pk, m, s: ((2).to_bytes(32, "little"), m, s),  # not a curve point
        59: lambda pk, m, s: (pk, m, ALWAYS_INVALID_SIGNATURE),
    }
    for index, change in tampered.items():
        items[index] = change(*items[index])
    return items, sorted(tampered)


def test_verify_many_finds_exactly_the_tampered_indexes() -> None:
    items, broken = _batch()
    assert verify_many(items) == broken
    for index, (public, message, signature) in enumerate(items):
        if index in broken:
            with pytest.raises((BadSignatureError, InvalidKeyError)):
                verify_signature(public, message, signature)
        else:
            verify_signature(public, message, signature)


def test_verify_many_empty_and_all_good() -> None:
    items, broken = _batch()
    good = [item for index, item in enumerate(items) if index not in broken]
    assert verify_many([]) == []
    assert verify_many(good) == []
    assert verify_many(tuple(good)) == []


def test_verify_many_rejects_non_bytes_public_key() -> None:
    with pytest.raises(TypeError):
        verify_many([(32, b"m", bytes(64))])  # type: ignore[list-item]


def test_verify_many_runs_in_a_spawned_worker_process() -> None:
    items, broken = _batch()
    chunks = [items[:30], items[30:]]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        results = list(pool.map(verify_many, chunks))
    assert results[0] + [index + 30 for index in results[1]] == broken
