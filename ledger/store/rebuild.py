"""The writes of a ledger rebuilt from canonical entries (`ledger.export.replay`): every row is
inserted as given, in the caller's transaction, batched as the caller batches it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, insert

from ledger.authority import Row
from ledger.store.tables import BLOBS, CHECKPOINTS, COSIGNATURES, DERIVED, ENTRIES
from ledger.store.tree import StoredCosignature


def insert_entries(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert entry rows (every column of `entries`, by name), as given."""
    conn.execute(insert(ENTRIES), list(rows))


def insert_derived(conn: Connection, tables: Mapping[str, Sequence[Row]]) -> None:
    """Insert the rows of derived tables, each a tuple in the table's column order."""
    for name, rows in tables.items():
        columns = [column.name for column in DERIVED[name].columns]
        values = [dict(zip(columns, row, strict=True)) for row in rows]
        if values:
            conn.execute(insert(DERIVED[name]), values)


def insert_blobs(conn: Connection, blobs: Iterable[tuple[str, bytes]]) -> None:
    """Insert blobs as (SHA-256 hex, bytes), the hash as given."""
    for digest, content in blobs:
        conn.execute(insert(BLOBS).values(sha256=digest, size=len(content), data=content))


def insert_checkpoints(
    conn: Connection,
    checkpoints: Iterable[tuple[int, bytes]],
    cosignatures: Iterable[StoredCosignature],
) -> None:
    """Insert checkpoints as (size, signed note) and cosignature rows, as given."""
    for size, note in checkpoints:
        conn.execute(insert(CHECKPOINTS).values(size=size, note=note))
    for cosignature in cosignatures:
        conn.execute(insert(COSIGNATURES).values(**cosignature._asdict()))
