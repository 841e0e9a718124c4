"""SqlStore: entries, blobs and derived rows over SQLAlchemy Core, one transaction per append."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import SQLModel

from ledger.authority import DERIVED_TABLES, LOADED_TABLES, Directory, Row
from ledger.entry import SignedEntry, decode_statement
from ledger.errors import (
    EntryNotFoundError,
    LaterSchemaError,
    LedgerNotFoundError,
    OutdatedSchemaError,
    StoreError,
    VerificationError,
)
from ledger.merkle import CompactRange
from ledger.procedure.state import Procedure
from ledger.store import migrations
from ledger.store.engine import make_engine, safe_url, sqlite_path, tolerant_rows
from ledger.store.schema import append_only_sql, check_schema
from ledger.store.tables import AUTHENTICATED, BLOBS, DERIVED, ENTRIES, SCHEMA_VERSION, table
from ledger.store.tree import extend_nodes

_PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    name: tuple(col.name for col in t.primary_key.columns) for name, t in DERIVED.items()
}

# PostgreSQL: every append transaction takes this transaction-scoped advisory lock (one per
# database) before it reads the head, so appenders on any number of machines take turns.
APPEND_LOCK_KEY = 7130713
COPY_BATCH = 1000


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
class _Register:
    """What a store keeps between its own appends, as of `head`: the identity register and
    the right border of the Merkle tree (if known)."""

    head: Head
    directory: Directory
    tree: CompactRange | None


class SqlStore:
    """A ledger stored in a SQL database (SQLite file by default)."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._register: _Register | None = None
        # what the version table said when the ledger was opened (or made)
        self.recorded = migrations.Recorded(table=True, values=(migrations.HEAD,))

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, older: bool = False, unknown: bool = False) -> SqlStore:
        """Open an existing ledger whose tables are at this release's schema revision.

        Args:
            older: also open one of an earlier revision (for `ledger db upgrade`).
            unknown: also open one whose version table names no revision this release knows
                (for `ledger verify`, which reports it).

        Raises:
            LedgerNotFoundError: no database there, or it holds no ledger.
            OutdatedSchemaError: (unless `older`) an earlier release's schema.
            LaterSchemaError: (unless `unknown`) a later release's schema, or a changed version
                table.
            StoreError: the database cannot be read.
        """
        path = sqlite_path(url)
        if path is not None and not path.is_file():
            raise LedgerNotFoundError(
                f"no ledger at {path} (create one with `ledger init`, or pass --db / LEDGER_DB)"
            )
        store = cls(make_engine(url), url)
        try:
            present = set(inspect(store.engine).get_table_names())
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {safe_url(url)}: {_reason(exc)}") from None
        if "entries" not in present:
            raise LedgerNotFoundError(f"{safe_url(url)} is a database but holds no ledger")
        try:
            with store.engine.connect() as conn, conn.begin():
                store.recorded = migrations.read(conn, present)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {safe_url(url)}: {_reason(exc)}") from None
        where, state = path or safe_url(url), store.recorded.state
        if state == "older" and not older:
            raise OutdatedSchemaError(
                f"{where} holds a ledger of an earlier release ({store.recorded.describe()}; "
                f"this release's is revision {migrations.HEAD}): run `ledger db upgrade`"
            )
        if state == "later" and not unknown:
            raise LaterSchemaError(
                f"{where} holds a ledger recorded by a later release (schema "
                f"{store.recorded.describe()}; this release knows up to {migrations.HEAD}): "
                "use that release or a newer one"
            )
        if state == "changed" and not unknown:
            raise LaterSchemaError(
                f"{where} holds a ledger whose {migrations.VERSION_TABLE} table was changed "
                f"({store.recorded.describe()}, which no release writes): `ledger verify` "
                "reports it"
            )
        return store

    @classmethod
    def create(cls, url: str) -> SqlStore:
        """Create the tables and append-only triggers of a new, empty ledger.

        Raises:
            StoreError: a ledger already exists there, or the database cannot be created.
        """
        path = sqlite_path(url)
        if path is not None:
            if path.exists() and path.stat().st_size > 0:
                raise StoreError(f"{path} already exists; refusing to overwrite it")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {path.parent}: {exc.strerror}") from None
        store = cls(make_engine(url), url)
        try:
            # Tables and triggers in one transaction (DDL is transactional on both backends):
            # a failed or concurrent create leaves nothing half made.
            with store.engine.begin() as conn:
                present = set(inspect(conn).get_table_names())
                if "entries" in present:
                    raise StoreError(f"{safe_url(url)} already holds a ledger")
                clash = sorted(present & set(table_names()))
                if clash:
                    raise StoreError(
                        f"{safe_url(url)} already has tables named {', '.join(clash)}; "
                        "refusing to mix a ledger into them"
                    )
                SQLModel.metadata.create_all(conn)
                for statement in append_only_sql(conn.dialect.name):
                    conn.execute(text(statement))
                conn.execute(insert(SCHEMA_VERSION).values(version_num=migrations.HEAD))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot create a ledger at {safe_url(url)}: {_reason(exc)}") from None
        return store

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def discard(self) -> None:
        """Remove the ledger: its file, or its tables. Only for a ledger that this process has
        just created and nobody has used yet, such as the target of a copy that failed."""
        self.close()
        path = sqlite_path(self.url)
        if path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        try:
            with self.engine.begin() as conn:
                SQLModel.metadata.drop_all(conn)
                if conn.dialect.name == "postgresql":
                    for name in AUTHENTICATED:
                        conn.execute(text(f"DROP FUNCTION IF EXISTS {name}_append_only()"))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot remove {safe_url(self.url)}: {_reason(exc)}") from None
        finally:
            self.close()

    def upgrade(self, verified_head: str | None) -> tuple[migrations.Recorded, str]:
        """Apply the pending migrations in one transaction holding the append lock; return what
        the version table said before and the revision reached.

        `verified_head` is the leaf hash of the head that the caller verified this ledger at:
        if an entry was appended since, or the version table changed, nothing is done.

        Raises:
            StoreError: the ledger changed since it was verified, a migration failed, or the
                tables it left are not this release's (nothing was changed).
            LaterSchemaError: the schema is not one this release can upgrade.
        """
        with self.writing() as tx:
            head = _head(tx.conn)
            present = set(inspect(tx.conn).get_table_names())
            recorded = migrations.read(tx.conn, present)
            if (None if head is None else head.leaf_hash) != verified_head or (
                recorded != self.recorded
            ):
                raise StoreError(
                    "the ledger changed while it was being verified; nothing was upgraded "
                    "(stop the recorders, then run `ledger db upgrade` again)"
                )
            if recorded.state not in ("current", "older"):
                raise LaterSchemaError(
                    f"{safe_url(self.url)} has {recorded.describe()}, which this release "
                    "cannot upgrade"
                )
            try:
                reached = migrations.upgrade(tx.conn, recorded)
            except SQLAlchemyError as exc:
                raise StoreError(
                    f"a migration failed: {_reason(exc)}; nothing was upgraded"
                ) from None
            # The tables must now be what this release creates, before anything is committed.
            schema = check_schema(tx.conn, reached)
            if not schema.ok:
                raise StoreError(
                    f"after the migrations, {schema.differences[0][1]}; nothing was upgraded"
                )
        self.recorded = migrations.Recorded(table=True, values=(reached,))
        return recorded, reached

    # -- writing ------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[WriteTx]:
        """Open one write transaction holding the ledger's append lock.

        Everything done through the yielded `WriteTx` commits together or not at all.

        Raises:
            StoreError: the lock could not be taken, or the commit failed.
        """
        # The register is taken out for this transaction (it may be changed in it) and put
        # back only once the transaction has committed.
        register, self._register = self._register, None
        try:
            with self.engine.connect().execution_options(begin_immediate=True) as conn:
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        conn.execute(text(f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})"))
                    tx = WriteTx(conn, register)
                    yield tx
            self._register = tx.register_after()
        except OperationalError as exc:
            raise StoreError(f"the database is unavailable: {_reason(exc)}") from None
        except DBAPIError as exc:  # a unique seq or prev, a missing privilege, a bad value
            raise StoreError(f"the database refused the write: {_reason(exc)}") from None

    # -- reading ------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Open one read transaction: a consistent snapshot of the ledger."""
        try:
            with self.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    # PostgreSQL's default (read committed) gives each statement a new snapshot;
                    # verify must see entries, blobs and derived rows of one instant.
                    conn = conn.execution_options(
                        isolation_level="REPEATABLE READ", postgresql_readonly=True
                    )
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise StoreError(f"the database is unavailable: {_reason(exc)}") from None
        except DBAPIError as exc:
            raise StoreError(f"the database refused the read: {_reason(exc)}") from None

    def head(self, conn: Connection | None = None) -> Head | None:
        """Return the last entry's position and hash, or None for an empty ledger."""
        if conn is None:
            with self.reading() as own:
                return _head(own)
        return _head(conn)

    def count(self, conn: Connection | None = None) -> int:
        """Return the number of stored entries."""
        if conn is None:
            with self.reading() as own:
                return self.count(own)
        return int(conn.execute(select(func.count()).select_from(ENTRIES)).scalar_one())

    def get(self, seq: int) -> SignedEntry:
        """Return the entry at `seq`.

        Raises:
            EntryNotFoundError: no entry has that seq.
        """
        with self.reading() as conn:
            row = conn.execute(
                select(ENTRIES.c.statement, ENTRIES.c.leaf_hash, ENTRIES.c.signature).where(
                    ENTRIES.c.seq == seq
                )
            ).first()
        if row is None:
            raise EntryNotFoundError(f"no entry with seq {seq}")
        data = bytes(row[0])
        try:
            statement = decode_statement(data)
        except VerificationError as exc:
            exc.seq = seq  # `ledger show` on a damaged entry names it; `ledger verify` says more
            raise
        return SignedEntry(statement, data, row[1], bytes(row[2]))

    def rows(
        self,
        *,
        conn: Connection | None = None,
        since: int = 0,
        until: int | None = None,
        where: dict[str, str] | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> Iterator[StoredRow]:
        """Stream stored rows in seq order; memory does not grow with the ledger.

        Args:
            conn: read inside this transaction (for a consistent snapshot); else a new one.
            since, until: inclusive seq bounds.
            where: equality filters on the columns type, subject, actor, key_id.
        """
        query = select(*(ENTRIES.c[name] for name in ENTRY_COLUMNS))
        if since > 0:  # from 0: every row, and a row a tamperer put before 0 too
            query = query.where(ENTRIES.c.seq >= since)
        if until is not None:
            query = query.where(ENTRIES.c.seq <= until)
        for name, value in (where or {}).items():
            query = query.where(ENTRIES.c[name] == value)
        query = query.order_by(ENTRIES.c.seq.desc() if descending else ENTRIES.c.seq)
        if limit is not None:
            query = query.limit(limit)
        if conn is None:
            with self.reading() as own:
                yield from _stream(own, query)
        else:
            yield from _stream(conn, query)

    def derived_rows(
        self, conn: Connection | None = None, skip: Collection[str] | None = None
    ) -> dict[str, list[Row]]:
        """Return every row of every derived table (but those in `skip`) as plain tuples, as
        stored (a tampered row may hold values of any class), in no particular order."""
        if conn is None:
            with self.reading() as own:
                return self.derived_rows(own, skip)
        return {
            name: [tuple(row) for row in tolerant_rows(conn, select(DERIVED[name]))]
            for name in DERIVED_TABLES
            if skip is None or name not in skip
        }

    def directory(self, conn: Connection | None = None) -> Directory:
        """Load the identity register from the derived tables (within `conn`'s transaction,
        or, without `conn`, a register whose later questions open their own)."""
        if conn is None:
            with self.reading() as own:
                directory = self.directory(own)
            directory.signed_lookup = self.signed_since
            return directory
        return _directory(conn)

    def signed_since(self, key_id: str, since: str, conn: Connection | None = None) -> list[int]:
        """The seqs of the entries signed with `key_id` and recorded at or after `since`
        (fixed-width UTC), ascending."""
        if conn is None:
            with self.reading() as own:
                return self.signed_since(key_id, since, own)
        return _signed_since(conn, key_id, since)

    def blob(self, sha256: str) -> bytes:
        """Return a blob's bytes.

        Raises:
            EntryNotFoundError: no blob has that hash.
        """
        with self.reading() as conn:
            data = conn.execute(select(BLOBS.c.data).where(BLOBS.c.sha256 == sha256)).scalar()
        if data is None:
            raise EntryNotFoundError(f"no blob with hash {sha256}")
        return bytes(data)

    def blob_hashes(self, conn: Connection) -> set[str]:
        """Return the hashes of all stored blobs."""
        return {row[0] for row in tolerant_rows(conn, select(BLOBS.c.sha256))}

    def blobs(self, conn: Connection) -> Iterator[tuple[str, int, bytes]]:
        """Stream every blob as (hash, size, bytes), as stored: `ledger verify` checks each
        value's class (SQLite stores any value in any column)."""
        query = select(BLOBS.c.sha256, BLOBS.c.size, BLOBS.c.data).order_by(BLOBS.c.sha256)
        for row in tolerant_rows(conn, query, yield_per=64):
            yield row[0], row[1], row[2]

    def dump(self, conn: Connection, name: str) -> Iterator[tuple[Any, ...]]:
        """Stream every row of table `name` exactly as stored, in primary-key order."""
        tbl = table_named(name)
        query = select(tbl).order_by(*tbl.primary_key.columns)
        for row in conn.execution_options(stream_results=True, yield_per=COPY_BATCH).execute(query):
            yield tuple(row)


class WriteTx:
    """What may be done inside one append transaction.

    Appends take turns, so the time between taking the lock and committing bounds the
    throughput of all writers together. To keep it short, the store keeps the register (people,
    keys, organs, memberships) of its last append; the next append only replays the entries
    others appended since (one query, usually a few rows) instead of reading those tables.
    """

    def __init__(self, conn: Connection, register: _Register | None = None) -> None:
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
            _attach_procedure(directory, self.conn)
            _attach_signed(directory, self.conn)
            for leaf, data in self._since:
                directory.apply(decode_statement(data))
                if tree is not None:
                    tree.append(bytes.fromhex(leaf))  # its nodes are stored already
            self._tree = tree
        else:
            directory = _directory(self.conn)
        self._register, self._since = None, []
        self._directory = directory
        return directory

    def register_after(self) -> _Register | None:
        """The register to keep once this transaction has committed, if it is known."""
        if self._directory is None:
            # Untouched (only `directory` changes it): still right for its own head, and what
            # was appended since is replayed next time; unless entries were inserted here by a
            # caller that did not keep the register up to date.
            return None if self._inserted is not None else self._register
        head = self._inserted or self._head
        return None if head is None else _Register(head, self._directory, self._tree)

    def _read_head(self) -> Head | None:
        register = self._register
        if register is None:
            return _head(self.conn)
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
            return _head(self.conn)
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


def _entry_values(entry: SignedEntry) -> dict[str, Any]:
    stmt = entry.statement
    return {
        "seq": stmt.seq,
        "leaf_hash": entry.leaf_hash,
        "prev": stmt.prev,
        "type": stmt.type,
        "subject": stmt.subject,
        "occurred_at": stmt.occurred_at,
        "recorded_at": stmt.recorded_at,
        "actor": stmt.actor,
        "key_id": stmt.key,
        "statement": entry.data,
        "signature": entry.signature,
    }


def _head(conn: Connection) -> Head | None:
    query = (
        select(ENTRIES.c.seq, ENTRIES.c.leaf_hash, ENTRIES.c.recorded_at)
        .order_by(ENTRIES.c.seq.desc())
        .limit(1)
    )
    rows = list(tolerant_rows(conn, query))
    return Head(rows[0][0], rows[0][1], rows[0][2]) if rows else None


def _directory(conn: Connection) -> Directory:
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
    _attach_procedure(directory, conn)
    _attach_signed(directory, conn)
    return directory


def _attach_signed(directory: Directory, conn: Connection) -> None:
    """Let a register loaded from derived rows ask, inside the transaction of `conn`, which
    entries a key signed (a revocation must list those it repudiates)."""
    directory.signed_lookup = lambda key_id, since: _signed_since(conn, key_id, since)


def _signed_since(conn: Connection, key_id: str, since: str) -> list[int]:
    query = (
        select(ENTRIES.c.seq)
        .where(ENTRIES.c.key_id == key_id, ENTRIES.c.recorded_at >= since)
        .order_by(ENTRIES.c.seq)
    )
    return [int(seq) for seq in conn.execute(query).scalars()]


def _attach_procedure(directory: Directory, conn: Connection) -> None:
    """Give `directory` an empty procedure state that loads each object on demand, inside
    the transaction of `conn` (an append loads only the objects its entry touches)."""
    state = DERIVED["procedure_state"]

    def load(kind: str, ident: str) -> dict[str, Any] | None:
        query = select(state.c.data).where(state.c.kind == kind, state.c.id == ident)
        found = conn.execute(query).scalar()
        return None if found is None else dict(json.loads(found))

    directory.procedure = Procedure(loader=load)


def _stream(conn: Connection, query: Any) -> Iterator[StoredRow]:
    # Values as stored: the drivers give bytes for BLOB and bytea, but SQLite may hold TEXT or
    # NULL there in a tampered file; `ledger verify` checks each value's class.
    for row in tolerant_rows(conn, query, yield_per=2000, plain=True):
        yield StoredRow._make(row)


def table_names() -> list[str]:
    """Every table of a ledger, in an order that inserts may follow."""
    return [tbl.name for tbl in SQLModel.metadata.sorted_tables]


def table_named(name: str) -> Table:
    """The table called `name`. Raises KeyError for another name."""
    return SQLModel.metadata.tables[name]


def _reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    reason = str(orig if orig is not None else exc).splitlines()[0]
    if getattr(orig, "sqlstate", None) == "42501":  # PostgreSQL: insufficient privilege
        reason += " (the owner of the ledger's tables can give this role access: ledger db grant)"
    return reason


__all__ = ["Head", "SqlStore", "StoredRow", "WriteTx", "table", "table_names"]
