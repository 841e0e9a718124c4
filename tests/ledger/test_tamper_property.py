"""Property: any single-row change of type or form, in any table, is a named failure.

One real ledger of random entries is built per module (the bureau, a decision with drafts and
documents, notes of random text by random people, a checkpoint and a witness's cosignature,
more notes after it); each example copies the SQLite file, changes one value of one row of one
table through the sqlite3 shell (triggers dropped and made again), and runs `ledger verify` as
an auditor would. The replacement is another storage class, NULL, the value cut short or
extended, random bytes, bytes that are not UTF-8 stored as TEXT, deeply nested JSON, a JSON
edit to NaN, Infinity or a huge number, the text version of a BLOB or the BLOB of a text, or
the value itself. Whether the database changed is read back (the class and bytes of every
value of every table): a change must make verify exit 3 naming a failure, no change must leave
it at 0 (a write the database refused, a value SQLite's type affinity turned back into what it
was, the value itself), and neither may ever print a traceback.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ledger import checkpoints
from ledger.cli import app
from ledger.note import cosigner, cosigner_key, sign_note
from ledger.store import open_store
from ledger.store.repository import table_names
from ledger.verification import verify_ledger
from tests.builders import seeded_key
from tests.procedure.bureau import ALL, Bureau, build_template
from tests.tamper import sql

# A stored value as read back: (SQLite's typeof, the value), TEXT as its bytes
Stored = tuple[str, Any]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [bytes(row[1]).decode() for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every value of every table, with its storage class, TEXT read as raw bytes."""
    conn = sqlite3.connect(db)
    conn.text_factory = bytes
    try:
        result = {}
        for table in table_names():
            columns = _columns(conn, table)
            picks = ", ".join(f'typeof("{c}"), "{c}"' for c in columns)
            result[table] = sorted(
                conn.execute(f"SELECT rowid, {picks} FROM {table}").fetchall(), key=repr
            )
        return result
    finally:
        conn.close()


@dataclass(frozen=True)
class Ledger:
    path: Path
    rows: dict[str, list[tuple[int, dict[str, Stored]]]]  # table → (rowid, column → value)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    """The bureau with a decision and random notes, checkpointed and cosigned, built once."""
    path = tmp_path_factory.mktemp("random") / "ledger.db"
    build_template(path)
    store = open_store(str(path))
    bureau = Bureau(store, path)
    rng = random.Random(713)
    bureau.propose("d1")
    bureau.initiate("d1")
    bureau.draft("d1")
    alphabet = '规范中小学午餐配送😀 "\\\n\t0123456789abcXYZ-_.,{}[]:'

    def notes(count: int) -> None:
        for _ in range(count):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))
            body: dict[str, Any] = {"text": text}
            if rng.random() < 0.3:
                body["attachments"] = [bureau.doc(f"附件 {rng.random()}")]
            bureau.rec(rng.choice(ALL), "note", rng.choice(["d1", "m1"]), body)

    notes(rng.randint(4, 8))
    signed, _ = checkpoints.sign_checkpoint(store=store, keys=[bureau.keys["li.na"]])
    witness = seeded_key("witness")
    cosigned = sign_note(signed.checkpoint.text(), [cosigner("w.example", witness, 1_700_000_000)])
    checkpoints.add_cosignatures(
        store=store,
        data=cosigned.encode(),
        witness_keys=[cosigner_key("w.example", witness.public_key)],
    )
    notes(rng.randint(2, 4))
    assert verify_ledger(store=store).ok
    store.close()
    rows: dict[str, list[tuple[int, dict[str, Stored]]]] = {}
    conn = sqlite3.connect(path)
    conn.text_factory = bytes
    try:
        for table in table_names():
            columns = _columns(conn, table)
            picks = ", ".join(f'typeof("{c}"), "{c}"' for c in columns)
            found = []
            for row in conn.execute(f"SELECT rowid, {picks} FROM {table}"):
                values = {
                    c: (bytes(row[1 + 2 * i]).decode(), row[2 + 2 * i])
                    for i, c in enumerate(columns)
                }
                found.append((row[0], values))
            rows[table] = found
    finally:
        conn.close()
    assert all(rows.values()), {table: len(found) for table, found in rows.items()}
    return Ledger(path, rows)


def _literal(kind: str, value: Any) -> str:
    """A SQL literal of a value of SQLite storage class `kind`."""
    if kind == "null":
        return "NULL"
    if kind == "integer":
        return str(int(value))
    if kind == "real":
        if value != value:
            return "NULL"  # SQLite stores NaN as NULL
        if value in (float("inf"), float("-inf")):
            return "9e999" if value > 0 else "-9e999"
        return repr(float(value))
    data = value if isinstance(value, bytes) else str(value).encode()
    return f"CAST(X'{data.hex()}' AS TEXT)" if kind == "text" else f"X'{data.hex()}'"


def _as_bytes(stored: Stored) -> bytes:
    kind, value = stored
    if isinstance(value, bytes):
        return value
    return b"" if value is None else repr(value).encode()


def _json_edit(data: bytes, position: int, token: bytes) -> bytes:
    """Replace the JSON value after the `position`-th `":` of `data` by `token`."""
    marks = [i for i in range(len(data)) if data.startswith(b'":', i)]
    if not marks:
        return data + token
    start = marks[position % len(marks)] + 2
    end = start
    while end < len(data) and data[end : end + 1] not in (b",", b"}", b"]"):
        end += 1
    return data[:start] + token + data[end:]


TOKENS = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e400",
    b"9" * 40,
    b"[" * 3000 + b"]" * 3000,
    b"1.5",
    b"null",
    b'"\\ud800"',
]


@st.composite
def replacements(draw: st.DrawFn, current: Stored) -> tuple[str, str]:
    """(a description, the SQL literal) of one replacement of `current`."""
    kind, _ = current
    raw = _as_bytes(current)
    same = "text" if kind == "text" else "blob"
    form = draw(
        st.sampled_from(
            [
                "null",
                "integer",
                "real",
                "text",
                "blob",
                "not UTF-8",
                "as text",
                "as blob",
                "cut short",
                "extended",
                "byte flipped",
                "nested JSON",
                "JSON edit",
                "itself",
            ]
        )
    )
    if form == "null":
        return form, "NULL"
    if form == "integer":
        number = draw(st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, -1, 1])))
        return form, _literal("integer", number)
    if form == "real":
        return form, _literal("real", draw(st.floats()))
    if form == "text":
        return form, _literal("text", draw(st.text(max_size=80)).encode("utf-8", "surrogatepass"))
    if form == "blob":
        return form, _literal("blob", draw(st.binary(max_size=80)))
    if form == "not UTF-8":
        junk = draw(st.binary(min_size=1, max_size=40)) + b"\xff"
        return form, _literal("text", junk)
    if form == "as text":
        return form, _literal("text", raw)
    if form == "as blob":
        return form, _literal("blob", raw)
    if form == "cut short":
        return form, _literal(same, raw[: draw(st.integers(0, max(0, len(raw) - 1)))])
    if form == "extended":
        return form, _literal(same, raw + draw(st.binary(min_size=1, max_size=20)))
    if form == "byte flipped":
        if not raw:
            return form, _literal(same, b"\x00")
        index = draw(st.integers(0, len(raw) - 1))
        flipped = bytearray(raw)
        flipped[index] ^= 1 << draw(st.integers(0, 7))
        return form, _literal(same, bytes(flipped))
    if form == "nested JSON":
        depth = draw(st.sampled_from([1, 50, 900, 3000, 20000]))
        return form, _literal(draw(st.sampled_from(["text", "blob"])), b"[" * depth + b"]" * depth)
    if form == "JSON edit":
        token = draw(st.sampled_from(TOKENS))
        return form, _literal(same, _json_edit(raw, draw(st.integers(0, 50)), token))
    return form, (_literal(kind, current[1]) if kind != "null" else "NULL")


@settings(
    max_examples=int(os.environ.get("TAMPER_FORM_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_change_of_type_or_form_is_a_named_failure(
    ledger: Ledger, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Any single-row change of a value's class or form in any table makes `ledger verify`
    exit 3 with a named failure, and never print a traceback; an unchanged database stays ok."""
    table = data.draw(st.sampled_from(sorted(ledger.rows)), label="table")
    rowid, values = data.draw(st.sampled_from(ledger.rows[table]), label="row")
    column = data.draw(st.sampled_from(sorted(values)), label="column")
    form, literal = data.draw(replacements(values[column]), label="replacement")
    db = tmp_path_factory.mktemp("example") / "ledger.db"
    shutil.copyfile(ledger.path, db)
    before = _snapshot(db)
    sql(str(db), f'UPDATE {table} SET "{column}" = {literal} WHERE rowid = {rowid};')
    changed = _snapshot(db) != before
    event(f"{form}: {'changed' if changed else 'unchanged'}")
    result = CliRunner().invoke(app, ["--db", str(db), "verify"])
    shown = f"{table}.{column} (rowid {rowid}) := {form} {literal[:80]}\n{result.output}"
    assert "Traceback" not in result.output, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    if changed:
        assert result.exit_code == 3, shown
        assert "FAIL [" in result.stderr, shown
    else:
        assert result.exit_code == 0, shown
    shutil.rmtree(db.parent)
