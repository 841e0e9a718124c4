"""Tampering as an attacker with the database file would do it: through the sqlite3 shell,
triggers dropped first. Where the shell is not installed, Python's sqlite3 module runs the
very same SQL."""

from __future__ import annotations

import base64
import shutil
import sqlite3
import subprocess

from keys import SigningKey
from ledger.entry import Statement, leaf_hash, signing_message

DROP_TRIGGERS = "".join(
    f"DROP TRIGGER IF EXISTS {table}_no_{action};"
    for table in ("entries", "blobs", "checkpoints", "cosignatures")
    for action in ("update", "delete")
)


def sql(db: str, script: str, *, drop_triggers: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `script` against the database file, as the sqlite3 shell would."""
    full = (DROP_TRIGGERS if drop_triggers else "") + script
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


def read(db: str, query: str) -> list[tuple[object, ...]]:
    """Read rows (with Python's sqlite3: reading changes nothing)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def hexlit(data: bytes) -> str:
    return f"X'{data.hex()}'"


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def forge_append(db: str, stmt: Statement, signer: SigningKey) -> None:
    """Insert a well-formed, correctly chained entry signed by `signer`, bypassing the app."""
    data = stmt.canonical()
    leaf = leaf_hash(data)
    signature = signer.sign(signing_message(leaf))
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
            hexlit(data),
            hexlit(signature),
        ]
    )
    result = sql(db, f"INSERT INTO entries VALUES ({values});")
    assert result.returncode == 0, result.stderr


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
