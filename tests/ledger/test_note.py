"""Signed notes, checkpoints and cosignatures: the Go sumdb `note` examples byte for byte, the
tlog-cosignature vectors, and round trips."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys import SigningKey
from ledger import note
from ledger.errors import InputError, NoteError

VECTORS = Path(__file__).parents[1] / "vectors" / "note"
GO: dict[str, Any] = json.loads((VECTORS / "go-sumdb-note.json").read_text(encoding="utf-8"))
COSIG: dict[str, Any] = json.loads((VECTORS / "tlog-cosignature.json").read_text(encoding="utf-8"))


def go_signer_key(skey: str) -> tuple[str, SigningKey]:
    """Decode the Go package's `PRIVATE+KEY+name+hash+base64(0x01 ‖ seed)` (test vectors only)."""
    private, word, name, hex_id, material = skey.split("+", 4)
    assert (private, word) == ("PRIVATE", "KEY")
    raw = base64.b64decode(material)
    assert raw[0] == note.ED25519
    key = SigningKey.from_seed(raw[1:])
    assert note.ed25519_key(name, key.public_key).id.hex() == hex_id
    return name, key


PETER_NAME, PETER = go_signer_key(GO["peter"]["signer_key"])
ENOCH = SigningKey.from_seed(bytes.fromhex(GO["enoch"]["seed_hex"]))
PETER_V = note.VerifierKey.parse(GO["peter"]["verifier_key"])
ENOCH_V = note.VerifierKey.parse(GO["enoch"]["verifier_key"])


def test_published_verifier_keys_are_derived_from_the_published_keys() -> None:
    assert (
        note.ed25519_key("PeterNeumann", PETER.public_key).encode() == GO["peter"]["verifier_key"]
    )
    assert note.ed25519_key("EnochRoot", ENOCH.public_key).encode() == GO["enoch"]["verifier_key"]


def test_signing_the_published_text_reproduces_the_published_note() -> None:
    signed = note.sign_note(GO["text"], [note.signer(PETER_NAME, PETER)])
    assert signed.encode() == GO["signed_by_peter"].encode()


def test_adding_a_signature_reproduces_the_published_note() -> None:
    opened = note.open_note(GO["signed_by_peter"].encode(), [PETER_V])
    both = note.sign_note(
        opened.note.text, [note.signer("EnochRoot", ENOCH)], opened.note.signatures
    )
    assert both.encode() == GO["signed_by_peter_then_enoch"].encode()
    assert both.signatures[1].encode() == GO["enoch"]["signature_line"]


def test_re_signing_replaces_the_same_keys_signature() -> None:
    stale = note.Signature("PeterNeumann", PETER_V.id, b"\x00" * 64)
    signed = note.sign_note(GO["text"], [note.signer(PETER_NAME, PETER)], [stale])
    assert signed.encode() == GO["signed_by_peter"].encode()


def test_open_verifies_known_and_ignores_unknown_keys() -> None:
    data = GO["signed_by_peter_then_enoch"].encode()
    opened = note.open_note(data, [PETER_V])
    assert opened.note.text == GO["text"]
    assert [s.encode() for _, s in opened.verified] == [GO["peter"]["signature_line"]]
    assert [s.encode() for s in opened.unverified] == [GO["enoch"]["signature_line"]]
    both = note.open_note(data, [PETER_V, ENOCH_V])
    assert [k for k, _ in both.verified] == [PETER_V, ENOCH_V]
    with pytest.raises(NoteError, match="no verifiable signatures"):
        note.open_note(data, [])


def test_a_known_keys_bad_signature_rejects_the_note() -> None:
    with pytest.raises(NoteError, match=r"invalid signature for key PeterNeumann\+c74f20a3"):
        note.open_note(GO["invalid_signature_by_peter"].encode(), [PETER_V])


def test_duplicate_lines_count_once() -> None:
    dup = GO["duplicates"]
    opened = note.open_note(dup["note"].encode(), [PETER_V])
    assert [s.encode() for _, s in opened.verified] == dup["verified_with_peter_only"]
    assert [s.encode() for s in opened.unverified] == dup["unverified"]


def test_ambiguous_keys_are_an_error_only_when_used() -> None:
    enoch_only = (GO["text"] + "\n" + GO["enoch"]["signature_line"]).encode()
    with pytest.raises(NoteError, match=r"ambiguous key EnochRoot\+af0cfe78"):
        note.open_note(enoch_only, [ENOCH_V, PETER_V, ENOCH_V])
    note.open_note(GO["signed_by_peter"].encode(), [ENOCH_V, PETER_V, ENOCH_V])


def test_too_many_signatures_are_malformed() -> None:
    many = GO["too_many_signatures"]
    data = (many["text"] + "\n" + many["line"] * many["count"]).encode()
    for known in ([PETER_V], []):
        with pytest.raises(NoteError, match="malformed note"):
            note.open_note(data, known)


@pytest.mark.parametrize("hex_note", GO["malformed_notes_hex"])
def test_published_malformed_notes_are_rejected(hex_note: str) -> None:
    with pytest.raises(NoteError, match="malformed note"):
        note.open_note(bytes.fromhex(hex_note), [PETER_V])


def test_verifier_key_manglings_are_rejected() -> None:
    """Every proper substring and every one-byte increment of the published key fails (as in the
    Go package's TestNewVerifier), and so do its two published bad keys."""
    vkey = GO["peter"]["verifier_key"]
    for i in range(len(vkey) + 1):
        for j in range(i + 1, len(vkey) + 1):
            if (i, j) != (0, len(vkey)):
                with pytest.raises(InputError):
                    note.VerifierKey.parse(vkey[i:j])
    for i in range(len(vkey)):
        with pytest.raises(InputError):
            note.VerifierKey.parse(vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :])
    for bad in GO["bad_verifier_keys"]:
        with pytest.raises(InputError):
            note.VerifierKey.parse(bad)


@pytest.mark.parametrize("case", COSIG["good_verifier_keys"], ids=lambda c: c["key"][:20])
def test_published_cosignature_era_verifier_keys_parse(case: dict[str, Any]) -> None:
    key = note.VerifierKey.parse(case["key"])
    assert key.key_type == case["type"]
    assert key.encode() == case["key"]


@pytest.mark.parametrize("bad", COSIG["bad_verifier_keys"])
def test_published_bad_verifier_keys_are_rejected(bad: str) -> None:
    with pytest.raises(InputError):
        note.VerifierKey.parse(bad)


@pytest.mark.parametrize("case", COSIG["cosignature_timestamps"], ids=["cosig", "plain"])
def test_published_cosignature_timestamps(case: dict[str, Any]) -> None:
    raw = base64.b64decode(case["signature"])
    sig = note.Signature("w", raw[:4], raw[4:])
    if case["timestamp"] is None:
        with pytest.raises(NoteError):
            note.cosignature_timestamp(sig)
    else:
        assert note.cosignature_timestamp(sig) == case["timestamp"]


def test_cosignature_round_trip_and_message() -> None:
    witness = SigningKey.from_seed(b"\x07" * 32)
    body = note.Checkpoint("example.com/log", 5, b"\x01" * 32).text()
    cosigned = note.sign_note(body, [note.cosigner("witness.example/w1", witness, 1679315147)])
    (sig,) = cosigned.signatures
    assert note.cosignature_timestamp(sig) == 1679315147
    vkey = note.cosigner_key("witness.example/w1", witness.public_key)
    assert vkey.encode().startswith("witness.example/w1+")
    assert note.VerifierKey.parse(vkey.encode()) == vkey
    note.open_note(cosigned.encode(), [vkey])
    # the same key as a plain Ed25519 note key has another id: the cosignature is unknown to it
    plain = note.ed25519_key("witness.example/w1", witness.public_key)
    with pytest.raises(NoteError, match="no verifiable"):
        note.open_note(cosigned.encode(), [plain])
    message = note.cosignature_message(1679315147, body.encode())
    assert message.startswith(b"cosignature/v1\ntime 1679315147\nexample.com/log\n5\n")


def test_checkpoint_body_round_trip_and_strictness() -> None:
    cp = note.Checkpoint("edu.example.gov.cn/decisions", 20852163, bytes(range(32)))
    assert note.Checkpoint.from_text(cp.text()) == cp
    assert cp.text().splitlines()[1] == "20852163"
    for bad in (
        "origin\n012\n" + note.b64(bytes(32)) + "\n",  # leading zero
        "origin\n-1\n" + note.b64(bytes(32)) + "\n",
        "origin\n1\n" + note.b64(bytes(31)) + "\n",
        "origin\n1\n",
        "\n1\n" + note.b64(bytes(32)) + "\n",
        "origin\n1\n" + note.b64(bytes(32)) + "\n\n",
        "origin\n1\n" + note.b64(bytes(32)),
        "origin\n18446744073709551616\n" + note.b64(bytes(32)) + "\n",  # 2**64
        "origin\n" + "9" * 5000 + "\n" + note.b64(bytes(32)) + "\n",  # beyond int() too
    ):
        with pytest.raises(NoteError, match="malformed checkpoint"):
            note.Checkpoint.from_text(bad)


@given(
    st.text(
        st.characters(
            blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="+"
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(min_value=0, max_value=2**63),
    st.binary(min_size=32, max_size=32),
)
def test_signed_checkpoint_round_trip(origin: str, size: int, root: bytes) -> None:
    key = SigningKey.from_seed(b"\x01" * 32)
    cp = note.Checkpoint(origin, size, root)
    signed = note.sign_note(cp.text(), [note.signer(origin, key)])
    parsed = note.SignedCheckpoint.parse(signed.encode())
    assert parsed.checkpoint == cp
    assert parsed.note == signed
    note.open_note(parsed.note, [note.ed25519_key(origin, key.public_key)])
