"""Engines from URLs: the SQLite default with durable settings, PostgreSQL (psycopg 3) as an
option for several recorders on several machines."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Executable, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from ledger.errors import ConfigError

BUSY_TIMEOUT_MS = 120_000
IDLE_IN_TRANSACTION_MS = 60_000
POSTGRES_SCHEME = "postgresql+psycopg"


def url_for(db: str) -> str:
    """Turn a `--db` value (a path or a URL) into a SQLAlchemy URL.

    Raises:
        ConfigError: an empty value or an unsupported scheme.
    """
    if not db:
        raise ConfigError("no database given (use --db or LEDGER_DB)")
    if "://" in db:
        scheme, rest = db.split("://", 1)
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            return f"{POSTGRES_SCHEME}://{rest}"  # psycopg 3 is the one PostgreSQL driver
        if scheme != "sqlite":
            raise ConfigError(
                f"unsupported database URL scheme {scheme!r}: use a file path, sqlite:///PATH "
                f"or {POSTGRES_SCHEME}://USER@HOST/DATABASE"
            )
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def safe_url(db: str) -> str:
    """A database path or URL fit for a message or a log: never the user or password."""
    if "@" in db and "://" in db:
        scheme, rest = db.split("://", 1)
        return f"{scheme}://…@{rest.rsplit('@', 1)[1]}"
    return db


def is_postgres(url: str) -> bool:
    """Whether `url` (as returned by `url_for`) names a PostgreSQL database."""
    return url.startswith(f"{POSTGRES_SCHEME}://")


def sqlite_path(url: str) -> Path | None:
    """Return the file of a `sqlite:///` URL, or None for another backend or memory."""
    if not url.startswith("sqlite:///") or url in ("sqlite://", "sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def make_engine(url: str) -> Engine:
    """Build an engine for `url`. Nothing is opened until first use.

    SQLite runs in WAL mode with `synchronous=FULL` (a commit survives power loss) and waits
    for the write lock instead of failing. A connection whose execution options carry
    `begin_immediate=True` takes the write lock at BEGIN, which serialises appenders.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 120})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(
            url,
            pool_pre_ping=True,  # a recorder's long session survives a server restart
            connect_args={
                "application_name": "decision-ledger",
                "connect_timeout": 15,
                # Like SQLite's busy timeout: wait for the append lock, but not for ever; and
                # a recorder that vanishes mid-transaction loses its session (and the lock).
                "options": f"-c lock_timeout={BUSY_TIMEOUT_MS} "
                f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}",
            },
        )
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"{url.split('://')[0]} needs the database driver {exc.name!r}, which is not "
            "installed (for PostgreSQL: pip install 'psycopg[binary]')"
        ) from None


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so we choose IMMEDIATE or DEFERRED.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Each transaction starts decoding TEXT strictly again (see `tolerant_rows`).
    connection.connection.dbapi_connection.text_factory = str
    immediate = connection.get_execution_options().get("begin_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def tolerant_rows(
    conn: Connection,
    query: Executable,
    params: Mapping[str, Any] | None = None,
    *,
    yield_per: int | None = None,
    plain: bool = False,
) -> Iterator[Sequence[Any]]:
    """Execute `query` and yield its rows, streamed when `yield_per` is given, even where SQLite
    holds TEXT that is not UTF-8.

    The sqlite3 shell stores any bytes as TEXT (`CAST(X'ff' AS TEXT)`), and Python's driver
    refuses to decode them. On the first such value, the rest of the transaction decodes TEXT
    leniently (each bad byte becomes a lone surrogate, which compares unequal to any valid text
    and shows as an escape in a message), and the query runs again, skipping the rows already
    yielded (the same snapshot in the same order). Valid text costs nothing extra. `ledger
    verify` reads through this so that such a row is a named failure, not a crash.

    With `plain`, rows on SQLite are the driver's tuples, values as stored (see
    `_plain_sqlite_rows`); on PostgreSQL they are SQLAlchemy's rows as without it.
    """
    if plain and conn.dialect.name == "sqlite":
        yield from _plain_sqlite_rows(conn, query, params, yield_per or 2000)
        return
    options = {"stream_results": True, "yield_per": yield_per} if yield_per else None
    done = 0
    while True:
        try:
            for index, row in enumerate(conn.execute(query, params, execution_options=options)):
                if index >= done:
                    done += 1
                    yield row
            return
        except OperationalError as exc:
            if not _lenient_from_now(conn, str(exc.orig)):
                raise


def _lenient_from_now(conn: Connection, error: str) -> bool:
    """After SQLite's driver failed to decode stored TEXT (`error`), decode TEXT leniently for
    the rest of the transaction; False if that was not the failure, or was already done."""
    raw: Any = conn.connection.dbapi_connection
    if "Could not decode to UTF-8" not in error or raw is None or raw.text_factory is _lenient_text:
        return False
    raw.text_factory = _lenient_text
    return True


def _plain_sqlite_rows(
    conn: Connection, query: Executable, params: Mapping[str, Any] | None, size: int
) -> Iterator[Sequence[Any]]:
    """`tolerant_rows` on SQLite's own cursor, in the transaction of `conn`, as plain tuples:
    SQLAlchemy's row objects cost about as much as reading the row (`ledger verify` reads every
    entry and every cached node). Only for queries whose columns need no result processing."""
    if not isinstance(query, ClauseElement):
        raise TypeError("a plain read takes a SELECT")
    compiled = query.compile(dialect=conn.dialect)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError("a plain read takes a SELECT")
    bound = {**compiled.params, **(params or {})}
    values = [bound[name] for name in compiled.positiontup or ()]
    sql = str(compiled)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    done = 0
    try:
        while True:
            try:
                cursor.execute(sql, values)
                index = 0
                while batch := cursor.fetchmany(size):
                    for row in batch:
                        if index >= done:
                            done += 1
                            yield row
                        index += 1
                return
            except sqlite3.Error as exc:
                if isinstance(exc, sqlite3.OperationalError) and _lenient_from_now(conn, str(exc)):
                    continue
                # As SQLAlchemy would have raised it (a damaged file: DatabaseError), so that
                # the store's readers report it as they report any other driver error.
                raise DBAPIError.instance(sql, values, exc, sqlite3.Error) from exc
    finally:
        with suppress(sqlite3.Error):  # the connection may be gone with the failure
            cursor.close()
