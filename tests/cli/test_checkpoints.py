"""The checkpoint, proof and witness commands as a user runs them; truncation and rewrite caught
by `ledger verify --checkpoint`; a witness refusing to go backwards and a fork."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from ledger import checkpoints, merkle, receipts
from ledger.entry import decode_statement, leaf_hash, signing_message
from ledger.errors import InputError
from ledger.note import Checkpoint, SignedCheckpoint, VerifierKey, ed25519_key
from tests.builders import LedgerFixture, new_ledger, seeded_key
from tests.cli.conftest import INIT, Cli, ok
from tests.tamper import forge_append, hexlit, read, sql


def raw(value: object) -> bytes:
    """A BLOB column's value, as the driver returns it."""
    assert isinstance(value, bytes | memoryview), value
    return bytes(value)


def notes_ledger(
    directory: Path, name: str = "ledger.db", *, count: int = 14, text: str = "原文"
) -> LedgerFixture:
    """Genesis, wang.fang registered and bound (seq 1–2), then notes: 3 + count entries."""
    ledger = new_ledger(directory, name)
    ledger.register("wang.fang", "王芳")
    for i in range(count):
        ledger.note("wang.fang", f"{text} {i}")
    return ledger


def keep_checkpoint(ledger: LedgerFixture, path: Path) -> Path:
    signed, _ = checkpoints.sign_checkpoint(store=ledger.store, keys=[ledger.keys["li.na"]])
    path.write_bytes(signed.encode())
    return path


def verify(cli: Cli, db: str, *kept: Path) -> tuple[int, str, str]:
    args = ["--db", db, "verify"]
    for path in kept:
        args += ["--checkpoint", str(path)]
    result = cli(*args)
    return result.exit_code, result.stdout, result.stderr


def test_the_whole_flow(ready: Cli) -> None:
    """Sign, prove, check offline, witness, store the cosignature, verify with the checkpoint."""
    work = ready.work
    vkey = ok(ready("checkpoint", "--verifier-key")).stdout.strip()
    assert vkey.startswith("edu.example-district.gov.cn/decisions+")
    first = ok(ready("checkpoint", "--out", str(work / "cp1.txt")))
    assert "signed checkpoint of size 3" in first.stderr
    assert ok(ready("checkpoint")).stdout == (work / "cp1.txt").read_text()  # stored: same bytes
    ok(ready("person", "add", "--id", "zhao.lei", "--name", "赵磊"))
    ok(ready("checkpoint", "--out", str(work / "cp2.txt")))
    listing = ok(ready("checkpoint", "list")).stdout.splitlines()
    assert [line.split("\t")[0] for line in listing] == ["3", "4"]
    # an inclusion receipt, checked with no database at all
    ok(ready("prove", "inclusion", "2", "--out", str(work / "e2.tlog-proof")))
    assert (work / "e2.tlog-proof").read_text().startswith("c2sp.org/tlog-proof@v1\nextra ")
    checked = ok(
        ready("verify-proof", str(work / "e2.tlog-proof"), "--log-key", vkey, passphrase=None)
    )
    assert checked.stdout.startswith("ok: seq 2 (key.bound by li.na")
    as_json = ok(ready("prove", "inclusion", "2", "--json")).stdout
    ready.write("e2.json", as_json)
    ok(ready("verify-proof", str(work / "e2.json"), "--log-key", vkey))
    # a witness follows the ledger
    wdir = str(work / "witness")
    wkey = ok(
        ready("witness", "init", "--name", "legal.example/w1", "--log-key", vkey, "--dir", wdir)
    ).stdout.strip()
    ready.write("p0.txt", ok(ready("prove", "consistency", "0", "3")).stdout)
    cosigned = ok(
        ready(
            "witness",
            "cosign",
            str(work / "cp1.txt"),
            "--proof",
            str(work / "p0.txt"),
            "--dir",
            wdir,
        )
    )
    ready.write("cos1.txt", cosigned.stdout)
    ready.write("p34.txt", ok(ready("prove", "consistency", "3", "4")).stdout)
    cosigned = ok(
        ready(
            "witness",
            "cosign",
            str(work / "cp2.txt"),
            "--proof",
            str(work / "p34.txt"),
            "--dir",
            wdir,
        )
    )
    ready.write("cos2.txt", cosigned.stdout)
    added = ok(
        ready("checkpoint", "add-cosignatures", str(work / "cos2.txt"), "--witness-key", wkey)
    )
    assert added.stdout.strip() == "+".join(wkey.split("+")[:2])
    assert ok(ready("checkpoint", "show", "4")).stdout == cosigned.stdout
    # the receipt now carries the cosignature; the auditor demands it
    ready.write("e2w.tlog-proof", ok(ready("prove", "inclusion", "2")).stdout)
    ok(
        ready(
            "verify-proof", str(work / "e2w.tlog-proof"), "--log-key", vkey, "--witness-key", wkey
        )
    )
    bare = ready(
        "verify-proof", str(work / "e2.tlog-proof"), "--log-key", vkey, "--witness-key", wkey
    )
    assert bare.exit_code == 3 and "0 cosignature(s)" in bare.stderr
    status = ok(ready("witness", "status", "--dir", wdir)).stdout
    assert status.splitlines()[0] == wkey and "\tsize 4\t" in status
    # consistency offline, against the checkpoint the auditor kept
    ok(
        ready(
            "verify-proof",
            str(work / "p34.txt"),
            "--log-key",
            vkey,
            "--old-checkpoint",
            str(work / "cp1.txt"),
        )
    )
    result = ok(
        ready(
            "verify", "--checkpoint", str(work / "cp1.txt"), "--checkpoint", str(work / "cos2.txt")
        )
    )
    assert "2 stored checkpoint(s), 1 cosignature(s) verified" in result.stderr
    assert "extends checkpoint" in result.stderr


def test_truncation_fails_verify_with_the_old_checkpoint(cli: Cli, tmp_path: Path) -> None:
    ledger = notes_ledger(tmp_path)
    old = keep_checkpoint(ledger, tmp_path / "old.txt")
    ledger.store.close()
    # the administrator deletes the last 4 entries, their cache rows and the stored checkpoint
    script = (
        "DELETE FROM entries WHERE seq >= 13; DELETE FROM merkle_nodes WHERE size > 13;"
        "DELETE FROM checkpoints;"
    )
    assert sql(ledger.db, script).returncode == 0
    code, stdout, _ = verify(cli, ledger.db)
    assert code == 0 and stdout.startswith("ok: 13 entries")  # the chain alone cannot tell
    code, stdout, stderr = verify(cli, ledger.db, old)
    assert code == 3, stderr
    assert (
        f"FAIL [checkpoint] seq 13: checkpoint {old} has size 17 but the ledger has only 13 "
        "entries: seq 13–16 are missing (the ledger was cut short or rolled back)"
    ) in stderr
    assert stdout.startswith("FAILED")


def test_a_rewrite_from_seq_10_fails_verify_with_the_old_checkpoint(
    cli: Cli, tmp_path: Path
) -> None:
    ledger = notes_ledger(tmp_path)
    old = keep_checkpoint(ledger, tmp_path / "old.txt")
    script = (
        "DELETE FROM entries WHERE seq >= 10; DELETE FROM merkle_nodes WHERE size > 10;"
        "DELETE FROM checkpoints;"
    )
    assert sql(ledger.db, script).returncode == 0
    for i in range(7):  # replaced, and re-signed with the authors' real keys
        ledger.note("wang.fang", f"改写 {i}")
    ledger.store.close()
    code, stdout, _ = verify(cli, ledger.db)
    assert code == 0 and stdout.startswith("ok: 17 entries")  # a valid chain of the same length
    code, _, stderr = verify(cli, ledger.db, old)
    assert code == 3
    assert (
        f"FAIL [checkpoint] the ledger is not an extension of checkpoint {old}: "
        "its first 17 entries" in stderr
    )
    assert "(an entry before seq 17 was changed or replaced)" in stderr


def test_a_witness_refuses_a_smaller_checkpoint_and_a_fork(cli: Cli, tmp_path: Path) -> None:
    honest = notes_ledger(tmp_path, count=4)
    small = keep_checkpoint(honest, tmp_path / "small.txt")  # size 7
    honest.note("wang.fang", "第五条")
    big = keep_checkpoint(honest, tmp_path / "big.txt")  # size 8
    vkey = checkpoints.current_log_keys(honest.store)[0].encode()
    wdir = str(tmp_path / "w")
    ok(cli("witness", "init", "--name", "legal.example/w1", "--log-key", vkey, "--dir", wdir))

    def proof(ledger: LedgerFixture, old: int, name: str, new: int | None = None) -> str:
        path = tmp_path / name
        made = checkpoints.prove_consistency(store=ledger.store, old=old, new=new)
        path.write_text(made.to_text())
        return str(path)

    ok(cli("witness", "cosign", str(big), "--proof", proof(honest, 0, "p0.txt"), "--dir", wdir))
    before = sorted(p.read_bytes() for p in (tmp_path / "w" / "logs").iterdir())
    # a smaller checkpoint: the log would go backwards
    back = cli(
        "witness", "cosign", str(small), "--proof", proof(honest, 0, "ps.txt", 7), "--dir", wdir
    )
    assert back.exit_code == 3
    assert (
        "has size 7, smaller than the 8 this witness cosigned before: the log would go backwards"
        in back.stderr
    )
    # a fork: another history of the same size, signed by the same registrar key
    forked = notes_ledger(tmp_path, "fork.db", count=5, text="另一版本")
    fork = keep_checkpoint(forked, tmp_path / "fork.txt")  # size 8, another root
    refused = cli(
        "witness", "cosign", str(fork), "--proof", proof(forked, 8, "pf.txt"), "--dir", wdir
    )
    assert refused.exit_code == 3
    assert (
        "refused: fork: the checkpoint has size 8, like the one cosigned before, but another root"
        in refused.stderr
    )
    # and a longer forked history whose proof cannot start from what the witness holds
    forked.note("wang.fang", "再一条")
    longer = keep_checkpoint(forked, tmp_path / "longer.txt")
    bad = cli(
        "witness", "cosign", str(longer), "--proof", proof(forked, 8, "pl.txt"), "--dir", wdir
    )
    assert bad.exit_code == 3
    assert "refused: the consistency proof from size 8 to 9 does not verify" in bad.stderr
    after = sorted(p.read_bytes() for p in (tmp_path / "w" / "logs").iterdir())
    assert after == before  # nothing changed
    assert len(list((tmp_path / "w" / "evidence").iterdir())) == 3
    honest.store.close()
    forked.store.close()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ("verify-proof", "missing.tlog-proof", "--log-key", "{vkey}"),
            "missing.tlog-proof: no such file",
        ),
        (("verify-proof", "{work}/garbage.txt", "--log-key", "{vkey}"), "garbage.txt: not a proof"),
        (
            ("verify-proof", "{work}/garbage.txt", "--log-key", "a+b"),
            "--log-key: 'a+b' is not a verifier key",
        ),
        (
            ("verify", "--checkpoint", "{work}/garbage.txt"),
            "garbage.txt: malformed note: no blank line",
        ),
        (
            ("prove", "inclusion", "1", "--checkpoint", "{work}/garbage.txt"),
            "garbage.txt: malformed note",
        ),
        (
            ("checkpoint", "add-cosignatures", "{work}/garbage.txt"),
            "--witness-key: give the witness's",
        ),
        (("witness", "status", "--dir", "{work}/nowhere"), "no witness in"),
    ],
)
def test_bad_input_is_named_and_writes_nothing(
    ready: Cli, args: tuple[str, ...], fragment: str
) -> None:
    ready.write("garbage.txt", "not a checkpoint")
    vkey = ok(ready("checkpoint", "--verifier-key")).stdout.strip()
    result = ready(*(a.format(work=ready.work, vkey=vkey) for a in args))
    assert result.exit_code in (4, 6), (result.exit_code, result.stderr)
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_tampered_receipt_exits_3(ready: Cli) -> None:
    vkey = ok(ready("checkpoint", "--verifier-key")).stdout.strip()
    ok(ready("checkpoint"))
    text = ok(ready("prove", "inclusion", "1")).stdout
    lines = text.split("\n")
    lines[3] = ("B" if lines[3][0] != "B" else "C") + lines[3][1:]  # first proof hash
    path = ready.write("bad.tlog-proof", "\n".join(lines))
    result = ready("verify-proof", path, "--log-key", vkey)
    assert result.exit_code == 3
    assert "seq 1: inclusion proof for index 1 in size 3 gives root" in result.stderr


# -- the registrar signs only what it verified ------------------------------------------------


def stored(cli: Cli) -> list[str]:
    return [line.split("\t")[0] for line in ok(cli("checkpoint", "list")).stdout.splitlines()]


def test_checkpoint_refuses_an_unsigned_entry_and_stores_nothing(ready: Cli) -> None:
    """An entry inserted with the sqlite3 shell, chained right but never signed: `ledger
    checkpoint` names its seq and kind, exits 3 and stores nothing (resuming from the record
    of the first checkpoint, as the registrar's routine run would)."""
    first = ok(ready("checkpoint"))
    assert "verified every entry, from the genesis (seq 0–2): ok" in first.stderr
    ok(ready("person", "add", "--id", "zhao.lei", "--name", "赵磊"))  # seq 3
    db = str(ready.db)
    (head,) = read(db, "SELECT leaf_hash, statement FROM entries WHERE seq = 3")
    last = decode_statement(raw(head[1]))
    wang = read(db, "SELECT key_id FROM keys WHERE person = 'wang.fang'")[0][0]
    forged = replace(
        last,
        seq=4,
        prev=str(head[0]),
        type="note",
        subject="meeting-1",
        actor="wang.fang",
        key=str(wang),
        body={"text": "未签名的意见"},
    )
    forge_append(db, forged, None)
    result = ready("checkpoint", "--out", str(ready.work / "cp.txt"))
    assert result.exit_code == 3, result.stderr
    assert "error: seq 4: refusing to sign a checkpoint of size 5: [signature] seq 4:" in (
        result.stderr
    )
    assert stored(ready) == ["3"]
    assert not (ready.work / "cp.txt").exists()
    assert list(ready.work.iterdir()) == []  # not even a partial file


def test_checkpoint_over_an_overwritten_node_signs_the_true_root(ready: Cli) -> None:
    for name in ("zhao.lei", "chen.jie", "liu.yang", "sun.li", "zhou.min"):
        ok(ready("person", "add", "--id", name, "--name", name))  # seq 3–7
    db = str(ready.db)
    assert sql(db, f"UPDATE merkle_nodes SET hash = {hexlit(db, bytes(32))} "
               "WHERE size = 8 AND level = 3;").returncode == 0  # fmt: skip
    assert ready("verify").exit_code == 3
    result = ok(ready("checkpoint", "--out", str(ready.work / "cp.txt")))
    assert "rewrote 1 Merkle node cache row(s)" in result.stderr
    signed = SignedCheckpoint.parse((ready.work / "cp.txt").read_bytes())
    rows = read(db, "SELECT statement FROM entries ORDER BY seq")
    leaves = [merkle.hash_leaf(raw(s)) for (s,) in rows]
    assert signed.checkpoint.root == merkle.root(leaves)
    assert ok(ready("verify")).stdout.startswith("ok: 8 entries")


@pytest.mark.parametrize("where", ["directory", "no-directory", "under-a-file", "read-only"])
def test_checkpoint_out_to_an_unwritable_path_stores_nothing(ready: Cli, where: str) -> None:
    work = ready.work
    (work / "file.txt").write_text("x")
    (work / "ro").mkdir()
    target = {
        "directory": work,
        "no-directory": work / "missing" / "cp.txt",
        "under-a-file": work / "file.txt" / "cp.txt",
        "read-only": work / "ro" / "cp.txt",
    }[where]
    if where == "read-only":
        (work / "ro").chmod(0o500)
        if os.access(work / "ro", os.W_OK):
            # root writes into any directory of its own; sysfs refuses even root new files.
            target = Path("/sys") / "ledger-test-cp.txt"
    result = ready("checkpoint", "--out", str(target))
    assert result.exit_code == 6, (result.exit_code, result.stderr)
    assert f"error: {target}: " in result.stderr and "Traceback" not in result.stderr
    assert stored(ready) == []
    (work / "ro").chmod(0o700)


def test_checkpoint_out_replaces_a_file_whole(ready: Cli) -> None:
    target = ready.work / "cp.txt"
    target.write_text("an old checkpoint\n" * 100)
    ok(ready("checkpoint", "--out", str(target)))
    assert target.read_text() == ok(ready("checkpoint", "show")).stdout
    assert sorted(p.name for p in ready.work.iterdir()) == ["cp.txt"]


@pytest.mark.parametrize(
    ("origin", "fragment"),
    [
        # the genesis schema's own rule: one word of at most 200 characters
        ("", "the origin is one word"),
        ("edu.example/decisions\n", "the origin is one word"),
        ("e" * 201, "at most 200 characters"),
        # what a signed note's key name and a checkpoint's first line also forbid
        ("edu.example/a+b", "holds a '+'"),
        ("edu.example/\x7f", "holds a space or non-printable character (U+007F)"),
        ("edu.example/\u200bdecisions", "(U+200B)"),
        ("edu.example/\ue000decisions", "(U+E000)"),
    ],
)
def test_init_refuses_an_origin_no_checkpoint_could_name(
    cli: Cli, origin: str, fragment: str
) -> None:
    args = list(INIT)
    args[args.index("--origin") + 1] = origin
    result = cli(*args)
    assert result.exit_code == 6, (result.exit_code, result.stderr)
    assert result.stderr.startswith("error: --origin: the origin") and fragment in result.stderr
    assert not cli.db.exists() and not cli.key_dir.exists()


def test_every_origin_init_accepts_can_be_checkpointed() -> None:
    """The rules agree: what passes `check_origin` is a note key name and a checkpoint's
    first line."""
    for origin in ("edu.example-district.gov.cn/decisions", "区教育局/决策", "a", "e" * 200):
        assert checkpoints.check_origin(origin) == origin
        key = ed25519_key(origin, seeded_key("li.na").public_key)
        assert VerifierKey.parse(key.encode()) == key
        text = Checkpoint(origin, 1, bytes(32)).text()
        assert Checkpoint.from_text(text).origin == origin
    with pytest.raises(InputError, match="is empty"):
        checkpoints.check_origin("")
    with pytest.raises(InputError, match="201 characters"):
        checkpoints.check_origin("e" * 201)


# -- verify-proof names only what it checked --------------------------------------------------


def test_verify_proof_names_the_author_only_when_it_checked_the_signature(ready: Cli) -> None:
    vkey = ok(ready("checkpoint", "--verifier-key")).stdout.strip()
    body = ready.write("note.json", '{"text": "同意。"}')
    ok(ready("record", "note", "--file", body, "--as", "wang.fang", "--subject", "meeting-1"))
    ok(ready("checkpoint"))
    text = ok(ready("prove", "inclusion", "3")).stdout
    checked = ok(ready("verify-proof", ready.write("e3.tlog-proof", text), "--log-key", vkey))
    assert checked.stdout.startswith("ok: seq 3 (note by wang.fang, ")
    assert "signature checked: key " in checked.stderr and "bound to wang.fang at seq 2" in (
        checked.stderr
    )
    path = str(ready.work / "e3.tlog-proof")
    as_json = json.loads(ok(ready("verify-proof", path, "--log-key", vkey, "--json")).stdout)
    assert (as_json["actor"], as_json["author_checked"], as_json["key_bound_at"]) == (
        "wang.fang",
        True,
        2,
    )
    # an older receipt: the entry's bytes only
    proof = receipts.parse_receipt(text.encode(), where="t")
    assert isinstance(proof, receipts.InclusionProof)
    old = replace(proof, signature=None, binding=None).to_text()
    plain = ok(ready("verify-proof", ready.write("old.tlog-proof", old), "--log-key", vkey))
    assert plain.stdout.startswith("ok: seq 3 (note, ")
    assert "its author is not checked: the receipt carries no signature" in plain.stdout
    assert "wang.fang" not in plain.stdout + plain.stderr
    # re-signed by another key: refused
    assert proof.entry is not None
    mallory = seeded_key("mallory")
    resigned = replace(proof, signature=mallory.sign(signing_message(leaf_hash(proof.entry))))
    bad = ready(
        "verify-proof", ready.write("bad.tlog-proof", resigned.to_text()), "--log-key", vkey
    )
    assert bad.exit_code == 3
    assert "error: seq 3: the entry's signature does not verify with key" in bad.stderr
    # the author changed in the statement: no longer the leaf under the root
    stmt = decode_statement(proof.entry)
    other = replace(proof, entry=replace(stmt, actor="li.na").canonical())
    moved = ready("verify-proof", ready.write("who.tlog-proof", other.to_text()), "--log-key", vkey)
    assert moved.exit_code == 3 and "seq 3: inclusion proof for index 3" in moved.stderr
