"""SqlStore: entries, blobs and derived rows over SQLAlchemy Core, one transaction per append.

The rows it reads are in `ledger.store.rows`; what an append transaction may do is
`ledger.store.write.WriteTx`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import SQLModel

from ledger.authority import DERIVED_TABLES, Directory, Row
from ledger.entry import SignedEntry, decode_statement
from ledger.errors import (
    EntryNotFoundError,
    LaterSchemaError,
    LedgerNotFoundError,
    OutdatedSchemaError,
    StoreError,
    VerificationError,
)
from ledger.store import migrations
from ledger.store.engine import make_engine, safe_url, sqlite_path, tolerant_rows
from ledger.store.rows import (
    ENTRY_COLUMNS,
    Head,
    Register,
    StoredRow,
    load_directory,
    read_head,
    signed_since,
    stream_rows,
)
from ledger.store.schema import append_only_sql, check_schema
from ledger.store.tables import (
    AUTHENTICATED,
    BLOBS,
    DERIVED,
    ENTRIES,
    SCHEMA_VERSION,
    table,
    table_named,
    table_names,
)
from ledger.store.write import COPY_BATCH, WriteTx

# PostgreSQL: every append transaction takes this transaction-scoped advisory lock (one per
# database) before it reads the head, so appenders on any number of machines take turns.
APPEND_LOCK_KEY = 7130713


class SqlStore:
    """A ledger stored in a SQL database (SQLite file by default)."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._register: Register | None = None
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
            head = read_head(tx.conn)
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
                return read_head(own)
        return read_head(conn)

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
                yield from stream_rows(own, query)
        else:
            yield from stream_rows(conn, query)

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
        return load_directory(conn)

    def signed_since(self, key_id: str, since: str, conn: Connection | None = None) -> list[int]:
        """The seqs of the entries signed with `key_id` and recorded at or after `since`
        (fixed-width UTC), ascending."""
        if conn is None:
            with self.reading() as own:
                return self.signed_since(key_id, since, own)
        return signed_since(conn, key_id, since)

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


def _reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    reason = str(orig if orig is not None else exc).splitlines()[0]
    if getattr(orig, "sqlstate", None) == "42501":  # PostgreSQL: insufficient privilege
        reason += " (the owner of the ledger's tables can give this role access: ledger db grant)"
    return reason


__all__ = [
    "ENTRY_COLUMNS",
    "Head",
    "SqlStore",
    "StoredRow",
    "WriteTx",
    "table",
    "table_named",
    "table_names",
]
