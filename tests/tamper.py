"""Tampering as the database's administrator would do it.

SQLite: through the sqlite3 shell on the file, triggers dropped first and made again afterwards
(where the shell is not installed, Python's sqlite3 module runs the very same SQL). PostgreSQL: as
the superuser, through psql, the tables' triggers disabled first and enabled afterwards (where psql
is not installed, psycopg runs the very same SQL). Each function takes the ledger's location
(`LedgerFixture.db`) and picks the backend by it.
"""

from __future__ import annotations

import base64
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from typing import Any

from typer.testing import CliRunner

from keys import SigningKey
from ledger.cli import app
from ledger.entry import (
    DEFAULT_ZONE,
    Statement,
    format_local,
    format_utc,
    leaf_hash,
    signing_message,
)
from ledger.store.schema import append_only_sql
from ledger.store.tables import AUTHENTICATED
from tests.backends import PostgresServer, libpq_url
from tests.builders import LedgerFixture

DROP_TRIGGERS = "".join(
    f"DROP TRIGGER IF EXISTS {table}_no_{action};"
    for table in AUTHENTICATED
    for action in ("update", "delete")
)
DISABLE_TRIGGERS = "".join(f"ALTER TABLE {table} DISABLE TRIGGER USER;" for table in AUTHENTICATED)
# The administrator covers their tracks: the triggers are back as the application made them, so
# that `ledger verify` sees only the changed rows (a dropped trigger is a failure of its own).
RESTORE_TRIGGERS = "".join(f"{statement};" for statement in append_only_sql("sqlite"))
ENABLE_TRIGGERS = "".join(f"ALTER TABLE {table} ENABLE TRIGGER USER;" for table in AUTHENTICATED)


def is_pg(db: str) -> bool:
    return db.startswith("postgresql")


def sql(db: str, script: str, *, drop_triggers: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `script` against the database, as its administrator would from a shell."""
    script += "\n;\n"  # whether or not it ends its last statement
    if is_pg(db):
        if drop_triggers:
            script = DISABLE_TRIGGERS + script + ENABLE_TRIGGERS
        return _psql(db, script)
    # One transaction, like psql -1: a script that fails changes nothing.
    full = f"BEGIN;{DROP_TRIGGERS + script + RESTORE_TRIGGERS if drop_triggers else script}COMMIT;"
    shell = shutil.which("sqlite3")
    if shell is not None:
        return subprocess.run(
            [shell, "-bail", db], input=full, text=True, capture_output=True, check=False
        )
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.executescript(full)
    except sqlite3.DatabaseError as exc:
        return subprocess.CompletedProcess(["sqlite3"], 1, "", f"Error: {exc}")
    finally:
        conn.close()
    return subprocess.CompletedProcess(["sqlite3"], 0, "", "")


def _psql(db: str, script: str) -> subprocess.CompletedProcess[str]:
    admin = PostgresServer.get().admin_url(db)
    shell = shutil.which("psql")
    if shell is not None:
        return subprocess.run(
            [shell, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", libpq_url(admin)],
            input=script,
            text=True,
            capture_output=True,
            check=False,
        )
    import psycopg

    try:
        PostgresServer.get().run(db, f"BEGIN; {script} COMMIT;")
    except psycopg.Error as exc:
        return subprocess.CompletedProcess(["psql"], 3, "", f"ERROR: {exc}")
    return subprocess.CompletedProcess(["psql"], 0, "", "")


def read(db: str, query: str) -> list[tuple[object, ...]]:
    """Read rows (with a driver: reading changes nothing)."""
    if is_pg(db):
        return PostgresServer.get().read(db, query)
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def hexlit(db: str, data: bytes) -> str:
    """A literal of `data` in the SQL of `db`'s backend."""
    return f"decode('{data.hex()}', 'hex')" if is_pg(db) else f"X'{data.hex()}'"


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def next_statement(ledger: LedgerFixture, actor: str, key_id: str) -> Statement:
    """A note by `actor` naming key `key_id`, chained right after the head, for `forge_append`."""
    head = ledger.store.head()
    assert head is not None
    last = ledger.store.get(head.seq).statement
    return replace(
        last,
        seq=head.seq + 1,
        prev=head.leaf_hash,
        type="note",
        subject="meeting-1",
        recorded_at=format_utc(ledger.clock()),
        actor=actor,
        key=key_id,
        body={"text": "伪造的意见"},
    )


def forge_append(db: str, stmt: Statement, signer: SigningKey | None) -> None:
    """Insert a well-formed, correctly chained entry signed by `signer` (unsigned: 64 zero
    bytes, when None), bypassing the app."""
    data = stmt.canonical()
    leaf = leaf_hash(data)
    signature = bytes(64) if signer is None else signer.sign(signing_message(leaf))
    values = ", ".join(
        [
            str(stmt.seq),
            quote(leaf.hex()),
            quote(stmt.prev),
            quote(stmt.type),
            quote(stmt.subject),
            quote(stmt.occurred_at),
            quote(stmt.recorded_at),
            quote(stmt.actor),
            quote(stmt.key),
            hexlit(db, data),
            hexlit(db, signature),
        ]
    )
    result = sql(db, f"INSERT INTO entries VALUES ({values});")
    assert result.returncode == 0, result.stderr


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def forge_next(
    ledger: LedgerFixture,
    entry_type: str,
    subject: str,
    body: dict[str, Any],
    *,
    actor: str = "li.na",
    **changes: Any,
) -> int:
    """Forge the entry after the head with `actor`'s real key (chained and signed as an append
    would, with `changes` to its statement's fields) and insert it behind the application's
    back; return its seq."""
    head = ledger.store.head()
    assert head is not None
    stmt = Statement(
        seq=head.seq + 1,
        prev=head.leaf_hash,
        type=entry_type,
        subject=subject,
        occurred_at=format_local(ledger.clock().astimezone(DEFAULT_ZONE)),
        recorded_at=format_utc(ledger.clock()),
        actor=actor,
        key=ledger.keys[actor].key_id,
        body=body,
    )
    forge_append(ledger.db, replace(stmt, **changes), ledger.keys[actor])
    return stmt.seq


def rebuilt_without(db: str, table: str, clause: str) -> str:
    """SQL that rebuilds `table` (a SQLite file's) without `clause` of its definition, as an
    administrator would in the sqlite3 shell: copy, drop, rename, indexes and triggers again."""
    ((ddl,),) = read(db, f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
    assert isinstance(ddl, str) and clause in ddl
    others = read(
        db,
        f"SELECT sql FROM sqlite_master WHERE tbl_name = '{table}' AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL",
    )
    return (
        ddl.replace(clause, "").replace(f"CREATE TABLE {table}", "CREATE TABLE rebuilt", 1)
        + f"; INSERT INTO rebuilt SELECT * FROM {table}; DROP TABLE {table};"
        f"ALTER TABLE rebuilt RENAME TO {table};"
        + "".join(f"{statement};" for (statement,) in others)
    )


def command_reports(db: str, kind: str, fragment: str, seq: int | None = None) -> str:
    """`ledger verify` exits 3 and names a failure of `kind` (at `seq`) saying `fragment`."""
    result = CliRunner().invoke(app, ["--db", db, "verify"])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    where = "" if seq is None else f"seq {seq}: "
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"FAIL [{kind}] ")]
    assert lines, result.stderr
    assert lines[0].startswith(f"FAIL [{kind}] {where}"), result.stderr
    assert fragment in lines[0], result.stderr
    return result.stderr
