"""What the checkpoint code reads of the entries: the tree's size, a statement, a signature, a
time, and the statements signed with a key. The checkpoint and cosignature rows themselves are
in `ledger.store.tree`, beside the Merkle nodes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from ledger.store.tables import ENTRIES


def tree_size(conn: Connection) -> int:
    """One more than the highest stored seq (0 for no entries)."""
    head = conn.execute(select(ENTRIES.c.seq).order_by(ENTRIES.c.seq.desc()).limit(1)).scalar()
    return 0 if head is None else int(head) + 1


def recorded_at(conn: Connection, seq: int) -> str | None:
    """The `recorded_at` column of entry `seq`, if there is one."""
    value = conn.execute(select(ENTRIES.c.recorded_at).where(ENTRIES.c.seq == seq)).scalar()
    return None if value is None else str(value)


def statement(conn: Connection, seq: int) -> Any:
    """The statement column of entry `seq` as stored (None when there is no such entry)."""
    return conn.execute(select(ENTRIES.c.statement).where(ENTRIES.c.seq == seq)).scalar()


def leaf_and_statement(conn: Connection, seq: int) -> tuple[Any, Any] | None:
    """The leaf hash and statement columns of entry `seq` as stored, if there is one."""
    row = conn.execute(
        select(ENTRIES.c.leaf_hash, ENTRIES.c.statement).where(ENTRIES.c.seq == seq)
    ).first()
    return None if row is None else (row[0], row[1])


def statement_and_signature(conn: Connection, seq: int) -> tuple[Any, Any] | None:
    """The statement and signature columns of entry `seq` as stored, if there is one."""
    row = conn.execute(
        select(ENTRIES.c.statement, ENTRIES.c.signature).where(ENTRIES.c.seq == seq)
    ).first()
    return None if row is None else (row[0], row[1])


def signed_with(conn: Connection, key_id: str, before: int) -> list[tuple[Any, Any]]:
    """(seq, statement) of the entries before seq `before` whose key column is `key_id`, by
    seq."""
    query = (
        select(ENTRIES.c.seq, ENTRIES.c.statement)
        .where(ENTRIES.c.key_id == key_id, ENTRIES.c.seq < before)
        .order_by(ENTRIES.c.seq)
    )
    return [(row[0], row[1]) for row in conn.execute(query)]
