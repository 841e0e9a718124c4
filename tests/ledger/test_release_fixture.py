"""A ledger recorded by release 0.1.0 is named as such by every command, upgrades with `ledger db
upgrade` on SQLite and on PostgreSQL, and then opens, verifies and is reported on."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from ledger.cli import app
from ledger.errors import StoreError
from ledger.store import create_store, open_store
from ledger.store.migrations import HEAD, VERSION_TABLE
from ledger.store.postgres import grant_sql
from ledger.store.repository import table_names
from tests.backends import Backend, PostgresBackend
from tests.tamper import sql

FIXTURE = Path(__file__).parent.parent / "fixtures" / "release-0.1.0" / "demo.sqlite3"
HEAD_HASH = "11599e702fbe48fe2642eb924430fd413e13619ccdbbfac5b3c72b25bf0dfbe2"


@pytest.fixture
def old_ledger(tmp_path: Path) -> Path:
    copy = tmp_path / "ledger.db"
    shutil.copyfile(FIXTURE, copy)
    return copy


def run(db: str | Path, *args: str) -> Result:
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def dump(db: Path) -> list[str]:
    """Every table, row and trigger of a SQLite file, as SQL."""
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def assert_verifies(db: str | Path) -> None:
    result = run(db, "verify", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report["failures"]
    assert (report["ok"], report["entries"], report["blobs"], report["head"]) == (
        True,
        373,
        42,
        HEAD_HASH,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("log",),
        ("decisions",),
        ("show", "0"),
        ("checkpoint", "--verifier-key"),
        ("tui",),
        ("migrate", "--from", "{db}", "--to", "{dir}/copy.db"),
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_release_0_1_0_ledger_names_the_upgrade(old_ledger: Path, command: tuple[str, ...]) -> None:
    """Every command that opens the old ledger says, in one error line, what to run: no
    traceback, no report on a schema it does not know, nothing written."""
    before = dump(old_ledger)
    args = [part.format(db=old_ledger, dir=old_ledger.parent) for part in command]
    result = run(old_ledger, *args)
    assert result.exit_code == 8, result.output
    line = result.stderr.splitlines()[-1]  # `migrate` says what it copies first
    assert line.startswith("error: ") and len(result.stderr.splitlines()) <= 2
    assert "earlier release" in line and "run `ledger db upgrade`" in line, line
    assert dump(old_ledger) == before
    assert not (old_ledger.parent / "copy.db").exists()


def test_release_0_1_0_ledger_verifies_as_it_is(old_ledger: Path) -> None:
    """An auditor's copy needs no upgrade: `ledger verify` checks the ledger against release
    0.1.0's tables, says so, and writes nothing."""
    before = dump(old_ledger)
    assert_verifies(old_ledger)
    result = run(old_ledger, "verify")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        "its tables are release 0.1.0's schema (no revision recorded), verified as such; "
        "`ledger db upgrade` brings them to this release's"
    )
    assert dump(old_ledger) == before
    report = json.loads(run(old_ledger, "verify", "--json").stdout)
    assert report["ok"] is True
    assert report["schema"] == {
        "recorded": "release 0.1.0's schema (no revision recorded)",
        "state": "older",
        "layout": None,
    }


def test_release_0_1_0_ledger_with_a_dropped_trigger_fails_verification(old_ledger: Path) -> None:
    """Verified as release 0.1.0's tables, not taken on their word: a trigger dropped from the
    old ledger is a failure."""
    conn = sqlite3.connect(old_ledger)
    try:
        conn.execute("DROP TRIGGER entries_no_update")
        conn.commit()
    finally:
        conn.close()
    result = run(old_ledger, "verify")
    assert result.exit_code == 3, result.output
    assert "entries_no_update" in result.stderr


def test_release_0_1_0_demo_upgrades_then_verifies(old_ledger: Path) -> None:
    """The acceptance on SQLite: upgrade, verify, report on it; a second upgrade is a no-op."""
    result = run(old_ledger, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "ok: upgraded from release 0.1.0's schema (no revision recorded) to revision "
        f"{HEAD} (373 entries verified, head {HEAD_HASH})\n"
    )
    assert_verifies(old_ledger)
    after = dump(old_ledger)
    again = run(old_ledger, "db", "upgrade")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"ok: already at revision {HEAD} (373 entries verified")
    assert dump(old_ledger) == after
    reported = run(old_ledger, "decisions")
    assert reported.exit_code == 0, reported.stderr
    assert "d2020-01" in reported.stdout and "d2020-05" in reported.stdout


def test_upgrade_of_a_tampered_ledger_is_refused_and_changes_nothing(old_ledger: Path) -> None:
    sql(str(old_ledger), "UPDATE blobs SET size = size + 1 WHERE rowid = 3;")
    before = dump(old_ledger)
    result = run(old_ledger, "db", "upgrade")
    assert result.exit_code == 3, result.output
    assert "fails verification: [blob]" in result.stderr
    assert "nothing was upgraded" in result.stderr
    assert dump(old_ledger) == before
    assert run(old_ledger, "log").exit_code == 8  # still the old schema


def test_upgrade_refuses_a_ledger_that_moved_since_it_was_verified(old_ledger: Path) -> None:
    """The migrations run only on the head that was verified (an append in between would
    otherwise be upgraded unverified)."""
    store = open_store(str(old_ledger), older=True)
    try:
        with pytest.raises(StoreError, match="changed while it was being verified"):
            store.upgrade("0" * 64)
    finally:
        store.close()
    assert run(old_ledger, "log").exit_code == 8  # nothing was upgraded


# -- PostgreSQL ----------------------------------------------------------------------------------


def release_ledger_on(backend: Backend, directory: Path) -> str:
    """The fixture's rows in a ledger of `backend` laid out as release 0.1.0 laid it out (its
    tables, no version table), copied row by row as `ledger migrate` copies."""
    db = backend.new_db(directory)
    source = open_store(str(FIXTURE), older=True)
    target = create_store(db)
    try:
        with source.reading() as snapshot, target.writing() as tx:
            for name in table_names():
                if name != VERSION_TABLE:
                    tx.load(name, source.dump(snapshot, name))
            tx.conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
    finally:
        source.close()
        target.close()
    return db


@pytest.mark.postgres
def test_release_0_1_0_demo_upgrades_on_postgresql(pg_backend: Backend, tmp_path: Path) -> None:
    """The acceptance on PostgreSQL: the old layout gives the message (and verifies as it
    is), the owner upgrades it,
    it verifies, a second upgrade is a no-op, and the recorders' role reads it once granted
    again (until then it is told so)."""
    db = release_ledger_on(pg_backend, tmp_path)
    assert isinstance(pg_backend, PostgresBackend)
    server = pg_backend.server
    # the recorders' role as release 0.1.0's `ledger db grant` left it
    granted = [line for line in grant_sql(db, server.app_role) if VERSION_TABLE not in line]
    server.run(db, ";".join(granted))
    recorder = make_url(db).set(username=server.app_role, password=server.app_password)
    as_recorder = recorder.render_as_string(hide_password=False)
    refused = run(db, "log")
    assert refused.exit_code == 8 and "run `ledger db upgrade`" in refused.stderr
    assert_verifies(db)  # as release 0.1.0's tables, before the upgrade
    result = run(db, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: upgraded from release 0.1.0's schema")
    assert_verifies(db)
    again = run(db, "db", "upgrade")
    assert again.exit_code == 0 and again.stdout.startswith(f"ok: already at revision {HEAD}")
    ungranted = run(as_recorder, "log")
    assert ungranted.exit_code == 4 and "ledger db grant" in ungranted.stderr
    assert pg_backend.recorder_db(db) == as_recorder  # the grant, run again
    assert_verifies(as_recorder)
    assert run(as_recorder, "decisions").exit_code == 0


@pytest.mark.postgres
def test_upgrade_of_a_tampered_ledger_is_refused_on_postgresql(
    pg_backend: Backend, tmp_path: Path
) -> None:
    db = release_ledger_on(pg_backend, tmp_path)
    sql(db, "UPDATE entries SET subject = 'x' WHERE seq = 7;")
    result = run(db, "db", "upgrade")
    assert result.exit_code == 3, result.output
    assert "seq 7" in result.stderr and "nothing was upgraded" in result.stderr
    assert run(db, "log").exit_code == 8  # no version table was made
