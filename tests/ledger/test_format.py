"""Entry format v1 is a protocol: the bytes of a known ledger are pinned in a vector file, and an
independent verifier written only from the entry format's description (docs/reference/entry-
format.md) accepts them.

A failure of the first test means the bytes an existing ledger holds would no longer be produced:
that needs a new format version, never an edit of v1. Regenerate the vector only for a new
sample, with UPDATE_VECTORS=1.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import rfc8785

from keys import BadSignatureError, verify_signature
from tests.builders import LedgerFixture

VECTOR = Path(__file__).parent.parent / "vectors" / "entry-v1" / "sample-ledger.jsonl"


def rows_of(ledger: LedgerFixture) -> list[dict[str, Any]]:
    return [
        {
            "seq": row.seq,
            "statement": row.statement.decode("utf-8"),
            "leaf_hash": row.leaf_hash,
            "signature": base64.b64encode(row.signature).decode(),
        }
        for row in ledger.store.rows()
    ]


def test_sample_ledger_bytes_are_pinned(sample: LedgerFixture) -> None:
    """The same statements, keys and clock give exactly the pinned bytes, hashes, signatures."""
    rows = rows_of(sample)
    if os.environ.get("UPDATE_VECTORS") == "1":
        lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows]
        VECTOR.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pinned = [json.loads(line) for line in VECTOR.read_text(encoding="utf-8").splitlines()]
    assert rows == pinned


def independent_verify(lines: list[str]) -> None:
    """Verify entries from the documented entry format alone: no ledger code but an Ed25519
    check. Raises AssertionError or BadSignatureError on the first problem."""
    keys: dict[str, tuple[str, bytes]] = {}  # key id -> (person, public key)
    prev = "0" * 64
    for expected_seq, line in enumerate(lines):
        row = json.loads(line)
        data = row["statement"].encode("utf-8")
        statement = json.loads(data)
        assert rfc8785.dumps(statement) == data, "not canonical"
        assert set(statement) == {
            "v", "seq", "prev", "type", "subject", "occurred_at", "recorded_at", "actor", "key",
            "body",
        }  # fmt: skip
        assert statement["v"] == 1 and statement["seq"] == expected_seq == row["seq"]
        leaf = hashlib.sha256(b"\x00" + data).digest()
        assert leaf.hex() == row["leaf_hash"]
        assert statement["prev"] == prev
        prev = leaf.hex()
        body = statement["body"]
        if statement["type"] == "ledger.genesis":
            public = base64.b64decode(body["registrar_key"]["public_key"])
            keys[hashlib.sha256(public).hexdigest()] = (body["registrar"]["id"], public)
        person, public = keys[statement["key"]]
        assert person == statement["actor"]
        message = b"decision-ledger/entry/v1\n" + leaf
        verify_signature(public, message, base64.b64decode(row["signature"]))
        if statement["type"] == "key.bound":
            public = base64.b64decode(body["public_key"])
            assert hashlib.sha256(public).hexdigest() == body["key_id"]
            keys[body["key_id"]] = (statement["subject"], public)


def test_independent_verifier_accepts_the_vector() -> None:
    lines = VECTOR.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 14
    independent_verify(lines)


def test_independent_verifier_rejects_a_changed_entry() -> None:
    """The independent verifier is not a rubber stamp: one changed character fails it."""
    lines = VECTOR.read_text(encoding="utf-8").splitlines()
    lines[9] = lines[9].replace("同意", "反对")
    try:
        independent_verify(lines)
    except (AssertionError, BadSignatureError):
        return
    raise AssertionError("a changed entry was accepted")
