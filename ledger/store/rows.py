"""The entries' rows and the identity register as the store reads them: a row exactly as stored,
the chain head, and the register loaded from the derived tables (its procedure objects and the
entries a key signed read on demand, inside the caller's transaction)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from ledger.authority import LOADED_TABLES, Directory
from ledger.entry import decode_statement
from ledger.merkle import CompactRange
from ledger.procedure.state import Procedure
from ledger.store.engine import tolerant_rows
from ledger.store.tables import DERIVED, ENTRIES


class StoredRow(NamedTuple):
    """One `entries` row exactly as stored, every column."""

    seq: int
    leaf_hash: str
    prev: str
    type: str
    subject: str
    occurred_at: str
    recorded_at: str
    actor: str
    key_id: str
    statement: bytes
    signature: bytes


ENTRY_COLUMNS = StoredRow._fields


@dataclass(frozen=True, slots=True)
class Head:
    """The last entry of the chain."""

    seq: int
    leaf_hash: str
    recorded_at: str


@dataclass(frozen=True, slots=True)
class Register:
    """What a store keeps between its own appends, as of `head`: the identity register and
    the right border of the Merkle tree (if known)."""

    head: Head
    directory: Directory
    tree: CompactRange | None


def read_head(conn: Connection) -> Head | None:
    """The last entry of the chain, if there is one."""
    query = (
        select(ENTRIES.c.seq, ENTRIES.c.leaf_hash, ENTRIES.c.recorded_at)
        .order_by(ENTRIES.c.seq.desc())
        .limit(1)
    )
    rows = list(tolerant_rows(conn, query))
    return Head(rows[0][0], rows[0][1], rows[0][2]) if rows else None


def load_directory(conn: Connection) -> Directory:
    """The identity register as the derived tables hold it (empty without a genesis entry)."""
    data = conn.execute(select(ENTRIES.c.statement).where(ENTRIES.c.seq == 0)).scalar()
    if data is None:
        return Directory()
    rows = {
        name: [
            tuple(row)
            for row in conn.execute(
                select(DERIVED[name]).order_by(*DERIVED[name].primary_key.columns)
            )
        ]
        for name in LOADED_TABLES
    }
    directory = Directory.from_rows(decode_statement(bytes(data)), rows)
    attach_procedure(directory, conn)
    attach_signed(directory, conn)
    return directory


def attach_signed(directory: Directory, conn: Connection) -> None:
    """Let a register loaded from derived rows ask, inside the transaction of `conn`, which
    entries a key signed (a revocation must list those it repudiates)."""
    directory.signed_lookup = lambda key_id, since: signed_since(conn, key_id, since)


def signed_since(conn: Connection, key_id: str, since: str) -> list[int]:
    """The seqs of the entries signed with `key_id` and recorded at or after `since`."""
    query = (
        select(ENTRIES.c.seq)
        .where(ENTRIES.c.key_id == key_id, ENTRIES.c.recorded_at >= since)
        .order_by(ENTRIES.c.seq)
    )
    return [int(seq) for seq in conn.execute(query).scalars()]


def attach_procedure(directory: Directory, conn: Connection) -> None:
    """Give `directory` an empty procedure state that loads each object on demand, inside
    the transaction of `conn` (an append loads only the objects its entry touches)."""
    state = DERIVED["procedure_state"]

    def load(kind: str, ident: str) -> dict[str, Any] | None:
        query = select(state.c.data).where(state.c.kind == kind, state.c.id == ident)
        found = conn.execute(query).scalar()
        return None if found is None else dict(json.loads(found))

    directory.procedure = Procedure(loader=load)


def stream_rows(conn: Connection, query: Any) -> Iterator[StoredRow]:
    """The entry rows `query` selects (every column), streamed."""
    # Values as stored: the drivers give bytes for BLOB and bytea, but SQLite may hold TEXT or
    # NULL there in a tampered file; `ledger verify` checks each value's class.
    for row in tolerant_rows(conn, query, yield_per=2000, plain=True):
        yield StoredRow._make(row)
