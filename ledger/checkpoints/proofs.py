"""Proofs from the stored tree: that the ledger extends a checkpoint, an entry's inclusion receipt
(carrying its signature and the entry that bound its key to its author, so that `verify-proof`
checks authorship offline), and consistency between two sizes.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger import merkle
from ledger.authority import Directory
from ledger.checkpoints.stored import stored_checkpoint, with_cosignatures
from ledger.checkpoints.trust import trust_at
from ledger.entry import Statement, decode_statement
from ledger.errors import (
    CheckpointError,
    EntryNotFoundError,
    InputError,
    NoteError,
    VerificationError,
)
from ledger.note import SignedCheckpoint, b64
from ledger.receipts import (
    Binding,
    ConsistencyProof,
    InclusionProof,
    bound_key,
    check_checkpoint,
    check_receipt_entry,
)
from ledger.store import Connection, SqlStore
from ledger.store import checkpoints as store_checkpoints
from ledger.store import tree as store_tree


def tree_root(conn: Connection, size: int) -> bytes:
    """The root of the first `size` entries, from the node cache (O(log n) reads)."""
    return merkle.root_from_nodes(size, store_tree.read_nodes(conn, set(merkle.root_nodes(size))))


def check_against(
    conn: Connection,
    directory: Directory,
    cp: SignedCheckpoint,
    size: int,
    root_at: Callable[[int], bytes],
    where: str,
) -> None:
    """The ledger (of `size` entries) extends `cp`, signed by our registrar. Raises
    CheckpointError naming what fails."""
    c = cp.checkpoint
    if c.origin != directory.origin:
        raise CheckpointError(
            f"{where} is for {c.origin!r}, not this ledger ({directory.origin!r})"
        )
    if c.size > size:
        missing = f"seq {size} is" if c.size == size + 1 else f"seq {size}–{c.size - 1} are"
        raise CheckpointError(
            f"{where} has size {c.size} but the ledger has only {size} entries: {missing} "
            "missing (the ledger was cut short or rolled back)",
            seq=size,
        )
    try:
        check_checkpoint(cp, trust_at(conn, directory, c.size), what=where)
    except NoteError as exc:
        raise CheckpointError(exc.message, seq=c.size - 1 if c.size else None) from None
    actual = root_at(c.size)
    if actual != c.root:
        raise CheckpointError(
            f"the ledger is not an extension of {where}: its first {c.size} entries hash to "
            f"root {b64(actual)[:16]}…, the checkpoint says {b64(c.root)[:16]}… "
            f"(an entry before seq {c.size} was changed or replaced)"
        )


def prove_inclusion(
    *, store: SqlStore, seq: int, checkpoint: SignedCheckpoint | None = None
) -> InclusionProof:
    """An inclusion receipt of entry `seq` against `checkpoint` (default: the latest stored),
    carrying the entry's signature and the entry that bound its key to its author, with that
    entry's own inclusion proof. It is checked (all but the checkpoint's signatures) before it
    is returned.

    Raises:
        EntryNotFoundError: no such entry, or no stored checkpoint covers it.
        CheckpointError: the given checkpoint is not one this ledger extends, or the receipt
            would not verify (a damaged entry, key binding or node cache).
    """
    with store.reading() as conn:
        size = store_checkpoints.tree_size(conn)
        if not 0 <= seq < size:
            raise EntryNotFoundError(f"no entry with seq {seq} (the ledger has {size})")
        directory = store.directory(conn)
        if checkpoint is None:
            latest = store_tree.latest_checkpoint(conn)
            if latest is None or latest[0] <= seq:
                raise EntryNotFoundError(
                    f"no stored checkpoint covers seq {seq} yet; sign one: `ledger checkpoint`"
                )
            checkpoint = with_cosignatures(conn, latest[0], latest[1])
        else:
            check_against(
                conn, directory, checkpoint, size, lambda n: tree_root(conn, n), "the checkpoint"
            )
            if checkpoint.checkpoint.size <= seq:
                raise CheckpointError(
                    f"the checkpoint has size {checkpoint.checkpoint.size}: it does not cover "
                    f"seq {seq}"
                )
        cp_size = checkpoint.checkpoint.size
        reader = store_tree.node_reader(conn)
        entry, signature = _entry_row(conn, seq)
        statement = _statement(entry, seq)
        record = directory.keys.get(statement.key)
        bound_seq = 0 if record is None else record.bound_seq
        binding = _entry_row(conn, bound_seq)[0]
        try:
            bound_key(_statement(binding, bound_seq), statement)
        except VerificationError as exc:
            raise CheckpointError(
                f"cannot prove who signed seq {seq}: {exc.message}; run `ledger verify`", seq=seq
            ) from None
        receipt = InclusionProof(
            seq,
            merkle.inclusion_proof(seq, cp_size, reader),
            checkpoint,
            entry,
            signature,
            Binding(bound_seq, binding, merkle.inclusion_proof(bound_seq, cp_size, reader)),
        )
    try:
        check_receipt_entry(receipt)
    except VerificationError as exc:
        raise CheckpointError(
            f"the receipt for seq {seq} would not verify ({exc.message}): the ledger or its "
            "Merkle node cache is damaged; run `ledger verify`",
            seq=exc.seq,
        ) from None
    return receipt


def _entry_row(conn: Connection, seq: int) -> tuple[bytes, bytes]:
    """The statement bytes and signature stored at `seq`. Raises EntryNotFoundError."""
    row = store_checkpoints.statement_and_signature(conn, seq)
    if row is None:
        raise EntryNotFoundError(f"no entry with seq {seq}")
    if not all(isinstance(value, bytes | memoryview) for value in row):
        raise CheckpointError("the stored entry is not bytes; run `ledger verify`", seq=seq)
    return bytes(row[0]), bytes(row[1])


def _statement(data: bytes, seq: int) -> Statement:
    try:
        return decode_statement(data)
    except VerificationError as exc:
        exc.seq = seq
        raise


def prove_consistency(*, store: SqlStore, old: int, new: int | None = None) -> ConsistencyProof:
    """A consistency proof from size `old` to the stored checkpoint of size `new` (default: the
    latest).

    Raises:
        EntryNotFoundError: no checkpoint stored at `new`. InputError: old > new.
    """
    new_cp = stored_checkpoint(store=store, size=new)
    new_size = new_cp.checkpoint.size
    if not 0 <= old <= new_size:
        raise InputError(f"old size {old} is not between 0 and {new_size}", where="OLD")
    with store.reading() as conn:
        proof = merkle.consistency_proof(old, new_size, store_tree.node_reader(conn))
        old_data = store_tree.stored_checkpoint(conn, old)
    old_cp = None if old_data is None else SignedCheckpoint.parse(old_data)
    return ConsistencyProof(old, proof, new_cp, old_cp)
