"""`ledger publish`: tlog-tiles read back by an independent reader, incremental, atomic,
deterministic, and refused when the entries no longer hash to the checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import publish
from ledger.app import demo
from ledger.errors import CheckpointError, EntryNotFoundError
from ledger.note import b64
from tests.cli.conftest import Cli, ok
from tests.tamper import hexlit, read, sql
from tests.witness.conftest import add_notes, log_key, notes_ledger, sign
from tests.witness.tlog_reader import ReadError, dir_fetch, read_log


def files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_publish_grows_incrementally_and_reads_back(tmp_path: Path) -> None:
    """Three levels of tiles; the second run writes only what grew; the reader agrees."""
    ledger = notes_ledger(tmp_path, 300)  # 303 entries: tile/0/000, tile/0/001.p/47, tile/1/000.p/1
    first = sign(ledger)
    out = tmp_path / "www"
    done = publish.publish(store=ledger.store, directory=out)
    assert done.size == 303 and done.previous == 0
    assert "tile/0/000" in done.written and "tile/0/001.p/47" in done.written
    assert "tile/1/000.p/1" in done.written and "x-sig/001.p/47" in done.written
    vkey = log_key(ledger).encode()
    read = read_log(dir_fetch(out), vkey)
    assert (read.size, read.root) == (303, first.checkpoint.root)
    full = (out / "tile/0/000").stat()

    add_notes(ledger, 220)  # 523 entries: tile/0/002.p/11, tile/1/000.p/2
    second = sign(ledger)
    again = publish.publish(store=ledger.store, directory=out)
    assert again.previous == 303 and again.size == 523
    assert "tile/0/000" not in again.written  # full tiles are never written twice
    assert set(again.written) == {
        "tile/0/001",
        "tile/0/002.p/11",
        "tile/1/000.p/2",
        "tile/entries/001",
        "tile/entries/002.p/11",
        "x-sig/001",
        "x-sig/002.p/11",
    }
    assert (out / "tile/0/000").stat().st_mtime_ns == full.st_mtime_ns
    assert (out / "tile/0/001.p/47").exists()  # older checkpoints' partials stay
    read = read_log(dir_fetch(out), vkey)
    assert (read.size, read.root) == (523, second.checkpoint.root)
    # nothing new: nothing written
    idle = publish.publish(store=ledger.store, directory=out)
    assert idle.written == [] and not idle.checkpoint_changed

    # deterministic: a fresh directory holds the same bytes at every path it has
    fresh = tmp_path / "fresh"
    publish.publish(store=ledger.store, directory=fresh)
    grown, clean = files(out), files(fresh)
    assert set(clean) <= set(grown)
    assert all(grown[name] == body for name, body in clean.items())
    assert set(grown) - set(clean) == {
        "tile/0/001.p/47",
        "tile/entries/001.p/47",
        "x-sig/001.p/47",
        "tile/1/000.p/1",
    }
    assert not [name for name in grown if ".tmp" in name]


def test_publish_refuses_entries_that_do_not_hash_to_the_checkpoint(tmp_path: Path) -> None:
    ledger = notes_ledger(tmp_path, 5)
    sign(ledger)
    out = tmp_path / "www"
    (statement,) = read(ledger.db, "SELECT statement FROM entries WHERE seq = 7")[0]
    assert isinstance(statement, bytes | memoryview)
    changed = bytes(statement).replace("原文 7".encode(), "原文 X".encode())
    done = sql(
        ledger.db, f"UPDATE entries SET statement = {hexlit(ledger.db, changed)} WHERE seq = 7"
    )
    assert done.returncode == 0 and changed != statement, done.stderr
    with pytest.raises(CheckpointError, match="refusing to publish: the entries hash to root"):
        publish.publish(store=ledger.store, directory=out)
    assert not out.exists() or files(out) == {}


def test_publish_refuses_another_history_and_a_rollback(tmp_path: Path) -> None:
    one = notes_ledger(tmp_path / "a", 10)
    sign(one)
    out = tmp_path / "www"
    publish.publish(store=one.store, directory=out)
    before = files(out)
    other = notes_ledger(tmp_path / "b", 4)  # same origin and keys, another (shorter) history
    add_notes(other, 3, text="改写")
    sign(other)
    with pytest.raises(CheckpointError, match="larger than this ledger's latest checkpoint"):
        publish.publish(store=other.store, directory=out)
    add_notes(other, 10, text="改写")
    sign(other)
    with pytest.raises(CheckpointError, match="not an extension of"):
        publish.publish(store=other.store, directory=out)
    assert files(out) == before


def test_publish_needs_a_checkpoint(tmp_path: Path) -> None:
    ledger = notes_ledger(tmp_path, 1)
    with pytest.raises(EntryNotFoundError, match="no checkpoint is stored yet"):
        publish.publish(store=ledger.store, directory=tmp_path / "www")


def test_the_reader_catches_a_damaged_tile(tmp_path: Path) -> None:
    ledger = notes_ledger(tmp_path, 3)
    sign(ledger)
    out = tmp_path / "www"
    publish.publish(store=ledger.store, directory=out)
    path = out / "tile/0/000.p/6"
    body = bytearray(path.read_bytes())
    body[0] ^= 1
    path.write_bytes(bytes(body))
    with pytest.raises(ReadError, match="does not hash to its tile"):
        read_log(dir_fetch(out), log_key(ledger).encode())


def test_the_demo_published_matches_its_checkpoint(cli: Cli, tmp_path: Path) -> None:
    """`ledger publish` of the demo: the independent reader finds the root `ledger checkpoint`
    prints, signed by the key `ledger checkpoint --verifier-key` prints."""
    built = demo.build(tmp_path / "demo", seed=b"publish")
    db = str(built.db)
    printed = ok(
        cli("--db", db, "--key-dir", str(built.key_dir), "checkpoint", passphrase=built.passphrase)
    ).stdout
    vkey = ok(cli("--db", db, "checkpoint", "--verifier-key")).stdout.strip()
    out = tmp_path / "www"
    result = ok(cli("--db", db, "publish", "--out", str(out)))
    assert f"published size {built.entries} (before: 0)" in result.stderr
    read = read_log(dir_fetch(out), vkey)
    root_line = printed.splitlines()[2]
    assert b64(read.root) == root_line and read.size == built.entries
    assert (out / "checkpoint").read_text() == printed
    again = ok(cli("--db", db, "publish", "--out", str(out)))
    assert "0 file(s) written" in again.stderr and "the checkpoint unchanged" in again.stderr
