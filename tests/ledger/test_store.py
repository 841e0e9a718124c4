"""The store on both backends: what the database itself refuses, snapshot reads, locations.

The PostgreSQL cases run against the real server of `LEDGER_TEST_PG_URL` (see tests/backends.py),
as the application role that `ledger db grant` set up, and as the superuser who owns the tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from ledger.app import Ledger, entries
from ledger.append import Draft, append_entry
from ledger.entry import Statement, format_utc
from ledger.errors import ConfigError, LedgerNotFoundError, RefusedError, StoreError
from ledger.store import create_store, open_store, url_for
from ledger.store.postgres import grant_sql
from ledger.verification import verify_ledger
from tests.backends import Backend, PostgresServer, libpq_url
from tests.builders import LedgerFixture, new_ledger, seeded_key
from tests.ledger.test_concurrency import ROOT, spawn_appender, wait_ready
from tests.tamper import forge_append, read

PG = pytest.mark.postgres


def _statement_after(ledger: LedgerFixture, *, seq: int, prev: str, text: str) -> Statement:
    head = ledger.store.head()
    assert head is not None
    last = ledger.store.get(head.seq).statement
    return replace(
        last,
        seq=seq,
        prev=prev,
        type="note",
        subject="meeting-1",
        recorded_at=format_utc(ledger.clock()),
        actor="li.na",
        key=ledger.keys["li.na"].key_id,
        body={"text": text},
    )


def test_a_fork_is_refused_by_unique_seq_and_prev(tmp_path: Path, backend: Backend) -> None:
    """Guards the last line of defence: even an appender that skipped the lock (here, rows
    written straight into the table) cannot add a second entry at a taken seq, nor a second
    child of an entry; the database refuses both and the ledger still verifies."""
    ledger = new_ledger(tmp_path, backend=backend)
    ledger.register("wang.fang", "王芳")
    head = ledger.store.head()
    assert head is not None
    before = ledger.store.get(head.seq - 1)
    same_seq = _statement_after(ledger, seq=head.seq, prev=before.leaf_hash, text="分叉一")
    same_prev = _statement_after(ledger, seq=head.seq + 1, prev=before.leaf_hash, text="分叉二")
    for stmt in (same_seq, same_prev):
        with pytest.raises(AssertionError, match="(?i)unique|duplicate"):
            forge_append(ledger.db, stmt, ledger.keys["li.na"])
    assert ledger.store.head() == head
    assert verify_ledger(store=ledger.store).ok


def test_verify_reads_one_snapshot_while_others_append(tmp_path: Path, backend: Backend) -> None:
    """Guards against a verify that reads entries, blobs and derived rows at different
    moments while another process appends (PostgreSQL's default isolation would): it must
    never report a failure in a sound ledger, and must see a whole prefix of the chain. Each
    append registers a person, so the derived tables change with every entry."""
    ledger = new_ledger(tmp_path, backend=backend)
    ready, start = tmp_path / "ready", tmp_path / "start"
    proc = spawn_appender(ledger.db, "li.na", 300, ready=ready, start=start, register=True)
    try:
        wait_ready(proc, ready)
        start.touch()
        seen: list[int] = []
        while proc.poll() is None or not seen:
            report = verify_ledger(store=ledger.store)
            assert report.ok, report.to_json()
            seen.append(report.entries)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert seen == sorted(seen)
    assert len(seen) > 3, seen
    assert verify_ledger(store=ledger.store).entries == 301


@PG
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE entries SET subject = 'x' WHERE seq = 1",
        "DELETE FROM entries WHERE seq = 2",
        "TRUNCATE entries",
        "UPDATE blobs SET size = 0",
        "DELETE FROM blobs",
        "TRUNCATE blobs",
        "ALTER TABLE entries DISABLE TRIGGER USER",
        "DROP TRIGGER entries_no_change ON entries",
        "DROP TABLE entries",
    ],
)
def test_the_app_role_cannot_change_signed_rows(
    tmp_path: Path, pg_backend: Backend, statement: str
) -> None:
    """Guards the grant: connected as the application role (which appends and reads), the
    server itself refuses any change to entries and blobs, and any way round the triggers."""
    ledger = new_ledger(tmp_path, backend=pg_backend)
    entries.add_blob(Ledger(ledger.store), b"minutes")
    ledger.register("wang.fang", "王芳")
    assert make_url(ledger.db).username == PostgresServer.get().app_role
    before = read(ledger.db, "SELECT count(*), sum(length(statement)) FROM entries")
    with (
        psycopg.connect(libpq_url(ledger.db), autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement.encode())
    assert read(ledger.db, "SELECT count(*), sum(length(statement)) FROM entries") == before
    assert read(ledger.db, "SELECT count(*) FROM blobs") == [(1,)]
    assert verify_ledger(store=ledger.store).ok


@PG
def test_grant_is_idempotent_and_narrow(tmp_path: Path, pg_backend: Backend) -> None:
    """Guards against a grant that leaves earlier, wider privileges in place: after UPDATE was
    granted by hand, `ledger db grant` takes it back; running it twice changes nothing."""
    ledger = new_ledger(tmp_path, backend=pg_backend)
    server = PostgresServer.get()
    role = server.app_role
    server.run(ledger.db, f"GRANT ALL ON entries TO {role}")
    owner = server.admin_url(ledger.db)
    for _ in range(2):
        assert service_grant(owner, role)
    rows = read(
        ledger.db,
        "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
        f"FROM information_schema.role_table_grants WHERE grantee = '{role}' "
        "GROUP BY table_name ORDER BY table_name",
    )
    privileges = {str(table): str(granted) for table, granted in rows}
    assert privileges["entries"] == privileges["blobs"] == "INSERT,SELECT"
    assert privileges["persons"] == "DELETE,INSERT,SELECT,UPDATE"


@PG
def test_grant_refuses_a_role_that_could_still_change_rows(
    tmp_path: Path, pg_backend: Backend
) -> None:
    """Guards against a grant that reports success while the role can still change signed
    rows through PUBLIC; and against a grant by a role that does not own the tables (which
    PostgreSQL answers with a mere warning)."""
    ledger = new_ledger(tmp_path, backend=pg_backend)
    server = PostgresServer.get()
    owner = server.admin_url(ledger.db)
    server.run(ledger.db, "GRANT UPDATE ON blobs TO PUBLIC")
    with pytest.raises(StoreError, match="would still be allowed to UPDATE blobs"):
        service_grant(owner, server.app_role)
    server.run(ledger.db, "REVOKE UPDATE ON blobs FROM PUBLIC")
    with pytest.raises(StoreError, match="only the owner"):
        service_grant(ledger.db, server.app_role)  # connected as the app role itself


def service_grant(db: str, role: str) -> list[str]:
    from ledger.app import database

    return database.grant_statements(db=db, role=role, execute=True)


def test_grant_sql_names_every_table() -> None:
    """The printed SQL covers every table of the schema, signed ones INSERT and SELECT only."""
    statements = grant_sql("postgresql+psycopg://owner@db.example/bureau", "ledger_app")
    assert statements[0] == 'GRANT CONNECT ON DATABASE "bureau" TO "ledger_app"'
    assert 'GRANT SELECT, INSERT ON TABLE "entries" TO "ledger_app"' in statements
    assert 'GRANT SELECT, INSERT ON TABLE "blobs" TO "ledger_app"' in statements
    assert 'REVOKE ALL ON TABLE "entries" FROM "ledger_app"' in statements
    assert not [s for s in statements if "entries" in s and "UPDATE" in s]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_urls(given: str, expected: str) -> None:
    """PostgreSQL URLs of any spelling use psycopg 3, the one driver installed."""
    assert url_for(given) == expected


def test_unknown_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mysql"):
        url_for("mysql://u@h/db")


@PG
def test_missing_database_names_it_without_the_password(pg_backend: Backend) -> None:
    """A wrong database name is a clear store error that never shows the password."""
    url = make_url(PostgresServer.get().url).set(database="no_such_ledger_db")
    secret = url.password
    assert secret
    with pytest.raises(StoreError) as raised:
        open_store(url.render_as_string(hide_password=False))
    message = raised.value.diagnostics()
    assert "no_such_ledger_db" in message and "does not exist" in message
    assert str(secret) not in message


def test_an_empty_database_is_no_ledger(tmp_path: Path, backend: Backend) -> None:
    """Opening a database that holds no ledger says so (exit 4), and creating a ledger next to
    tables of the same names is refused rather than mixed in."""
    db = backend.new_db(tmp_path)
    if backend.name == "sqlite":
        Path(db).write_bytes(b"")
        with pytest.raises(LedgerNotFoundError):
            open_store(db)
        return
    with pytest.raises(LedgerNotFoundError, match="holds no ledger"):
        open_store(db)
    PostgresServer.get().run(db, "CREATE TABLE persons (id text)")
    with pytest.raises(StoreError, match="already has tables named persons"):
        create_store(db)
    assert read(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'entries'") == [(0,)]


@PG
def test_ledger_cli_on_postgres_as_recorders_use_it(tmp_path: Path, pg_backend: Backend) -> None:
    """The real `ledger` command on a PostgreSQL URL: log and verify as the app role."""
    ledger = new_ledger(tmp_path, backend=pg_backend)
    ledger.register("wang.fang", "王芳")
    env = dict(os.environ, LEDGER_DB=ledger.db)
    for args, expected in ((["log"], "key.bound"), (["verify"], "ok: 3 entries")):
        result = subprocess.run(
            [str(Path(sys.executable).parent / "ledger"), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout


def test_each_append_sees_what_other_writers_recorded(tmp_path: Path, backend: Backend) -> None:
    """Guards the register a store keeps between its appends: after another connection (as
    another machine would) revokes a key and registers a person, this store's next appends
    must refuse the revoked key and know the new person."""
    ledger = new_ledger(tmp_path, backend=backend)
    wang = ledger.register("wang.fang", "王芳")
    first = ledger.note("wang.fang", "第一条")  # this store now keeps its register
    other = open_store(ledger.db)
    try:
        # backdated before the note: the other writer's register must know the note to list it
        revoke = {
            "key_id": wang.key_id,
            "effective_at": "2020-01-01T00:00:00Z",
            "reason": "离职",
            "repudiates": [first.seq],
        }
        for entry_type, subject, body in (
            ("key.revoked", "wang.fang", revoke),
            ("person.registered", "zhao.lei", {"name": "赵磊"}),
        ):
            draft = Draft(entry_type, subject, body, "li.na", ledger.keys["li.na"])
            append_entry(store=other, draft=draft, now=ledger.clock())
    finally:
        other.close()
    with pytest.raises(RefusedError, match="revoked"):
        ledger.note("wang.fang", "吊销之后")
    ledger.bind("zhao.lei", seeded_key("zhao.lei"))
    ledger.note("zhao.lei", "新人")
    report = verify_ledger(store=ledger.store)
    assert report.ok and report.entries == 8
