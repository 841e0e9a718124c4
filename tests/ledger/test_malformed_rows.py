"""Malformed rows: verify names each one at its seq and goes on, it never crashes.

SQLite stores any value in any column (a BLOB column takes TEXT, an INTEGER one takes 'x'), and
the sqlite3 shell writes what it is told: editing a statement's JSON there turns it into TEXT.
PostgreSQL types its columns, but their contents can be any bytes, and the recorders' role may
INSERT by design, so one hostile row can never be removed. Each case below makes one such row
(through the sqlite3 shell, or psql as the recorders' role) and expects `ledger verify` to exit
3 naming the failure's kind and seq, with no traceback, every time it runs.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger import checkpoints
from ledger.note import cosigner, cosigner_key, sign_note
from ledger.verification import verify_ledger
from ledger.verify import VerifyReport
from tests.backends import SQLITE_ONLY, Backend, libpq_url
from tests.builders import LedgerFixture, sample_ledger, seeded_key
from tests.tamper import command_reports, hexlit, is_pg, quote, read, rebuilt_without, sql

HEAD = 14  # the witnessed sample's last seq; its checkpoint covers seq 0–13
NOT_UTF8 = b"\xff\n"


def witnessed_sample(directory: Path, backend: Backend) -> LedgerFixture:
    """The sample ledger, a checkpoint of its 14 entries cosigned by a witness, then a note."""
    ledger = sample_ledger(directory, backend)
    signed, _ = checkpoints.sign_checkpoint(store=ledger.store, keys=[ledger.keys["li.na"]])
    witness = seeded_key("witness")
    cosigned = sign_note(
        signed.checkpoint.text(),
        [cosigner("w.example", witness, 1_700_000_000)],
        signed.note.signatures,
    )
    checkpoints.add_cosignatures(
        store=ledger.store,
        data=cosigned.encode(),
        witness_keys=[cosigner_key("w.example", witness.public_key)],
    )
    ledger.note("wang.fang", "后续意见。")
    return ledger


@pytest.fixture
def witnessed(tmp_path: Path, backend: Backend) -> Iterator[LedgerFixture]:
    ledger = witnessed_sample(tmp_path, backend)
    assert verify_ledger(store=ledger.store).ok
    yield ledger
    ledger.store.close()


def verify(ledger: LedgerFixture) -> VerifyReport:
    return verify_ledger(store=ledger.store)


def statement(db: str, seq: int) -> bytes:
    ((data,),) = read(db, f"SELECT statement FROM entries WHERE seq = {seq}")
    assert isinstance(data, bytes)
    return data


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# -- values of another class or form, written with the sqlite3 shell ----------------------------

# (SQL, the kind of the first failure, its seq, a fragment of its message)
SQLITE_CHANGES: dict[str, tuple[str, str, int, str]] = {
    "statement as TEXT": (
        "UPDATE entries SET statement = CAST(statement AS TEXT) WHERE seq = 5",
        "storage",
        5,
        "column statement holds TEXT, not a BLOB",
    ),
    "signature as TEXT": (
        "UPDATE entries SET signature = CAST(signature AS TEXT) WHERE seq = 5",
        "storage",
        5,
        "column signature holds TEXT",
    ),
    "signature cut short": (
        "UPDATE entries SET signature = substr(signature, 1, 10) WHERE seq = 5",
        "signature",
        5,
        "signature does not verify",
    ),
    "leaf hash as a BLOB": (
        "UPDATE entries SET leaf_hash = CAST(leaf_hash AS BLOB) WHERE seq = 5",
        "storage",
        5,
        "column leaf_hash holds a BLOB, not TEXT",
    ),
    "leaf hash as an integer": (
        "UPDATE entries SET leaf_hash = 12345 WHERE seq = 5",
        "leaf_hash",
        5,
        "stored leaf hash 12345…",
    ),
    "actor as an integer": (
        "UPDATE entries SET actor = 7 WHERE seq = 5",
        "column",
        5,
        "column actor is '7' but the statement says 'li.na'",
    ),
    "actor not UTF-8": (
        "UPDATE entries SET actor = CAST(X'ff6c69' AS TEXT) WHERE seq = 5",
        "column",
        5,
        "column actor is '\\udcffli' but the statement says 'li.na'",
    ),
    "blob data as TEXT": (
        "UPDATE blobs SET data = CAST(data AS TEXT)",
        "storage",
        8,
        "holds TEXT, not a BLOB",
    ),
    "blob data cut short": ("UPDATE blobs SET data = substr(data, 1, 3)", "blob", 8, "altered"),
    "checkpoint note as TEXT": (
        "UPDATE checkpoints SET note = CAST(note AS TEXT)",
        "storage",
        13,
        "column note of the checkpoint of size 14 holds TEXT",
    ),
    "checkpoint note not UTF-8": (
        "UPDATE checkpoints SET note = X'ff0a'",
        "checkpoint",
        13,
        "malformed note",
    ),
    "cosignature line as a BLOB": (
        "UPDATE cosignatures SET line = CAST(line AS BLOB)",
        "storage",
        13,
        "a stored cosignature (size 14, witness 'w.example'): line holds a BLOB",
    ),
    "node hash as TEXT": (
        "UPDATE merkle_nodes SET hash = CAST(hash AS TEXT) WHERE size = 2",
        "merkle_cache",
        1,
        "the level-1 node over seq 0–1 is stored as TEXT, not a BLOB",
    ),
    "node hash 31 bytes": (
        "UPDATE merkle_nodes SET hash = substr(hash, 2) WHERE size = 2",
        "merkle_cache",
        1,
        "the level-1 node over seq 0–1 differs from the rebuild",
    ),
    "node size as text": (
        "UPDATE merkle_nodes SET size = 'x' WHERE size = 2",
        "merkle_cache",
        1,
        "the level-1 node over seq 0–1 is missing",
    ),
    "node level beyond any tree": (
        "UPDATE merkle_nodes SET level = 1000000000 WHERE size = 2",
        "merkle_cache",
        1,
        "the level-1 node over seq 0–1 is missing",
    ),
    "derived name not UTF-8": (
        "UPDATE persons SET name = CAST(X'ff' AS TEXT) WHERE id = 'zhao.lei'",
        "derived",
        3,
        "derived table persons: row zhao.lei differs from the rebuild",
    ),
}


@SQLITE_ONLY  # SQLite's columns take any class of value; PostgreSQL's are typed
@pytest.mark.parametrize("change", sorted(SQLITE_CHANGES))
def test_value_of_another_class(witnessed: LedgerFixture, change: str) -> None:
    """A value of another storage class, or a malformed one, is named at its seq."""
    script, kind, seq, fragment = SQLITE_CHANGES[change]
    result = sql(witnessed.db, script)
    assert result.returncode == 0, result.stderr
    report = verify(witnessed)
    assert report.failures[kind].seq == seq, report.to_json()
    assert fragment in report.failures[kind].message, report.to_json()
    command_reports(witnessed.db, kind, fragment, seq)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (b'"seq":9', b'"seq":NaN', "NaN is not JSON"),
        (b'"seq":9', b'"seq":-Infinity', "-Infinity is not JSON"),
        (b'"seq":9', b'"seq":1e400', "not in RFC 8785 canonical form"),
        (b'"seq":9', b'"seq":' + b"9" * 40, "not in RFC 8785 canonical form"),
        (b'"seq":9', b'"seq":' + b"9" * 5000, "Exceeds the limit"),
        ("同意".encode(), b"\xff\xfe", "not valid UTF-8 JSON"),
        (b'"text":"', b'"text":' + nested(5000) + b',"x":"', "nested too deeply"),
    ],
    ids=["NaN", "-Infinity", "1e400", "huge", "5000 digits", "not UTF-8", "nested 5000 deep"],
)
def test_edited_statement_json(
    witnessed: LedgerFixture, old: bytes, new: bytes, fragment: str
) -> None:
    """An entry's statement edited into JSON that is non-finite, out of range, not UTF-8 or
    nested thousands deep is a canonical-form failure at its seq (9, a note that nothing later
    depends on); the chain after it is still checked (a broken link at 10), and so is the
    rest: a signature changed at seq 12 is reported too."""
    data = statement(witnessed.db, 9)
    assert old in data
    changed = data.replace(old, new, 1)
    ((signature,),) = read(witnessed.db, "SELECT signature FROM entries WHERE seq = 12")
    assert isinstance(signature, bytes)
    result = sql(
        witnessed.db,
        f"UPDATE entries SET statement = {hexlit(witnessed.db, changed)} WHERE seq = 9;"
        f"UPDATE entries SET signature = {hexlit(witnessed.db, signature[::-1])} WHERE seq = 12;",
    )
    assert result.returncode == 0, result.stderr
    report = verify(witnessed)
    assert report.failures["canonical"].seq == 9, report.to_json()
    assert fragment in report.failures["canonical"].message
    assert report.failures["chain"].seq == 10
    assert report.failures["signature"].seq == 12
    command_reports(witnessed.db, "canonical", fragment, 9)


@SQLITE_ONLY  # PostgreSQL's bytea column keeps bytes
def test_statement_edited_in_the_shell(witnessed: LedgerFixture) -> None:
    """Editing the JSON with the shell's replace() stores TEXT: a storage failure and a leaf
    hash failure at that seq; the broken link is named at the next."""
    sql(
        witnessed.db,
        "UPDATE entries SET statement = replace(statement, '同意', '反对') WHERE seq = 9",
    )
    report = verify(witnessed)
    assert report.failures["storage"].seq == 9
    assert report.failures["leaf_hash"].seq == 9
    assert report.failures["chain"].seq == 10
    command_reports(witnessed.db, "storage", "column statement holds TEXT", 9)


# (table, column, SQL of the NULL, the kind of the failure, its seq, a fragment of its message)
NULLS = {
    "statement": ("entries", "UPDATE entries SET statement = NULL WHERE seq = 9", "storage", 9),
    "signature": ("entries", "UPDATE entries SET signature = NULL WHERE seq = 9", "storage", 9),
    "blob data": ("blobs", "UPDATE blobs SET data = NULL", "storage", 8),
    "checkpoint note": ("checkpoints", "UPDATE checkpoints SET note = NULL", "storage", 13),
    "node hash": (
        "merkle_nodes",
        "UPDATE merkle_nodes SET hash = NULL WHERE size = 2",
        "merkle_cache",
        1,
    ),
}


@SQLITE_ONLY  # the rebuild is the sqlite3 shell's
@pytest.mark.parametrize("column", sorted(NULLS))
def test_null_after_not_null_is_dropped(witnessed: LedgerFixture, column: str) -> None:
    """The table is rebuilt in the sqlite3 shell without NOT NULL, then a value set to NULL:
    the missing constraint and the NULL are each named; the entries after a NULL statement
    still chain to its stored leaf hash."""
    table, update, kind, seq = NULLS[column]
    rebuilt = sql(
        witnessed.db, rebuilt_without(witnessed.db, table, " NOT NULL"), drop_triggers=False
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert sql(witnessed.db, update).returncode == 0
    report = verify(witnessed)
    assert report.failures[kind].seq == seq, report.to_json()
    assert "NOT NULL" in report.failures["db_schema"].message
    assert "chain" not in report.failures
    command_reports(witnessed.db, kind, "", seq)


# -- one hostile row, inserted as the recorders may --------------------------------------------


def as_recorder(db: str, script: str) -> None:
    """Run `script` as recorders can: psql as the application role on PostgreSQL (INSERT is
    granted by design), the sqlite3 shell on SQLite."""
    if not is_pg(db):
        result = sql(db, script, drop_triggers=False)
    else:
        result = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", libpq_url(db)],
            input=script,
            text=True,
            capture_output=True,
            check=False,
        )
    assert result.returncode == 0, result.stderr


def entry_row(db: str, seq: int, data: bytes, leaf: str = "zz") -> str:
    ((prev,),) = read(db, f"SELECT leaf_hash FROM entries WHERE seq = {HEAD}")
    values = [str(seq), quote(leaf), quote(str(prev)), "'note'", "'meeting-1'"]
    values += ["'2020-01-06T09:00:00+08:00'", "'2020-01-06T01:01:00.000000Z'", "'wang.fang'"]
    values += [quote("0" * 64), hexlit(db, data), hexlit(db, b"\x00\x01\x02")]
    return f"INSERT INTO entries VALUES ({', '.join(values)});"


# (the row, the kind of the first failure, its seq, a fragment of its message)
INSERTED: dict[str, tuple[Callable[[str], str], str, int | None, str]] = {
    "entry nested 5000 deep": (
        lambda db: entry_row(db, HEAD + 1, nested(5000)),
        "canonical",
        HEAD + 1,
        "nested too deeply",
    ),
    "entry not UTF-8": (
        lambda db: entry_row(db, HEAD + 1, b"\xff\xfe{}"),
        "canonical",
        HEAD + 1,
        "not valid UTF-8",
    ),
    "entry far ahead, NaN": (
        lambda db: entry_row(db, 2**31 - 1, b'{"seq":NaN}', "0" * 64),
        "sequence",
        HEAD + 1,
        f"seq {HEAD + 1}–2147483646 missing",
    ),
    "entry before genesis": (
        lambda db: entry_row(db, -1, b"{}", "1" * 64),
        "sequence",
        -1,
        "seq -1 appears again, or out of order",
    ),
    "blob": (
        lambda db: f"INSERT INTO blobs VALUES ({quote('x' * 64)}, -1, {hexlit(db, b'?')});",
        "blob",
        None,
        "blob xxxxxxxxxxxx… is altered",
    ),
    "checkpoint": (
        lambda db: f"INSERT INTO checkpoints VALUES (99, {hexlit(db, NOT_UTF8)});",
        "checkpoint",
        98,
        "malformed note",
    ),
    "cosignature": (
        lambda db: "INSERT INTO cosignatures VALUES (14, 'evil', 'zz', 'junk', 'junk');",
        "checkpoint",
        13,
        "a stored witness key is malformed",
    ),
    "node": (
        lambda db: f"INSERT INTO merkle_nodes VALUES (2147483647, 40, {hexlit(db, b'1')});",
        "merkle_cache",
        2147483646,
        "is beyond the ledger",
    ),
    "decision state": (
        lambda db: (
            "INSERT INTO procedure_state VALUES ('decision', 'd9', 'approved', NULL, "
            "NULL, '{', 2147483647);"
        ),
        "derived",
        None,
        "derived table procedure_state: row decision/d9 is not in the rebuild",
    ),
}


@pytest.mark.parametrize("row", sorted(INSERTED))
def test_one_hostile_row_inserted(witnessed: LedgerFixture, row: str) -> None:
    """One malformed row, inserted by the recorders' role (which may INSERT by design, so the
    row can never be removed), is a named failure at its seq on every later verify."""
    make, kind, seq, fragment = INSERTED[row]
    as_recorder(witnessed.db, make(witnessed.db))
    for _ in range(2):
        report = verify(witnessed)
        assert report.failures[kind].seq == seq, report.to_json()
        assert fragment in report.failures[kind].message, report.to_json()
    command_reports(witnessed.db, kind, fragment, seq)


def _same_bytes_other_base64(encoded: str) -> str:
    """`encoded` with the padding bits of its last character set: other text, same bytes."""
    body = encoded.rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    unused = {1: 0b1111, 2: 0b11}[len(encoded) - len(body)]  # bits past the last byte
    last = alphabet[alphabet.index(body[-1]) | unused]
    changed = body[:-1] + last + encoded[len(body) :]
    assert changed != encoded and base64.b64decode(changed) == base64.b64decode(encoded)
    return changed


def test_signature_line_rewritten_in_other_base64(witnessed: LedgerFixture) -> None:
    """A stored checkpoint's signature line whose base64 is rewritten so that it decodes to the
    same bytes (padding bits set) still verifies as a signature, but it is not what was signed
    and stored: verify names it."""
    ((note,),) = read(witnessed.db, "SELECT note FROM checkpoints")
    assert isinstance(note, bytes)
    text = note.decode()
    encoded = text.rstrip("\n").rsplit(" ", 1)[1]
    changed = text.replace(encoded, _same_bytes_other_base64(encoded)).encode()
    result = sql(witnessed.db, f"UPDATE checkpoints SET note = {hexlit(witnessed.db, changed)}")
    assert result.returncode == 0, result.stderr
    report = verify(witnessed)
    assert list(report.failures) == ["checkpoint"], report.to_json()
    fragment = "stored checkpoint of size 14 is not in the encoding it was signed in"
    command_reports(witnessed.db, "checkpoint", fragment, 13)


def test_cosignature_line_rewritten_in_other_base64(witnessed: LedgerFixture) -> None:
    """The same for a witness's stored cosignature line."""
    ((line,),) = read(witnessed.db, "SELECT line FROM cosignatures")
    assert isinstance(line, str)
    encoded = line.rsplit(" ", 1)[1]
    changed = line.replace(encoded, _same_bytes_other_base64(encoded))
    result = sql(witnessed.db, f"UPDATE cosignatures SET line = {quote(changed)}")
    assert result.returncode == 0, result.stderr
    report = verify(witnessed)
    assert list(report.failures) == ["checkpoint"], report.to_json()
    fragment = "the cosignature line of w.example is not in the encoding it was made in"
    command_reports(witnessed.db, "checkpoint", fragment, 13)
