"""The registrar signs only what it verified: entries inserted or changed behind the
application's back are refused at their seq, the root is recomputed from the statements (a
tampered node cache neither reaches the checkpoint nor survives it), and verification resumes
from the registrar's own signed record of the last checkpoint, so its cost follows the new
entries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from ledger import checkpoints, merkle, tree_verify
from ledger.app import demo
from ledger.checkpoints import record, signing
from ledger.errors import CheckpointError, EntryHashError
from ledger.store import SqlStore, open_store
from ledger.store.tables import ENTRIES
from ledger.verification import verify_ledger
from ledger.verify import VerifyReport
from tests.builders import LedgerFixture, seeded_key
from tests.tamper import forge_append, hexlit, next_statement, read, sql


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """Where the registrar keeps its record of the last checkpoint."""
    return tmp_path / "state"


def raw(value: object) -> bytes:
    """A BLOB column's value, as the driver returns it."""
    assert isinstance(value, bytes | memoryview), value
    return bytes(value)


def sign_here(ledger: LedgerFixture, state: Path | None) -> checkpoints.Signing:
    return checkpoints.sign_verified(
        store=ledger.store, keys=[ledger.keys["li.na"]], state_dir=state
    )


def stored_sizes(ledger: LedgerFixture) -> list[int]:
    return [int(str(size)) for (size,) in read(ledger.db, "SELECT size FROM checkpoints")]


def true_root(ledger: LedgerFixture) -> bytes:
    """The root of the leaf hashes recomputed from the stored statements."""
    rows = read(ledger.db, "SELECT statement FROM entries ORDER BY seq")
    return merkle.root([merkle.hash_leaf(raw(data)) for (data,) in rows])


def overwrite_node(ledger: LedgerFixture, size: int, level: int) -> None:
    ((value,),) = read(
        ledger.db, f"SELECT hash FROM merkle_nodes WHERE size = {size} AND level = {level}"
    )
    changed = bytes([raw(value)[0] ^ 1]) + raw(value)[1:]
    script = (
        f"UPDATE merkle_nodes SET hash = {hexlit(ledger.db, changed)} "
        f"WHERE size = {size} AND level = {level};"
    )
    assert sql(ledger.db, script).returncode == 0


def refused(ledger: LedgerFixture, state: Path | None, stored: int = 14) -> CheckpointError:
    """Signing refuses, and no checkpoint beyond the one of size `stored` is kept."""
    with pytest.raises(CheckpointError) as caught:
        sign_here(ledger, state)
    assert stored_sizes(ledger) == [stored]
    return caught.value


def whole_verify(ledger: LedgerFixture) -> VerifyReport:
    return verify_ledger(store=ledger.store)


# -- entries nobody verified are not signed ---------------------------------------------------


@pytest.mark.parametrize("resume", [False, True], ids=["from-genesis", "resumed"])
def test_an_unsigned_entry_inserted_behind_the_app_is_refused(
    sample: LedgerFixture, state: Path, resume: bool
) -> None:
    chosen = state if resume else None
    sign_here(sample, chosen)
    sample.note("wang.fang", "真的意见。")  # seq 14, through the application
    forge_append(
        sample.db, next_statement(sample, "wang.fang", sample.keys["wang.fang"].key_id), None
    )
    error = refused(sample, chosen)
    assert error.seq == 15
    assert "[signature] seq 15: signature does not verify" in error.message
    assert "nothing was signed or stored" in error.message


def test_an_entry_by_a_key_nobody_bound_is_refused(sample: LedgerFixture, state: Path) -> None:
    sign_here(sample, state)
    rogue = seeded_key("rogue")
    forge_append(sample.db, next_statement(sample, "wang.fang", rogue.key_id), rogue)
    error = refused(sample, state)
    assert error.seq == 14 and "[key] seq 14" in error.message


def test_a_rewritten_entry_since_the_last_checkpoint_is_refused(
    sample: LedgerFixture, state: Path
) -> None:
    """A statement changed in place after the last checkpoint (its leaf hash recomputed, so
    the node cache and the columns agree with it) fails its signature at its seq."""
    sign_here(sample, state)
    sample.note("wang.fang", "原话。")
    sample.note("wang.fang", "之后。")
    ((data,),) = read(sample.db, "SELECT statement FROM entries WHERE seq = 14")
    forged = raw(data).replace("原话".encode(), "改话".encode())
    leaf = merkle.hash_leaf(forged).hex()
    script = (
        f"UPDATE entries SET statement = {hexlit(sample.db, forged)}, leaf_hash = '{leaf}' "
        "WHERE seq = 14;"
    )
    assert sql(sample.db, script).returncode == 0
    error = refused(sample, state)
    assert error.seq == 14
    assert "[signature] seq 14" in error.message and "[chain] seq 15" in error.message


# -- the root is the verified leaves' root, never the cache's --------------------------------


def test_an_overwritten_node_is_not_signed_and_is_repaired(
    sample: LedgerFixture, state: Path
) -> None:
    overwrite_node(sample, 8, 3)
    assert "merkle_cache" in whole_verify(sample).failures
    done = sign_here(sample, state)
    assert done.checkpoint.checkpoint.root == true_root(sample)
    assert (done.resumed_at, done.verified, done.repaired) == (0, 14, 1)
    report = whole_verify(sample)
    assert report.ok, report.to_json()


def test_resumed_signing_compares_the_new_nodes_and_the_border(
    sample: LedgerFixture, state: Path
) -> None:
    """From the record of size 14: the nodes the 6 new leaves complete and the border at 14
    (the level-3 node over seq 0–7 and the level-2 node over 8–11) are compared and repaired;
    an interior node inside the old tree is not (only `ledger verify` reads the whole cache),
    yet the signed root stays right and later appends grow from a sound border."""
    sign_here(sample, state)
    for i in range(6):
        sample.note("wang.fang", f"补充 {i}")
    overwrite_node(sample, 16, 4)  # completed by the new leaves
    overwrite_node(sample, 8, 3)  # on the border at 14
    overwrite_node(sample, 4, 2)  # interior to the old tree
    done = sign_here(sample, state)
    assert (done.resumed_at, done.verified, done.repaired) == (14, 6, 2)
    assert done.checkpoint.checkpoint.root == true_root(sample)
    failures = whole_verify(sample).failures
    assert list(failures) == ["merkle_cache"] and failures["merkle_cache"].seq == 3
    sample.note("wang.fang", "再补充。")
    assert sign_here(sample, state).checkpoint.checkpoint.root == true_root(sample)


def test_a_missing_node_is_restored(sample: LedgerFixture, state: Path) -> None:
    assert sql(sample.db, "DELETE FROM merkle_nodes WHERE size = 12 AND level = 2;").returncode == 0
    done = sign_here(sample, state)
    assert done.repaired == 1 and done.checkpoint.checkpoint.root == true_root(sample)
    assert whole_verify(sample).ok


# -- where verification resumes ----------------------------------------------------------------


def test_signing_resumes_from_its_own_record(sample: LedgerFixture, state: Path) -> None:
    first = sign_here(sample, state)
    assert (first.resumed_at, first.verified, first.state_note) == (0, 14, None)
    (record,) = state.iterdir()
    assert record.suffix == ".json" and record.stat().st_mode & 0o077 == 0
    for i in range(3):
        sample.note("zhao.lei", f"第 {i} 条")
    second = sign_here(sample, state)
    assert (second.resumed_at, second.verified) == (14, 3)
    assert second.checkpoint.checkpoint.root == true_root(sample)
    again = sign_here(sample, state)
    assert not again.new and again.checkpoint == second.checkpoint
    # the record replays to the same register: a gate-relevant entry still checks
    sample.append(
        "membership.started",
        "zhao.lei",
        {"organ": "bureau-meeting", "role": "member", "from": "2020-07-01"},
    )
    assert sign_here(sample, state).verified == 1


def test_a_changed_record_is_not_trusted(sample: LedgerFixture, state: Path) -> None:
    """The record is signed by the registrar's key: changed by anyone else (here: the key
    that revoked zhao.lei's old key is dropped from it, so a forged entry by that key would
    pass), it is ignored and the whole ledger is verified."""
    sign_here(sample, state)
    (record,) = state.iterdir()
    payload, trailer = record.read_bytes().rstrip(b"\n").split(b"\n")
    value = json.loads(payload)
    value["register"]["keys"] = [[*row[:5], None, None, None] for row in value["register"]["keys"]]
    record.write_bytes(json.dumps(value).encode() + b"\n" + trailer + b"\n")
    old = seeded_key("zhao.lei")
    forge_append(sample.db, next_statement(sample, "zhao.lei", old.key_id), old)
    with pytest.raises(CheckpointError, match=r"\[key\] seq 14"):
        sign_here(sample, state)
    assert sql(sample.db, "DELETE FROM entries WHERE seq = 14;").returncode == 0
    sample.note("zhao.lei", "新密钥的意见。")
    done = sign_here(sample, state)
    assert (done.new, done.resumed_at, done.verified) == (True, 0, 15)
    assert "not signed by the key signing now" in (done.state_note or "")


def test_a_record_signed_by_another_key_is_not_used(sample: LedgerFixture, state: Path) -> None:
    sign_here(sample, state)
    new_key = sample.bind("li.na", seeded_key("li.na/2"))
    done = checkpoints.sign_verified(store=sample.store, keys=[new_key], state_dir=state)
    assert done.resumed_at == 0 and "not signed by the key signing now" in (done.state_note or "")


def test_a_rolled_back_ledger_is_refused(sample: LedgerFixture, state: Path) -> None:
    """The administrator restores an older copy (entries and checkpoints): the registrar's
    record still knows the checkpoint of size 14 it signed."""
    sign_here(sample, state)
    script = (
        "DELETE FROM entries WHERE seq >= 12; DELETE FROM merkle_nodes WHERE size > 12; "
        "DELETE FROM checkpoints;"
    )
    assert sql(sample.db, script).returncode == 0
    with pytest.raises(CheckpointError, match="seq 12–13 missing") as caught:
        sign_here(sample, state)
    assert caught.value.seq == 12 and stored_sizes(sample) == []


def test_a_rewritten_history_is_refused_from_the_record(sample: LedgerFixture, state: Path) -> None:
    sign_here(sample, state)
    script = "DELETE FROM entries WHERE seq >= 12; DELETE FROM merkle_nodes WHERE size > 12;"
    assert sql(sample.db, script).returncode == 0
    for i in range(3):
        sample.note("wang.fang", f"改写的历史 {i}。")
    with pytest.raises(CheckpointError, match="entry 13 was changed, replaced or removed"):
        sign_here(sample, state)
    assert stored_sizes(sample) == [14]


def test_a_changed_leaf_hash_column_at_the_record_is_refused(
    sample: LedgerFixture, state: Path
) -> None:
    """Appends grow the node cache from the last leaf's stored hash: a wrong one is named."""
    sign_here(sample, state)
    sample.note("wang.fang", "新的。")
    assert (
        sql(sample.db, f"UPDATE entries SET leaf_hash = '{'0' * 64}' WHERE seq = 13;").returncode
        == 0
    )
    with pytest.raises(EntryHashError) as caught:
        sign_here(sample, state)
    assert caught.value.seq == 13


def test_signing_refuses_when_a_stored_checkpoint_is_not_of_this_history(
    sample: LedgerFixture, state: Path
) -> None:
    signed = sign_here(sample, None).checkpoint
    sample.note("wang.fang", "新的。")
    other = signed.encode().replace(b"\n14\n", b"\n15\n")
    assert (
        sql(
            sample.db,
            f"INSERT INTO checkpoints (size, note) VALUES (15, {hexlit(sample.db, other)});",
        ).returncode
        == 0
    )
    sample.note("wang.fang", "再新的。")
    with pytest.raises(CheckpointError, match="not an extension of the checkpoint of size 15"):
        sign_here(sample, state)


def test_the_tree_pass_agrees_after_resumed_signing(sample: LedgerFixture, state: Path) -> None:
    for _ in range(3):
        sign_here(sample, state)
        sample.note("wang.fang", "又一条。")
    sign_here(sample, state)
    report = VerifyReport()
    tree = tree_verify.verify_tree(store=sample.store, report=report)
    assert report.ok and tree.checkpoints == 4


# -- the record replays to the very register a whole verification builds ---------------------


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[demo.Demo, SqlStore]]:
    built = demo.build(tmp_path_factory.mktemp("demo") / "d")
    store = open_store(str(built.db))
    yield built, store
    store.close()


def test_resuming_from_a_record_at_any_point_of_the_demo_checks_as_verify_does(
    demo_ledger: tuple[demo.Demo, SqlStore], tmp_path: Path
) -> None:
    """White-box: a record written at size k (people, keys, posts, every decision's and
    meeting's procedure state) and read back resumes verification of seq k … end with no
    failure — the gates of the later entries see the state they saw when appended — and ends
    in the register a whole verification builds."""
    built, store = demo_ledger
    key = seeded_key("li.na")
    size = built.entries
    with store.reading() as conn:
        genesis = raw(conn.execute(select(ENTRIES.c.statement).where(ENTRIES.c.seq == 0)).scalar())
        whole, _, _ = signing._verify_since(conn, store, None, size)
        expected = whole.directory.table_rows()
        for cut in range(1, size, 23):
            path = tmp_path / f"{cut}.json"
            prefix, _, _ = signing._verify_since(conn, store, None, cut)
            leaf = merkle.hash_leaf(genesis).hex()
            assert record.save_state(path, leaf, prefix, key) is None
            start, note = record.load_state(path, [key], genesis)
            assert start is not None and note is None
            resumed, _, fixes = signing._verify_since(conn, store, start, size)
            assert resumed.tree.root() == whole.tree.root() and fixes == []
            rows = resumed.directory.table_rows()
            for name in ("persons", "keys", "organs", "memberships", "procedure_state"):
                assert rows[name] == expected[name], (cut, name)
