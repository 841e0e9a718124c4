"""The two backends the store, verify, tamper, concurrency and crash tests run on.

SQLite: a new file under the test's directory. PostgreSQL: a new database on the server that
`LEDGER_TEST_PG_URL` names (a superuser's URL; `.ci/with-postgres` starts such a server), one
per ledger, dropped afterwards. A PostgreSQL ledger is created by that superuser (the owner, the
administrator of the threat model) and then used, as recorders would, by the application role
that `ledger db grant` gave INSERT and SELECT only: `LEDGER_TEST_PG_APP_ROLE` (with
`LEDGER_TEST_PG_APP_PASSWORD`), or a role the tests make.

Without `LEDGER_TEST_PG_URL`, the session starts a throwaway server itself when PostgreSQL's
binaries are on this machine (tests/pg_server.py); with neither, the PostgreSQL tests are skipped,
unless `LEDGER_REQUIRE_PG=1` (as CI sets) makes them fail.
"""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy.engine import make_url

from ledger.app import database
from tests.pg_server import INSTALL_HINT

PG_URL_ENV = "LEDGER_TEST_PG_URL"
SKIP_REASON = f"PostgreSQL tests: {INSTALL_HINT}"
DB_PREFIX = "ledger_test_"


class Backend(Protocol):
    """Where a test's ledgers live."""

    name: str

    def new_db(self, directory: Path) -> str:
        """A fresh, empty place for `init` (a path or a URL for its owner)."""
        ...

    def recorder_db(self, db: str) -> str:
        """After `init` at `db`: the location recorders use (the same, or as the app role)."""
        ...

    def discard(self, db: str) -> None:
        """Remove a ledger made by `new_db` (every one is removed at `close` anyway)."""
        ...

    def close(self) -> None:
        """Remove every ledger this backend made."""
        ...


class SqliteBackend:
    name = "sqlite"

    def new_db(self, directory: Path) -> str:
        return str(directory / f"ledger-{uuid.uuid4().hex[:8]}.db")

    def recorder_db(self, db: str) -> str:
        return db

    def discard(self, db: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        pass  # the files live under the test's tmp_path


def pg_available() -> bool:
    """Whether the PostgreSQL tests can run here; raises if CI requires them and they can't."""
    if os.environ.get(PG_URL_ENV):
        return True
    if os.environ.get("LEDGER_REQUIRE_PG") == "1":
        raise RuntimeError(f"LEDGER_REQUIRE_PG=1 but {PG_URL_ENV} is not set")
    return False


class PostgresServer:
    """The test server: a superuser connection for creating and dropping databases."""

    _lock = threading.Lock()
    _instance: PostgresServer | None = None

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.admin = psycopg.connect(libpq_url(url), autocommit=True)
        role = os.environ.get("LEDGER_TEST_PG_APP_ROLE")
        password = os.environ.get("LEDGER_TEST_PG_APP_PASSWORD")
        if not role or not password:
            role, password = "ledger_test_app", secrets.token_hex(16)
            exists = self.admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            verb = "ALTER" if exists.fetchone() else "CREATE"
            self.admin.execute(f"{verb} ROLE {role} LOGIN PASSWORD '{password}'")
        self.app_role, self.app_password = role, password

    @classmethod
    def get(cls) -> PostgresServer:
        """The one server of this test session. Skips (or fails, in CI) without one."""
        if not pg_available():
            pytest.skip(SKIP_REASON)
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls(os.environ[PG_URL_ENV])
            return cls._instance

    def admin_url(self, db: str) -> str:
        """The superuser's URL for the database that `db` (any role's URL) names."""
        return (
            make_url(self.url)
            .set(database=make_url(db).database)
            .render_as_string(hide_password=False)
        )

    def create_database(self) -> str:
        name = DB_PREFIX + uuid.uuid4().hex[:16]
        self.admin.execute(f"CREATE DATABASE {name}")
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, db: str) -> None:
        name = make_url(db).database
        assert name is not None and name.startswith(DB_PREFIX)
        self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def run(self, db: str, script: str) -> None:
        """Run SQL on `db` as the superuser."""
        import psycopg

        with psycopg.connect(libpq_url(self.admin_url(db)), autocommit=True) as conn:
            conn.execute(script.encode())

    def read(self, db: str, query: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(libpq_url(self.admin_url(db)), autocommit=True) as conn:
            return conn.execute(query.encode()).fetchall()


class PostgresBackend:
    name = "postgresql"

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.made: list[str] = []

    def new_db(self, directory: Path) -> str:
        db = self.server.create_database()
        self.made.append(db)
        return db

    def recorder_db(self, db: str) -> str:
        database.grant_statements(db=db, role=self.server.app_role, execute=True)
        url = make_url(db).set(username=self.server.app_role, password=self.server.app_password)
        return url.render_as_string(hide_password=False)

    def discard(self, db: str) -> None:
        self.server.drop_database(db)

    def close(self) -> None:
        for db in self.made:
            self.server.drop_database(db)
        self.made.clear()


def make_backend(name: str) -> Backend:
    """A backend by name; the PostgreSQL one skips (or fails in CI) without a server."""
    if name == "sqlite":
        return SqliteBackend()
    return PostgresBackend(PostgresServer.get())


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as libpq (psql, psycopg) takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# A test of what only one backend has (SQLite's typeless columns, PostgreSQL's TRUNCATE or row-level
# security) runs on that backend alone, rather than being collected for both and skipped on one.
SQLITE_ONLY = pytest.mark.parametrize("backend", BACKENDS[:1], indirect=True)
POSTGRES_ONLY = pytest.mark.parametrize("backend", BACKENDS[1:], indirect=True)
