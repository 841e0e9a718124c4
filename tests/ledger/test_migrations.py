"""Schema revisions: the chain Alembic finds, the facts kept for each revision, migrations run
in the caller's one transaction on both backends, and a version table that names another
revision than this release's: refused by every command, reported by verify."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, select, text
from typer.testing import CliRunner, Result

from ledger.cli import app
from ledger.store import SqlStore, create_store, migrations
from ledger.store.migrations import HEAD, REVISIONS, VERSION_TABLE, VERSIONS
from ledger.store.schema import SNAPSHOTS, actual_facts, check_schema, snapshot
from ledger.store.tables import SCHEMA_VERSION
from tests.backends import Backend, SqliteBackend
from tests.builders import new_ledger
from tests.tamper import sql

# A revision after the head, for the machinery alone: it is never shipped.
EXTRA = """
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "{down}"


def upgrade() -> None:
    op.create_table("ledger_test_extra", sa.Column("id", sa.Integer, primary_key=True))
    {then}


def downgrade() -> None:
    pass
"""


def test_the_declared_revisions_are_alembics_chain() -> None:
    assert migrations.chain() == list(REVISIONS)


def test_the_heads_facts_are_kept_for_later_releases() -> None:
    """A later revision needs this one's facts to verify a ledger before upgrading it."""
    assert (SNAPSHOTS / f"{HEAD}.json").read_text("utf-8") == snapshot(), (
        "regenerate with: python -c 'from ledger.store.schema import snapshot; print(snapshot(), "
        'end="")\' > ledger/store/migrations/schema/HEAD.json'
    )


def test_the_kept_facts_are_what_the_database_holds(tmp_path: Path, backend: Backend) -> None:
    ledger = new_ledger(tmp_path, backend=backend)
    kept = json.loads((SNAPSHOTS / f"{HEAD}.json").read_text("utf-8"))
    with ledger.store.reading() as conn:
        facts = {(table, item): fact for table, item, fact in kept[conn.dialect.name]}
        assert actual_facts(conn) == facts


def test_a_new_ledger_records_the_head(tmp_path: Path, backend: Backend) -> None:
    ledger = new_ledger(tmp_path, backend=backend)
    with ledger.store.reading() as conn:
        assert conn.execute(select(SCHEMA_VERSION.c.version_num)).scalars().all() == [HEAD]
        assert check_schema(conn).ok


def _versions(tmp_path: Path, then: str = "pass") -> Path:
    versions = tmp_path / "migrations" / "versions"
    shutil.copytree(VERSIONS, versions, ignore=shutil.ignore_patterns("__pycache__"))
    (versions / "r0002_test.py").write_text(EXTRA.format(down=HEAD, then=then), "utf-8")
    return versions


def _owned(tmp_path: Path, backend: Backend) -> SqlStore:
    """A new ledger, opened as the owner of its tables (who may change them)."""
    return create_store(backend.new_db(tmp_path))


def _state(conn: Connection) -> tuple[list[str], bool]:
    versions = conn.execute(select(SCHEMA_VERSION.c.version_num)).scalars().all()
    return list(versions), "ledger_test_extra" in inspect(conn).get_table_names()


def test_migrations_run_in_the_callers_transaction(tmp_path: Path, backend: Backend) -> None:
    store = _owned(tmp_path, backend)
    try:
        with store.writing() as tx:
            reached = migrations.upgrade(tx.conn, store.recorded, versions=_versions(tmp_path))
        assert reached == "0002"
        with store.reading() as conn:
            assert _state(conn) == (["0002"], True)
    finally:
        store.close()


def test_a_failed_migration_changes_nothing(tmp_path: Path, backend: Backend) -> None:
    """The new table and the version row are rolled back with the failure."""
    store = _owned(tmp_path, backend)
    versions = _versions(tmp_path, then="op.execute('SELECT no_such_column FROM entries')")
    try:
        with pytest.raises(Exception, match="no_such_column"):
            with store.engine.begin() as conn:
                migrations.upgrade(conn, store.recorded, versions=versions)
        with store.reading() as conn:
            assert _state(conn) == ([HEAD], False)
    finally:
        store.close()


def test_the_release_layout_gets_the_version_table_and_the_chain(tmp_path: Path) -> None:
    store = _owned(tmp_path, SqliteBackend())
    try:
        with store.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        with store.engine.begin() as conn:
            recorded = migrations.read(conn, inspect(conn).get_table_names())
            assert recorded.state == "older" and recorded.schema is None
            assert migrations.upgrade(conn, recorded, versions=_versions(tmp_path)) == "0002"
        with store.reading() as conn:
            assert _state(conn) == (["0002"], True)
    finally:
        store.close()


# -- a version table that is not this release's --------------------------------------------------


def run(db: str, *args: str) -> Result:
    result = CliRunner().invoke(app, ["--db", db, *args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.mark.parametrize(
    ("tamper", "refusal", "failure"),
    [
        (
            "UPDATE alembic_version SET version_num = '0002'",
            "recorded by a later release (schema revision '0002'; this release knows up to 0001)",
            "records revision '0002' (a later release's?), not revision 0001",
        ),
        (
            "UPDATE alembic_version SET version_num = '0001 '",
            "alembic_version table was changed (revision '0001 ', which no release writes)",
            "records revision '0001 ', not revision 0001",
        ),
        (
            "DELETE FROM alembic_version",
            "alembic_version table was changed (a version table of 0 rows",
            "holds 0 rows, not one naming revision 0001",
        ),
        (
            "INSERT INTO alembic_version VALUES ('0000')",
            "alembic_version table was changed (a version table of 2 rows",
            "holds 2 rows, not one naming revision 0001",
        ),
    ],
    ids=["later", "changed", "empty", "two rows"],
)
def test_a_version_table_changed_by_hand(
    tmp_path: Path, backend: Backend, tamper: str, refusal: str, failure: str
) -> None:
    """Commands refuse the ledger in one line (exit 8); verify reports it (exit 3); an upgrade
    is refused and changes nothing."""
    ledger = new_ledger(tmp_path, backend=backend)
    ledger.store.close()
    assert sql(ledger.db, tamper + ";", drop_triggers=False).returncode == 0
    log = run(ledger.db, "log")
    assert log.exit_code == 8, log.output
    assert refusal in log.stderr
    verify = run(ledger.db, "verify")
    assert verify.exit_code == 3, verify.output
    assert f"FAIL [db_schema] table alembic_version {failure}" in verify.stderr
    assert run(ledger.db, "db", "upgrade").exit_code == 8
    assert run(ledger.db, "log").exit_code == 8


def test_a_dropped_version_table_reads_as_the_release_layout(
    tmp_path: Path, backend: Backend
) -> None:
    """Release 0.1.0's tables are this release's without the version table: a ledger whose
    version table was dropped is named as one to upgrade by every command that uses it, and
    `ledger verify` says which tables it verified them as, never a bare ok."""
    ledger = new_ledger(tmp_path, backend=backend)
    ledger.store.close()
    assert sql(ledger.db, "DROP TABLE alembic_version;", drop_triggers=False).returncode == 0
    log = run(ledger.db, "log")
    assert log.exit_code == 8
    assert "run `ledger db upgrade`" in log.stderr
    result = run(ledger.db, "verify")
    assert result.exit_code == 0, result.output
    assert "its tables are release 0.1.0's schema (no revision recorded)" in result.stderr


def test_a_changed_version_column_is_a_schema_failure(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
    ledger.store.close()
    sql(
        ledger.db,
        "ALTER TABLE alembic_version RENAME TO old; CREATE TABLE alembic_version "
        "(version_num TEXT); INSERT INTO alembic_version SELECT * FROM old; DROP TABLE old;",
    )
    result = run(ledger.db, "verify")
    assert result.exit_code == 3
    assert "table alembic_version: the primary key (version_num) is missing" in result.stderr
