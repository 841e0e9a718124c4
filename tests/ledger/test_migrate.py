"""`ledger migrate`: a ledger copied between backends byte for byte, verified on both sides.

SQLite → (SQLite or PostgreSQL) → SQLite must give back exactly the stored rows of every table.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger import checkpoints
from ledger.app import database
from ledger.cli import app
from ledger.errors import InputError, StoreError, VerificationError
from ledger.store import open_store
from ledger.store.repository import table_names
from ledger.verification import verify_ledger
from tests.backends import Backend, PostgresServer
from tests.builders import LedgerFixture, new_ledger
from tests.tamper import read, sql


def dump(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, exactly as stored, in primary-key order."""
    store = open_store(db)
    try:
        with store.reading() as conn:
            return {name: list(store.dump(conn, name)) for name in table_names()}
    finally:
        store.close()


def sqlite_dump(path: str) -> dict[str, list[tuple[Any, ...]]]:
    """The same, read by Python's sqlite3 module, not by the ledger's code."""
    conn = sqlite3.connect(path)
    try:
        return {
            name: sorted(conn.execute(f"SELECT * FROM {name}").fetchall()) for name in table_names()
        }
    finally:
        conn.close()


def test_round_trip_gives_identical_bytes(
    tmp_path: Path, sample: LedgerFixture, backend: Backend
) -> None:
    """SQLite → this backend → SQLite: every row of every table (statement and signature
    bytes, Merkle nodes, a signed checkpoint included) comes back identical, and all three
    verify to one head and one root."""
    checkpoints.sign_checkpoint(store=sample.store, keys=[sample.keys["li.na"]])
    start = sample.db if sample.db.endswith(".db") else None
    if start is None:  # `sample` was built on PostgreSQL: first bring it to SQLite
        start = str(tmp_path / "start.db")
        database.migrate_ledger(source=sample.db, target=start)
    middle = backend.new_db(tmp_path)
    there = database.migrate_ledger(source=start, target=middle)
    back = str(tmp_path / "back.db")
    home = database.migrate_ledger(source=middle, target=back)

    original = verify_ledger(store=sample.store)
    assert there.head == home.head == original.head
    assert there.root is not None and there.root == home.root == original.tree.root
    assert there.rows == home.rows
    assert there.rows["entries"] == 14 and there.rows["blobs"] == 1
    assert there.rows["checkpoints"] == 1 and there.rows["merkle_nodes"] > 0
    assert sqlite_dump(back) == sqlite_dump(start)
    assert dump(middle) == dump(start) == dump(back)


def test_target_holding_a_ledger_is_left_alone(tmp_path: Path, backend: Backend) -> None:
    """Guards against a migrate that overwrites, or mixes rows into, an existing ledger."""
    source = new_ledger(tmp_path, "source.db")
    target = new_ledger(tmp_path, backend=backend)
    target.register("wang.fang", "王芳")
    before = dump(target.db)
    with pytest.raises(StoreError, match="already"):
        database.migrate_ledger(source=source.db, target=target.db)
    assert dump(target.db) == before


def test_tampered_source_is_not_copied(tmp_path: Path, backend: Backend) -> None:
    """A source that fails verification is refused before anything is created."""
    source = new_ledger(tmp_path, "source.db")
    source.register("wang.fang", "王芳")
    source.store.close()
    sql(source.db, "UPDATE persons SET name = '王小芳' WHERE id = 'wang.fang';")
    target = backend.new_db(tmp_path)
    with pytest.raises(VerificationError, match=r"\[derived\] seq 1"):
        database.migrate_ledger(source=source.db, target=target)
    if backend.name == "sqlite":
        assert not Path(target).exists()
    else:
        assert read(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_same_database_twice_is_refused(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
    with pytest.raises(InputError, match="same database"):
        database.migrate_ledger(source=ledger.db, target=f"sqlite:///{ledger.db}")


@pytest.mark.postgres
def test_a_copy_that_fails_half_way_leaves_no_target(tmp_path: Path, pg_backend: Backend) -> None:
    """Guards against a half-made target: the server fails an insert in the middle of the copy
    (as a full disk would; here an event trigger arms a failing row trigger on `persons` when
    the copy creates it); the copy fails with a store error, the target keeps no table, and a
    later copy of the same ledger into it works."""
    source = new_ledger(tmp_path, "source.db")
    source.register("wang.fang", "王芳")
    target = pg_backend.new_db(tmp_path)
    server = PostgresServer.get()
    server.run(target, FAIL_ON_PERSONS)
    with pytest.raises(StoreError, match="simulated failure in the middle of the copy"):
        database.migrate_ledger(source=source.db, target=target)
    assert read(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    server.run(target, "DROP EVENT TRIGGER arm_failure; DROP FUNCTION arm_failure();")
    assert database.migrate_ledger(source=source.db, target=target).entries == 3


FAIL_ON_PERSONS = """
CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'simulated failure in the middle of the copy'; END $$;
CREATE FUNCTION arm_failure() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands()
             WHERE object_identity = 'public.persons') THEN
    EXECUTE 'CREATE TRIGGER fail_insert BEFORE INSERT ON public.persons '
            'FOR EACH ROW EXECUTE FUNCTION fail_insert()';
  END IF;
END $$;
CREATE EVENT TRIGGER arm_failure ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION arm_failure();
"""


@pytest.mark.postgres
def test_migrate_command(tmp_path: Path, pg_backend: Backend) -> None:
    """`ledger migrate` as a person runs it: a summary on stdout, table counts on stderr, the
    password of neither URL anywhere; a second run into the same target exits 4."""
    source = new_ledger(tmp_path, "source.db")
    source.register("wang.fang", "王芳")
    target = pg_backend.new_db(tmp_path)
    password = PostgresServer.get().admin_url(target).split(":")[2].split("@")[0]
    runner = CliRunner()
    result = runner.invoke(app, ["migrate", "--from", source.db, "--to", target])
    assert result.exit_code == 0, result.output
    report = verify_ledger(store=source.store)
    assert result.stdout == (
        f"ok: 3 entries copied; both verify to head {report.head}, Merkle root {report.tree.root}\n"
    )
    assert "entries: 3 rows" in result.stderr
    assert password not in result.output
    again = runner.invoke(app, ["migrate", "--from", source.db, "--to", target])
    assert again.exit_code == 4
    assert "already holds a ledger" in again.stderr and password not in again.output
