"""Tamper tests: change bytes in the real SQLite file, expect the exact failure and `seq`.

These guard the threat model: the administrator of the database is the party held to account,
so every byte they can change must be caught by `ledger verify`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ledger.cli import app
from ledger.store import open_store
from ledger.store.repository import ENTRY_COLUMNS
from ledger.verification import verify_ledger
from ledger.verify import VerifyReport
from tests.backends import POSTGRES_ONLY, SQLITE_ONLY, Backend
from tests.builders import LedgerFixture, sample_ledger, seeded_key
from tests.procedure.bureau import Bureau, build_template
from tests.tamper import (
    command_reports,
    forge_append,
    hexlit,
    is_pg,
    next_statement,
    quote,
    read,
    rebuilt_without,
    sql,
)

COLUMNS = ENTRY_COLUMNS


def verify(ledger: LedgerFixture) -> VerifyReport:
    return verify_ledger(store=ledger.store)


def first_seq(report: VerifyReport) -> int | None:
    return report.ordered()[0].seq


def only_failure(ledger: LedgerFixture, kind: str, seq: int, fragment: str) -> None:
    """Verify fails in exactly one way, at `seq`, saying `fragment`; the command agrees."""
    report = verify(ledger)
    assert list(report.failures) == [kind], report.to_json()
    assert report.failures[kind].seq == seq
    assert fragment in report.failures[kind].message
    command_names(ledger, seq, kind)


def command_names(ledger: LedgerFixture, seq: int, kind: str) -> None:
    """`ledger verify`, as an auditor runs it, exits 3 and names the failing seq."""
    result = CliRunner().invoke(app, ["--db", ledger.db, "verify"])
    assert result.exit_code == 3, result.stdout
    assert f"FAIL [{kind}] seq {seq}: " in result.stderr, result.stderr
    assert result.stdout.startswith("FAILED")


def test_untouched_ledger_passes(sample: LedgerFixture) -> None:
    """A ledger written only through the service verifies clean (no false alarms)."""
    report = verify(sample)
    assert report.ok, report.to_json()
    assert report.entries == 14
    assert report.blobs == 1


def change_byte(ledger: LedgerFixture, seq: int, column: str, position: int) -> None:
    """Change one byte (or character) of one column of the entry at `seq`."""
    (value,) = read(ledger.db, f"SELECT {column} FROM entries WHERE seq = {seq}")[0]
    where = f"WHERE seq = {seq}"
    if column == "seq":
        update = f"UPDATE entries SET seq = {1000 + position} {where};"
    elif isinstance(value, bytes):
        index = position % len(value)
        changed = bytearray(value)
        changed[index] ^= 1 << (position % 8)
        update = f"UPDATE entries SET {column} = {hexlit(ledger.db, bytes(changed))} {where};"
    else:
        assert isinstance(value, str)
        index = position % len(value)
        old = value[index]
        new = "0" if old != "0" else "1"
        changed_text = value[:index] + new + value[index + 1 :]
        update = f"UPDATE entries SET {column} = {quote(changed_text)} {where};"
    result = sql(ledger.db, update)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("seq", [0, 6, 13])
def test_any_column_of_any_entry(sample: LedgerFixture, column: str, seq: int) -> None:
    """Changing one byte of any column of an entry is caught, and the first failure names
    that entry's seq."""
    change_byte(sample, seq, column, position=7)
    report = verify(sample)
    assert not report.ok
    assert first_seq(report) == seq, report.to_json()


@settings(
    max_examples=int(os.environ.get("TAMPER_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seq=st.integers(0, 13), column=st.sampled_from(COLUMNS), position=st.integers(0, 10_000))
def test_any_byte_property(
    tmp_path_factory: pytest.TempPathFactory,
    backend: Backend,
    seq: int,
    column: str,
    position: int,
) -> None:
    """Property: whichever byte of whichever column is changed, verify fails at that seq."""
    ledger = sample_ledger(tmp_path_factory.mktemp("prop"), backend)
    try:
        change_byte(ledger, seq, column, position)
        report = verify(ledger)
        assert not report.ok
        assert first_seq(report) == seq, report.to_json()
    finally:
        ledger.store.close()
        backend.discard(ledger.db)


def test_statement_byte_gives_hash_error(sample: LedgerFixture) -> None:
    """A changed statement byte that keeps valid JSON is a leaf-hash failure at that seq and a
    broken chain link at the next."""
    (data,) = read(sample.db, "SELECT statement FROM entries WHERE seq = 8")[0]
    assert isinstance(data, bytes)
    changed = data.replace("材料已分发".encode(), "材料未分发".encode())
    assert changed != data
    sql(sample.db, f"UPDATE entries SET statement = {hexlit(sample.db, changed)} WHERE seq = 8;")
    report = verify(sample)
    assert report.failures["leaf_hash"].seq == 8
    assert report.failures["chain"].seq == 9


def test_rewritten_and_rehashed_entry_fails_signature(sample: LedgerFixture) -> None:
    """An administrator who rewrites a statement and fixes its leaf hash and the next entry's
    link still cannot sign as its author."""
    (data,) = read(sample.db, "SELECT statement FROM entries WHERE seq = 13")[0]
    assert isinstance(data, bytes)
    changed = data.replace("新密钥签名".encode(), "旧密钥签名".encode())
    leaf = hashlib.sha256(b"\x00" + changed).hexdigest()
    sql(
        sample.db,
        f"UPDATE entries SET statement = {hexlit(sample.db, changed)}, leaf_hash = {quote(leaf)} "
        "WHERE seq = 13;",
    )
    report = verify(sample)
    assert report.failures["signature"].seq == 13
    assert "signature does not verify" in report.failures["signature"].message
    # The Merkle node cache still holds the old leaf: the tree pass sees the rewrite too.
    assert set(report.failures) == {"signature", "merkle_cache"}
    command_names(sample, 13, "signature")


def test_deleted_entry(sample: LedgerFixture) -> None:
    """Deleting an entry leaves a gap, named at the missing seq."""
    sql(sample.db, "DELETE FROM entries WHERE seq = 5;")
    report = verify(sample)
    assert report.failures["sequence"].seq == 5
    assert "seq 5 missing" in report.failures["sequence"].message
    command_names(sample, 5, "sequence")
    assert report.failures["chain"].seq == 6


def test_two_entries_swapped(sample: LedgerFixture) -> None:
    """Swapping two entries' places is caught at the first of them."""
    sql(
        sample.db,
        "UPDATE entries SET seq = -1 WHERE seq = 9; UPDATE entries SET seq = 9 WHERE seq = 10; "
        "UPDATE entries SET seq = 10 WHERE seq = -1;",
    )
    report = verify(sample)
    assert first_seq(report) == 9
    assert report.failures["sequence"].seq == 9
    command_names(sample, 9, "sequence")


def test_forged_entry_by_unregistered_key(sample: LedgerFixture) -> None:
    """An entry signed by a key nobody bound is refused, even when correctly chained."""
    rogue = seeded_key("rogue")
    forge_append(sample.db, next_statement(sample, "wang.fang", rogue.key_id), rogue)
    only_failure(sample, "key", 14, "not bound to anyone")


def test_forged_entry_claiming_someone_elses_key(sample: LedgerFixture) -> None:
    """An entry naming wang.fang's key but signed with another key fails its signature."""
    rogue = seeded_key("rogue")
    wang = sample.keys["wang.fang"]
    forge_append(sample.db, next_statement(sample, "wang.fang", wang.key_id), rogue)
    report = verify(sample)
    assert list(report.failures) == ["signature"]
    assert report.failures["signature"].seq == 14


def test_entry_by_revoked_key_after_revocation(sample: LedgerFixture) -> None:
    """Someone holding zhao.lei's revoked key cannot add entries after the revocation."""
    old = seeded_key("zhao.lei")
    forge_append(sample.db, next_statement(sample, "zhao.lei", old.key_id), old)
    only_failure(sample, "key", 14, "revoked")


def test_changed_blob(sample: LedgerFixture) -> None:
    """A document changed in place fails its hash; the entry that cites it is named."""
    sql(sample.db, f"UPDATE blobs SET data = {hexlit(sample.db, '会议材料 v2'.encode())};")
    only_failure(sample, "blob", 8, "altered")


def test_deleted_blob(sample: LedgerFixture) -> None:
    """A cited document that disappears is reported at the citing entry."""
    sql(sample.db, "DELETE FROM blobs;")
    report = verify(sample)
    assert report.failures["blob"].seq == 8
    assert "not stored" in report.failures["blob"].message


@pytest.mark.parametrize(
    ("update", "seq"),
    [
        (
            "UPDATE keys SET revoked_at = NULL, revoked_seq = NULL, revoked_reason = NULL "
            "WHERE revoked_seq IS NOT NULL;",
            11,
        ),
        ("UPDATE persons SET name = '王小芳' WHERE id = 'wang.fang';", 1),
        ("DELETE FROM memberships WHERE person = 'wang.fang';", 6),
        ("INSERT INTO organs VALUES ('ghost', '幽灵', 'plenary', 3);", 3),
    ],
)
def test_changed_derived_row(sample: LedgerFixture, update: str, seq: int) -> None:
    """A derived row that differs from its rebuild is caught, naming the entry behind it."""
    sql(sample.db, update)
    report = verify(sample)
    assert list(report.failures) == ["derived"]
    assert report.failures["derived"].seq == seq
    command_names(sample, seq, "derived")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE entries SET subject = 'x' WHERE seq = 3;",
        "DELETE FROM entries WHERE seq = 13;",
        "UPDATE blobs SET size = 0;",
        "DELETE FROM blobs;",
    ],
)
def test_triggers_refuse_update_and_delete(sample: LedgerFixture, statement: str) -> None:
    """With the triggers in place, the database's own shell (sqlite3, or psql as the
    superuser) cannot change or remove authenticated rows."""
    refused_by_the_triggers(sample, statement)


@POSTGRES_ONLY  # SQLite has no TRUNCATE (DELETE without WHERE is refused above)
@pytest.mark.parametrize("statement", ["TRUNCATE entries;", "TRUNCATE blobs;"])
def test_triggers_refuse_truncate(sample: LedgerFixture, statement: str) -> None:
    """PostgreSQL's TRUNCATE, which row triggers do not see, is refused by a statement trigger."""
    refused_by_the_triggers(sample, statement)


def refused_by_the_triggers(sample: LedgerFixture, statement: str) -> None:
    before = read(sample.db, "SELECT count(*), sum(length(statement)) FROM entries")
    result = sql(sample.db, statement, drop_triggers=False)
    assert result.returncode != 0
    assert "append-only" in result.stderr
    assert read(sample.db, "SELECT count(*), sum(length(statement)) FROM entries") == before
    assert verify(sample).ok


# -- the tables themselves: keys, constraints, triggers (issue 12, item 3) ----------------------


@pytest.fixture(scope="module")
def bureau_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo bureau with decision d1 drafting (its last entry is seq 45), built once."""
    path = tmp_path_factory.mktemp("bureau") / "bureau.db"
    build_template(path)
    store = open_store(str(path))
    Bureau(store, path).propose("d1")
    Bureau(store, path).rec("zhang.wei", "decision.initiated", "d1", {"by": "head"})
    store.close()
    return path


@pytest.fixture
def bureau_db(bureau_file: Path, tmp_path: Path, backend: Backend) -> Iterator[str]:
    """That bureau on each backend, as recorders reach it."""
    if backend.name == "sqlite":
        target = tmp_path / "ledger.db"
        shutil.copyfile(bureau_file, target)
        yield str(target)
        return
    owner = backend.new_db(tmp_path)
    build_template(owner)
    db = backend.recorder_db(owner)
    store = open_store(db)
    Bureau(store, db).propose("d1")
    Bureau(store, db).rec("zhang.wei", "decision.initiated", "d1", {"by": "head"})
    store.close()
    yield db


FORGED_APPROVAL = (
    "SELECT kind, id, 'approved', organ, year, replace(data, '\"drafting\"', '\"approved\"'), "
    "last_seq FROM procedure_state WHERE kind = 'decision' AND id = 'd1'"
)


@pytest.mark.parametrize("forged", [True, False], ids=["approved", "identical"])
def test_duplicate_derived_row_after_the_key_is_dropped(bureau_db: str, forged: bool) -> None:
    """The administrator rebuilds procedure_state without its primary key (sqlite3 shell; psql
    as the superuser) and adds a second row for decision d1 saying "approved" (or an identical
    copy): verify compares the rows as a multiset, so the extra row is a derived-table failure
    at the seq that last shaped d1, and the missing key is a schema failure of its own."""
    query = "SELECT last_seq FROM procedure_state WHERE kind = 'decision' AND id = 'd1'"
    ((last_seq,),) = read(bureau_db, query)
    assert isinstance(last_seq, int)
    copy = FORGED_APPROVAL if forged else "SELECT * FROM procedure_state WHERE id = 'd1'"
    if is_pg(bureau_db):
        script = (
            f"ALTER TABLE procedure_state DROP CONSTRAINT procedure_state_pkey;"
            f"INSERT INTO procedure_state {copy};"
        )
    else:  # the forged row first, where a reader's first match finds it
        script = (
            "CREATE TABLE rebuilt AS SELECT * FROM procedure_state WHERE 0;"
            f"INSERT INTO rebuilt {copy}; INSERT INTO rebuilt SELECT * FROM procedure_state;"
            "DROP TABLE procedure_state; ALTER TABLE rebuilt RENAME TO procedure_state;"
        )
    result = sql(bureau_db, script, drop_triggers=False)
    assert result.returncode == 0, result.stderr
    assert read(bureau_db, "SELECT count(*) FROM procedure_state WHERE id = 'd1'") == [(2,)]
    stderr = command_reports(bureau_db, "derived", "row decision/d1 is stored 2 times", last_seq)
    assert "FAIL [db_schema] table procedure_state: the primary key (kind, id) is missing" in stderr


SQLITE_SCHEMA_CHANGES = {
    "dropped trigger": (
        "DROP TRIGGER entries_no_update;",
        "table entries: the trigger entries_no_update is missing",
    ),
    "trigger that never fires": (
        "DROP TRIGGER blobs_no_delete; CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs "
        "WHEN 0 BEGIN SELECT RAISE(ABORT, 'blobs is append-only: DELETE refused'); END;",
        "table blobs: the trigger blobs_no_delete is altered",
    ),
    "dropped index": (
        "DROP INDEX ix_entries_type;",
        "table entries: the index ix_entries_type (on (type)) is missing",
    ),
    "extra trigger": (
        "CREATE TRIGGER approve AFTER INSERT ON procedure_state BEGIN "
        "UPDATE procedure_state SET status = 'approved'; END;",
        "table procedure_state: trigger approve (CREATE TRIGGER approve AFTER INSERT",
    ),
}
PG_SCHEMA_CHANGES = {
    "dropped trigger": (
        "DROP TRIGGER entries_no_change ON entries;",
        "table entries: the trigger entries_no_change is missing",
    ),
    "disabled trigger": (
        "ALTER TABLE checkpoints DISABLE TRIGGER checkpoints_no_change;",
        "table checkpoints: the trigger checkpoints_no_change is altered: BEFORE DELETE OR "
        "UPDATE FOR EACH ROW, runs checkpoints_append_only(), disabled",
    ),
    "trigger function that lets everything through": (
        "CREATE OR REPLACE FUNCTION blobs_append_only() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN NEW; END $$;",
        "table blobs: the function blobs_append_only is altered: plpgsql: BEGIN RETURN NEW; END",
    ),
    "dropped unique constraint": (
        "ALTER TABLE entries DROP CONSTRAINT entries_prev_key;",
        "table entries: the unique constraint on (prev) is missing",
    ),
    "column made nullable": (
        "ALTER TABLE entries ALTER COLUMN signature DROP NOT NULL;",
        "table entries: the column signature is BYTEA, not BYTEA NOT NULL",
    ),
}


@SQLITE_ONLY
@pytest.mark.parametrize("change", sorted(SQLITE_SCHEMA_CHANGES))
def test_changed_schema_is_a_finding(sample: LedgerFixture, change: str) -> None:
    """A trigger dropped, disabled or altered, a key, constraint or index removed, a column's
    type or NOT NULL changed: each is a `db_schema` failure naming the table, even though no
    row changed."""
    schema_changed(sample, *SQLITE_SCHEMA_CHANGES[change])


@POSTGRES_ONLY
@pytest.mark.parametrize("change", sorted(PG_SCHEMA_CHANGES))
def test_changed_postgresql_schema_is_a_finding(sample: LedgerFixture, change: str) -> None:
    """The same on PostgreSQL, with what its superuser can change in place."""
    schema_changed(sample, *PG_SCHEMA_CHANGES[change])


def schema_changed(sample: LedgerFixture, script: str, fragment: str) -> None:
    result = sql(sample.db, script, drop_triggers=False)
    assert result.returncode == 0, result.stderr
    report = verify(sample)
    assert list(report.failures) == ["db_schema"], report.to_json()
    command_reports(sample.db, "db_schema", fragment)


@SQLITE_ONLY  # PostgreSQL drops a constraint in place (above)
def test_sqlite_table_rebuilt_without_its_unique_constraint(sample: LedgerFixture) -> None:
    """`entries` rebuilt in the sqlite3 shell without UNIQUE (prev) (indexes and triggers made
    again): the missing constraint, which makes a fork storable, is a finding."""
    script = rebuilt_without(sample.db, "entries", ", \n\tUNIQUE (prev)")
    result = sql(sample.db, script, drop_triggers=False)
    assert result.returncode == 0, result.stderr
    command_reports(sample.db, "db_schema", "table entries: the unique constraint on (prev) is")


@POSTGRES_ONLY  # SQLite has no row-level security
def test_row_level_security_hiding_an_entry(sample: LedgerFixture) -> None:
    """PostgreSQL: the superuser hides seq 5 from the recorders' role with a row-level
    security policy. The hidden entry is a gap, and the policy a finding of its own."""
    script = (
        "ALTER TABLE entries ENABLE ROW LEVEL SECURITY;"
        "CREATE POLICY hide ON entries FOR SELECT USING (seq <> 5);"
    )
    assert sql(sample.db, script, drop_triggers=False).returncode == 0
    report = verify(sample)
    assert report.failures["sequence"].seq == 5
    assert "row-level security (enabled)" in report.failures["db_schema"].message
