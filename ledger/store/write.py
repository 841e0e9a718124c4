"""What may be done inside one append transaction (`WriteTx`): read the head and the register,
insert entries with their Merkle nodes and derived rows, load copied rows, store blobs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, text

from ledger.authority import Directory, Row
from ledger.entry import SignedEntry, Statement, decode_statement
from ledger.merkle import CompactRange
from ledger.store.rows import (
    Head,
    Register,
    attach_procedure,
    attach_signed,
    load_directory,
    read_head,
)
from ledger.store.tables import BLOBS, DERIVED, ENTRIES, table_named
from ledger.store.tree import extend_nodes

_PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    name: tuple(col.name for col in t.primary_key.columns) for name, t in DERIVED.items()
}
COPY_BATCH = 1000


class WriteTx:
    """What may be done inside one append transaction.

    Appends take turns, so the time between taking the lock and committing bounds the
    throughput of all writers together. To keep it short, the store keeps the register (people,
    keys, organs, memberships) of its last append; the next append only replays the entries
    others appended since (one query, usually a few rows) instead of reading those tables.
    """

    def __init__(self, conn: Connection, register: Register | None = None) -> None:
        self.conn = conn
        self._register = register
        self._head: Head | None = None
        self._head_read = False
        # (leaf hash, statement) of each entry after the register's head, in seq order
        self._since: list[tuple[str, bytes]] = []
        self._directory: Directory | None = None
        self._inserted: Head | None = None
        self._tree: CompactRange | None = None  # the tree's right border, once known

    def head(self) -> Head | None:
        """The chain head as this transaction sees it (the lock is held)."""
        if not self._head_read:
            self._head = self._read_head()
            self._head_read = True
        return self._head

    def directory(self) -> Directory:
        """The identity register as of the head.

        It is this transaction's own: the caller applies to it every entry it inserts (as
        `append_batch` does), and the store keeps it for its next append.
        """
        self.head()  # reads the entries since the kept register's head, if there is one
        if self._register is not None:
            # People, keys, organs and memberships: the kept ones plus a replay of what
            # others appended since. Procedure objects: loaded afresh from this transaction,
            # on demand, as on a first append (their replay needs each entry's check).
            directory, tree = self._register.directory, self._register.tree
            attach_procedure(directory, self.conn)
            attach_signed(directory, self.conn)
            for leaf, data in self._since:
                directory.apply(decode_statement(data))
                if tree is not None:
                    tree.append(bytes.fromhex(leaf))  # its nodes are stored already
            self._tree = tree
        else:
            directory = load_directory(self.conn)
        self._register, self._since = None, []
        self._directory = directory
        return directory

    def register_after(self) -> Register | None:
        """The register to keep once this transaction has committed, if it is known."""
        if self._directory is None:
            # Untouched (only `directory` changes it): still right for its own head, and what
            # was appended since is replayed next time; unless entries were inserted here by a
            # caller that did not keep the register up to date.
            return None if self._inserted is not None else self._register
        head = self._inserted or self._head
        return None if head is None else Register(head, self._directory, self._tree)

    def _read_head(self) -> Head | None:
        register = self._register
        if register is None:
            return read_head(self.conn)
        rows = self.conn.execute(
            select(ENTRIES.c.seq, ENTRIES.c.leaf_hash, ENTRIES.c.recorded_at, ENTRIES.c.statement)
            .where(ENTRIES.c.seq >= register.head.seq)
            .order_by(ENTRIES.c.seq)
        ).all()
        # The kept head must still be in place, and the entries after it gap-free.
        if (
            not rows
            or rows[0][1] != register.head.leaf_hash
            or rows[-1][0] != register.head.seq + len(rows) - 1
        ):
            self._register = None
            return read_head(self.conn)
        self._since = [(row[1], bytes(row[3])) for row in rows[1:]]
        last = rows[-1]
        return Head(last[0], last[1], last[2])

    def database_time(self) -> datetime:
        """The database server's clock (on SQLite, which has no server: this machine's)."""
        if self.conn.dialect.name == "postgresql":
            moment: datetime = self.conn.execute(select(func.clock_timestamp())).scalar_one()
            return moment.astimezone(UTC)
        stamp = self.conn.execute(text("SELECT strftime('%Y-%m-%dT%H:%M:%f', 'now')")).scalar()
        return datetime.fromisoformat(f"{stamp}+00:00")

    def missing_blobs(self, hashes: list[str]) -> list[str]:
        """Return those of `hashes` that are not stored."""
        if not hashes:
            return []
        found = set(
            self.conn.execute(select(BLOBS.c.sha256).where(BLOBS.c.sha256.in_(hashes))).scalars()
        )
        return [h for h in hashes if h not in found]

    def insert_many(self, entries: list[SignedEntry], changes: list[tuple[str, Row]]) -> None:
        """Insert entries (already chained) and upsert the derived rows they changed."""
        if entries:
            self.conn.execute(insert(ENTRIES), [_entry_values(e) for e in entries])
            leaves = [bytes.fromhex(e.leaf_hash) for e in entries]
            self._tree = extend_nodes(self.conn, entries[0].seq, leaves, self._tree)
            last = entries[-1]
            self._inserted = Head(last.seq, last.leaf_hash, last.statement.recorded_at)
        for name, row in changes:
            tbl = DERIVED[name]
            values = dict(zip((c.name for c in tbl.columns), row, strict=True))
            keys = _PRIMARY_KEYS[name]
            self.conn.execute(delete(tbl).where(and_(*(tbl.c[k] == values[k] for k in keys))))
            self.conn.execute(insert(tbl).values(**values))

    def load(self, name: str, rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert rows, as `SqlStore.dump` gives them, into table `name`; return how many."""
        tbl = table_named(name)
        columns = [col.name for col in tbl.columns]
        count, batch = 0, []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == COPY_BATCH:
                self.conn.execute(insert(tbl), batch)
                count, batch = count + len(batch), []
        if batch:
            self.conn.execute(insert(tbl), batch)
        return count + len(batch)

    def put_blob(self, data: bytes) -> str:
        """Store a blob if it is not there yet; return its SHA-256 hex."""
        digest = hashlib.sha256(data).hexdigest()
        exists = self.conn.execute(select(BLOBS.c.size).where(BLOBS.c.sha256 == digest)).first()
        if exists is None:
            self.conn.execute(insert(BLOBS).values(sha256=digest, size=len(data), data=data))
        return digest


def statement_columns(stmt: Statement) -> dict[str, Any]:
    """The entry row's columns that repeat its statement's fields (verify proves they agree)."""
    return {
        "prev": stmt.prev,
        "type": stmt.type,
        "subject": stmt.subject,
        "occurred_at": stmt.occurred_at,
        "recorded_at": stmt.recorded_at,
        "actor": stmt.actor,
        "key_id": stmt.key,
    }


def _entry_values(entry: SignedEntry) -> dict[str, Any]:
    stmt = entry.statement
    return {
        "seq": stmt.seq,
        "leaf_hash": entry.leaf_hash,
        **statement_columns(stmt),
        "statement": entry.data,
        "signature": entry.signature,
    }
