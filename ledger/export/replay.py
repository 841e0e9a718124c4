"""A ledger rebuilt from canonical entries, in a new SQLite file.

`ledger verify --bundle` loads a bag's entries here, byte for byte, and then runs the ordinary
`verify_ledger` (`ledger.verification`) on the result, so a bundle is checked by exactly the code
that checks a database. Exports use it too, to read the ledger as it stood at a checkpoint when
entries were appended since. Every entry row is inserted as given, at its position in the stream
(a statement that says another seq is reported by verify, not corrected here); the derived
tables and the Merkle node cache are what a replay of the entries gives, as an append would have
written them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ledger.authority import Directory
from ledger.entry import Statement, decode_statement, leaf_hash
from ledger.errors import VerificationError
from ledger.merkle import CompactRange
from ledger.store import SqlStore, create_store, rebuild
from ledger.store.tree import StoredCosignature, extend_nodes
from ledger.store.write import statement_columns

BATCH = 2000
_FIELDS = ("prev", "type", "subject", "occurred_at", "recorded_at", "actor")


def _decoded(data: bytes) -> Statement | None:
    try:
        return decode_statement(data)
    except (VerificationError, RecursionError):
        return None


def _columns(data: bytes, stmt: Statement | None) -> dict[str, Any]:
    """The denormalised columns of an entry row, from its statement. A statement that is not
    canonical still gets whatever fields it has, so that verify names what is wrong."""
    if stmt is not None:
        return statement_columns(stmt)
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        value = {}
    if not isinstance(value, dict):
        value = {}
    found = {name: str(value.get(name, ""))[:128] for name in _FIELDS}
    found["key_id"] = str(value.get("key", ""))[:64]
    return found


def load_ledger(
    path: Path,
    entries: Iterable[tuple[bytes, bytes]],
    *,
    blobs: Iterable[tuple[str, bytes]] = (),
    checkpoints: Iterable[tuple[int, bytes]] = (),
    cosignatures: Iterable[StoredCosignature] = (),
    progress: Callable[[int], None] | None = None,
) -> SqlStore:
    """Create a ledger at `path` (a new SQLite file) holding `entries` — (statement bytes,
    signature) in seq order — and the given blobs, checkpoints and cosignatures, exactly as
    given. Streams: memory does not grow with the number of entries.

    Raises:
        StoreError: the file exists already or cannot be written.
    """
    rows = ((seq, data, signature) for seq, (data, signature) in enumerate(entries))
    return _load(
        path,
        rows,
        tree=True,
        blobs=blobs,
        checkpoints=checkpoints,
        cosignatures=cosignatures,
        progress=progress,
    )


def load_subset(
    path: Path,
    entries: Iterable[tuple[int, bytes, bytes]],
    refused: Callable[[VerificationError], None] | None = None,
) -> SqlStore:
    """Create a ledger at `path` holding some entries of a ledger — (seq, statement,
    signature), seqs ascending — at their own seqs, and the register and procedure state that
    a replay of just these entries gives (each applied only once the register's checks pass;
    `refused` hears of each that does not). A dossier is read, and written again, from it. It
    has no Merkle tree: it is not a ledger that `verify` could check.

    Raises:
        StoreError: the file exists already or cannot be written.
    """
    return _load(path, entries, tree=False, refused=refused)


def _load(
    path: Path,
    entries: Iterable[tuple[int, bytes, bytes]],
    *,
    tree: bool,
    blobs: Iterable[tuple[str, bytes]] = (),
    checkpoints: Iterable[tuple[int, bytes]] = (),
    cosignatures: Iterable[StoredCosignature] = (),
    progress: Callable[[int], None] | None = None,
    refused: Callable[[VerificationError], None] | None = None,
) -> SqlStore:
    store = create_store(str(path))
    directory = Directory()
    with store.writing() as tx:
        conn = tx.conn
        nodes: CompactRange | None = None
        batch: list[dict[str, Any]] = []
        leaves: list[bytes] = []

        def flush() -> None:
            nonlocal nodes, batch, leaves
            if batch:
                rebuild.insert_entries(conn, batch)
                if tree:
                    nodes = extend_nodes(conn, batch[0]["seq"], leaves, nodes)
            batch, leaves = [], []

        for count, (seq, data, signature) in enumerate(entries, start=1):
            leaf = leaf_hash(data)
            stmt = _decoded(data)
            row = {"seq": seq, "leaf_hash": leaf.hex(), **_columns(data, stmt)}
            row.update(statement=data, signature=signature)
            batch.append(row)
            leaves.append(leaf)
            _replay(directory, stmt, refused)
            if len(batch) >= BATCH:
                flush()
                if progress is not None:
                    progress(count)
        flush()
        rebuild.insert_derived(conn, directory.table_rows())
        rebuild.insert_blobs(conn, blobs)
        rebuild.insert_checkpoints(conn, checkpoints, cosignatures)
    return store


def _replay(
    directory: Directory,
    stmt: Statement | None,
    refused: Callable[[VerificationError], None] | None = None,
) -> None:
    """Apply an entry to the register as verify does: only once its checks pass."""
    if stmt is None:
        return
    try:
        directory.check(stmt)
    except VerificationError as exc:
        if refused is not None:
            refused(exc)
        return
    directory.apply(stmt)


def snapshot(store: SqlStore, size: int, path: Path) -> SqlStore:
    """The ledger in `store` as it stood at `size` entries, rebuilt at `path` (blobs are not
    copied; the stored checkpoints up to that size and their cosignatures are)."""
    from ledger.store import tree as store_tree

    with store.reading() as conn:
        cps = [(s, note) for s, note in store_tree.stream_checkpoints(conn) if s <= size]
        cosigs = [row for row in store_tree.cosignatures(conn) if row.size <= size]
    rows = ((row.statement, row.signature) for row in store.rows(until=size - 1))
    return load_ledger(path, rows, checkpoints=cps, cosignatures=cosigs)
