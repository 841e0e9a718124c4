"""The registrar's record of the last checkpoint it signed: the size, chain head, tree border and
register that signing verified, signed by the registrar's key and kept beside the key directory,
so that the next signing verifies only the entries appended since.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keys import KeysError, SigningKey, verify_signature
from ledger import merkle
from ledger.authority import LOADED_TABLES, Directory
from ledger.entry import decode_statement
from ledger.errors import VerificationError
from ledger.note import b64
from ledger.witness import write_atomic

STATE_FORMAT = "decision-ledger/checkpoint-state/v2"
_STATE_CONTEXT = (STATE_FORMAT + "\n").encode()


@dataclass
class Verified:
    """The ledger up to `size` as signing verified it: the chain's head and time, the tree's
    right border, and the register (people, keys, organs, memberships, procedure state)."""

    size: int
    head: str
    time: str
    tree: merkle.CompactRange
    directory: Directory
    signed: dict[str, int]  # key id → how many of the entries before `size` it signed


def load_state(
    path: Path | None, keys: Sequence[SigningKey], genesis: bytes
) -> tuple[Verified | None, str | None]:
    """The record at `path` if it is there, signed by one of `keys` and for this ledger; else
    None and why it was not used (None when there simply is none)."""
    if path is None:
        return None, None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"cannot read {path} ({exc.strerror}); verified the whole ledger"
    payload, _, trailer = data.rstrip(b"\n").rpartition(b"\n")
    by_id = {key.key_id: key for key in keys}
    try:
        kid, sig = trailer.decode("ascii").split(" ")
        verify_signature(
            by_id[kid].public_key,
            _STATE_CONTEXT + hashlib.sha256(payload).digest(),
            base64.b64decode(sig, validate=True),
        )
    except (KeyError, ValueError, UnicodeDecodeError, binascii.Error, KeysError):
        return None, (
            f"{path} is not signed by the key signing now (another registrar key, or changed); "
            "verified the whole ledger"
        )
    try:
        return _state_from_json(json.loads(payload), genesis), None
    except (KeyError, ValueError, TypeError, IndexError, VerificationError) as exc:
        return None, f"{path} is not a record of this ledger ({exc}); verified the whole ledger"


def _state_from_json(value: dict[str, Any], genesis: bytes) -> Verified:
    if value["format"] != STATE_FORMAT:
        raise ValueError("another format")
    return verified_from_json(value, genesis)


def verified_from_json(value: dict[str, Any], genesis: bytes) -> Verified:
    """The verified state `verified_to_json` wrote, for the ledger whose genesis statement is
    `genesis`. Raises ValueError, KeyError, TypeError, IndexError or VerificationError."""
    if value["genesis"] != merkle.hash_leaf(genesis).hex():
        raise ValueError("another ledger")
    size = int(value["size"])
    tree = merkle.CompactRange(size, [base64.b64decode(h) for h in value["tree"]])
    if b64(tree.root()) != value["root"]:
        raise ValueError("its tree border and root disagree")
    rows = {
        name: [tuple(_from_plain(cell) for cell in row) for row in value["register"][name]]
        for name in LOADED_TABLES
    }
    directory = Directory.from_rows(decode_statement(genesis), rows)
    directory.procedure.objects = {
        (kind, ident): json.loads(text) for kind, ident, text in value["procedure"]
    }
    signed = {str(key): int(count) for key, count in value["signed"].items()}
    return Verified(size, str(value["head"]), str(value["time"]), tree, directory, signed)


def save_state(path: Path, genesis: str, verified: Verified, key: SigningKey) -> str | None:
    """Write the record of the checkpoint just signed; None, or why it could not be kept."""
    value = {"format": STATE_FORMAT, **verified_to_json(genesis, verified)}
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    signature = key.sign(_STATE_CONTEXT + hashlib.sha256(payload).digest())
    trailer = f"{key.key_id} {b64(signature)}\n".encode()
    try:
        write_atomic(path, payload + b"\n" + trailer)
    except OSError as exc:
        return f"could not keep the record in {path} ({exc.strerror}); next time verifies all"
    return None


def verified_to_json(genesis: str, verified: Verified) -> dict[str, Any]:
    """A verified state as JSON: enough to verify the entries after it (`verified_from_json`);
    `genesis` is the hex leaf hash of the ledger's genesis entry."""
    directory = verified.directory
    directory.procedure.involvements = []  # not needed to check later entries
    rows = directory.table_rows()
    return {
        "genesis": genesis,
        "size": verified.size,
        "head": verified.head,
        "time": verified.time,
        "root": b64(verified.tree.root()),
        "tree": [b64(h) for h in verified.tree.border()],
        "register": {
            name: [[_plain(cell) for cell in row] for row in rows[name]] for name in LOADED_TABLES
        },
        "procedure": [[row[0], row[1], row[5]] for row in rows["procedure_state"]],
        "signed": verified.signed,
    }


def _plain(cell: Any) -> Any:
    return {"b64": b64(cell)} if isinstance(cell, bytes) else cell


def _from_plain(cell: Any) -> Any:
    return base64.b64decode(cell["b64"]) if isinstance(cell, dict) else cell
