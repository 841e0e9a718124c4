"""Verify's signature checks on a ledger large enough for worker processes: the batches the
workers check give the same report as checking every signature in one process."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.append import Draft, append_batch
from ledger.cli import app
from ledger.store import open_store
from ledger.verification import verify_ledger
from ledger.verify import BATCH, PARALLEL_THRESHOLD
from tests import tamper
from tests.builders import LedgerFixture, new_ledger

NOTES = 4 * BATCH + 100  # several batches beyond the threshold for workers


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> LedgerFixture:
    ledger = new_ledger(tmp_path_factory.mktemp("parallel"))
    ledger.register("wang.fang", "王芳")
    key = ledger.keys["wang.fang"]
    moment = ledger.clock()

    def clock() -> datetime:
        nonlocal moment
        moment += timedelta(seconds=1)
        return moment

    drafts = [
        Draft("note", f"meeting-{n % 50}", {"text": f"第{n}号会议纪要"}, "wang.fang", key)
        for n in range(NOTES)
    ]
    append_batch(store=ledger.store, drafts=drafts, now=clock)
    return ledger


def test_large_ledger_verifies_in_parallel(large: LedgerFixture) -> None:
    assert large.store.count() >= PARALLEL_THRESHOLD
    report = verify_ledger(store=large.store, parallel=True)
    assert report.ok, report.failures


def test_bad_signatures_in_every_batch_are_named_as_in_one_process(
    large: LedgerFixture, tmp_path: Path
) -> None:
    """Signatures flipped in the first, a middle and the last batch: the parallel check names
    the lowest seq and counts all three, exactly as the check in one process does."""
    copy = tmp_path / "ledger.db"
    large.store.close()
    copy.write_bytes(Path(large.db).read_bytes())
    large.store = open_store(large.db)
    seqs = (10, 2 * BATCH + 7, 4 * BATCH + 50)
    for seq in seqs:
        [(signature,)] = tamper.read(str(copy), f"SELECT signature FROM entries WHERE seq = {seq}")
        assert isinstance(signature, bytes)
        flipped = signature[:10] + bytes([signature[10] ^ 1]) + signature[11:]
        result = tamper.sql(
            str(copy),
            f"UPDATE entries SET signature = {tamper.hexlit(str(copy), flipped)} WHERE seq = {seq}",
        )
        assert result.returncode == 0, result.stderr
    store = open_store(str(copy))
    try:
        together = verify_ledger(store=store, parallel=True)
        alone = verify_ledger(store=store, parallel=False)
    finally:
        store.close()
    assert set(together.failures) == set(alone.failures) == {"signature"}
    for report in (together, alone):
        failure = report.failures["signature"]
        assert (failure.seq, failure.count) == (10, 3)
        assert "signature does not verify" in failure.message


def test_a_damaged_page_met_while_streaming_is_a_store_error(
    large: LedgerFixture, tmp_path: Path
) -> None:
    """A page of the entries table overwritten with junk halfway through the stream verify
    reads (SQLite's own cursor): one error line, exit 4, no traceback."""
    copy = tmp_path / "ledger.db"
    large.store.close()
    copy.write_bytes(Path(large.db).read_bytes())
    large.store = open_store(large.db)
    conn = sqlite3.connect(copy)
    try:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        leaves = [p for (p,) in conn.execute(DBSTAT_LEAVES)]
    finally:
        conn.close()
    assert len(leaves) > 100
    with copy.open("r+b") as handle:
        handle.seek((leaves[len(leaves) // 2] - 1) * size)
        handle.write(b"\xde\xad\xbe\xef" * (size // 4))
    result = CliRunner().invoke(app, ["--db", str(copy), "verify"])
    assert result.exit_code == 4, result.output
    assert result.stderr == (
        "error: the database refused the read: database disk image is malformed\n"
    )


DBSTAT_LEAVES = (
    "SELECT pageno FROM dbstat WHERE name = 'entries' AND pagetype = 'leaf' ORDER BY pageno"
)
