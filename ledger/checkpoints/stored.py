"""Stored checkpoints and the cosignatures witnesses added to them."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.errors import CheckpointError, EntryNotFoundError, InputError
from ledger.note import (
    COSIGNATURE_V1,
    Checkpoint,
    SignedCheckpoint,
    VerifierKey,
    open_note,
    parse_note,
)
from ledger.store import Connection, SqlStore
from ledger.store import tree as store_tree


def add_cosignatures(
    *, store: SqlStore, data: bytes, witness_keys: Sequence[VerifierKey]
) -> tuple[int, list[str]]:
    """Store the cosignatures a witness added to one of our checkpoints.

    Returns:
        The checkpoint's size, and the witnesses whose cosignature was new.

    Raises:
        InputError: not a checkpoint. CheckpointError: not one of ours, or not stored here.
        NoteError: a witness key's cosignature fails, or none of the witness keys cosigned.
    """
    cp = SignedCheckpoint.parse(data)
    for key in witness_keys:
        if key.key_type != COSIGNATURE_V1:
            raise InputError(
                f"{key.label()} is not a witness (cosignature/v1) key", where="--witness-key"
            )
    opened = open_note(cp.note, list(witness_keys))
    size = cp.checkpoint.size
    added = []
    with store.writing() as tx:
        stored = store_tree.stored_checkpoint(tx.conn, size)
        if stored is None or SignedCheckpoint.parse(stored).checkpoint != cp.checkpoint:
            raise CheckpointError(
                f"this ledger has no stored checkpoint equal to the cosigned one (size {size})"
            )
        for key, sig in opened.verified:
            row = store_tree.StoredCosignature(
                size, key.name, key.id.hex(), key.encode(), sig.encode().rstrip("\n")
            )
            if store_tree.insert_cosignature(tx.conn, row):
                added.append(key.label())
    return size, added


def stored_checkpoint(*, store: SqlStore, size: int | None = None) -> SignedCheckpoint:
    """A stored checkpoint with its stored cosignatures (the latest when `size` is None).

    Raises:
        EntryNotFoundError: none stored (at that size).
    """
    with store.reading() as conn:
        if size is None:
            latest = store_tree.latest_checkpoint(conn)
            if latest is None:
                raise EntryNotFoundError(
                    "no checkpoint is stored yet; sign one: `ledger checkpoint`"
                )
            size, data = latest
        else:
            found = store_tree.stored_checkpoint(conn, size)
            if found is None:
                raise EntryNotFoundError(f"no checkpoint of size {size} is stored")
            data = found
        return with_cosignatures(conn, size, data)


def with_cosignatures(conn: Connection, size: int, data: bytes) -> SignedCheckpoint:
    """A stored checkpoint's note with its stored cosignature lines appended."""
    cp = SignedCheckpoint.parse(data)
    lines = "".join(row.line + "\n" for row in store_tree.cosignatures(conn, size))
    if not lines:
        return cp
    extra = parse_note(cp.note.text.encode() + b"\n" + lines.encode()).signatures
    return SignedCheckpoint(cp.checkpoint, cp.note.with_signatures(extra))


def list_checkpoints(*, store: SqlStore) -> list[tuple[Checkpoint, int]]:
    """Every stored checkpoint and its number of cosignatures, by size."""
    with store.reading() as conn:
        counts: dict[int, int] = {}
        for row in store_tree.cosignatures(conn):
            counts[row.size] = counts.get(row.size, 0) + 1
        return [
            (SignedCheckpoint.parse(data).checkpoint, counts.get(size, 0))
            for size, data in store_tree.stream_checkpoints(conn)
        ]
