"""Checkpoints, proofs and the node cache on real ledgers: real SQLite files, real keys."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keys import SigningKey
from ledger import checkpoints, merkle, receipts, tree_verify
from ledger.errors import (
    CheckpointError,
    EntryNotFoundError,
    NoteError,
    RefusedError,
    VerificationError,
)
from ledger.note import SignedCheckpoint, VerifierKey, ed25519_key, open_note
from ledger.verify import VerifyReport
from tests.builders import ORIGIN, LedgerFixture, new_ledger, seeded_key
from tests.tamper import hexlit, read, sql


def sign(ledger: LedgerFixture, *keys: SigningKey) -> SignedCheckpoint:
    signed, _ = checkpoints.sign_checkpoint(
        store=ledger.store, keys=list(keys) or [ledger.keys["li.na"]]
    )
    return signed


def trust(ledger: LedgerFixture) -> receipts.Trust:
    return receipts.Trust(checkpoints.current_log_keys(ledger.store))


def leaf_hashes(ledger: LedgerFixture) -> list[bytes]:
    return [
        bytes.fromhex(str(h))
        for (h,) in read(ledger.db, "SELECT leaf_hash FROM entries ORDER BY seq")
    ]


def tree_check(
    ledger: LedgerFixture, kept: list[tuple[str, SignedCheckpoint]] | None = None
) -> VerifyReport:
    report = VerifyReport()
    tree_verify.verify_tree(store=ledger.store, report=report, external=kept or [])
    return report


def test_node_cache_is_written_by_appends(sample: LedgerFixture) -> None:
    hashes = leaf_hashes(sample)
    stored = read(sample.db, "SELECT size, level, hash FROM merkle_nodes ORDER BY size, level")
    expected = [
        (merkle.node_size(node), node[0], value) for node, value in merkle.complete_nodes(hashes)
    ]
    assert stored == expected
    assert tree_check(sample).ok


def test_checkpoint_commits_to_every_leaf(sample: LedgerFixture) -> None:
    signed = sign(sample)
    cp = signed.checkpoint
    assert (cp.origin, cp.size) == (ORIGIN, 14)
    assert cp.root == merkle.root(leaf_hashes(sample))
    opened = open_note(signed.encode(), checkpoints.current_log_keys(sample.store))
    assert [k.name for k, _ in opened.verified] == [ORIGIN]
    again, new = checkpoints.sign_checkpoint(store=sample.store, keys=[sample.keys["li.na"]])
    assert not new and again.encode() == signed.encode()


def test_the_verifier_key_is_the_registrars(sample: LedgerFixture) -> None:
    (key,) = checkpoints.current_log_keys(sample.store)
    assert key == ed25519_key(ORIGIN, sample.keys["li.na"].public_key)
    assert key.encode().startswith(ORIGIN + "+")


def test_only_the_registrar_signs(sample: LedgerFixture) -> None:
    with pytest.raises(RefusedError, match="not a valid registrar key"):
        checkpoints.sign_checkpoint(store=sample.store, keys=[sample.keys["wang.fang"]])


def test_every_inclusion_and_consistency_proof_verifies(sample: LedgerFixture) -> None:
    first = sign(sample)
    sample.note("wang.fang", "会后补充。")
    sample.note("wang.fang", "再补充。")
    second = sign(sample)
    for seq in range(second.checkpoint.size):
        proof = checkpoints.prove_inclusion(store=sample.store, seq=seq)
        result = receipts.verify_inclusion_receipt(proof, trust(sample))
        assert result.statement is not None and result.statement.seq == seq
        parsed = receipts.parse_receipt(proof.to_text().encode(), where="t")
        assert parsed == proof
    for seq in range(first.checkpoint.size):
        proof = checkpoints.prove_inclusion(store=sample.store, seq=seq, checkpoint=first)
        receipts.verify_inclusion_receipt(proof, trust(sample))
    consistency = checkpoints.prove_consistency(store=sample.store, old=14)
    assert consistency.old_checkpoint == first
    receipts.verify_consistency_receipt(consistency, trust(sample))
    text = receipts.parse_receipt(consistency.to_text().encode(), where="t")
    assert isinstance(text, receipts.ConsistencyProof)
    receipts.verify_consistency_receipt(text, trust(sample), first)
    memory = MemoryNodes(sample)
    for old in range(0, 17):
        made = checkpoints.prove_consistency(store=sample.store, old=old, new=16)
        assert made.proof == merkle.consistency_proof(
            old, 16, lambda nodes: {n: memory[n] for n in nodes}
        )


class MemoryNodes(dict[merkle.Node, bytes]):
    def __init__(self, ledger: LedgerFixture) -> None:
        hashes = leaf_hashes(ledger)
        super().__init__({(0, i): h for i, h in enumerate(hashes)})
        self.update(merkle.complete_nodes(hashes))


def test_no_checkpoint_no_proof(sample: LedgerFixture) -> None:
    with pytest.raises(EntryNotFoundError, match="sign one"):
        checkpoints.prove_inclusion(store=sample.store, seq=1)
    sign(sample)
    sample.note("wang.fang", "新的。")
    with pytest.raises(EntryNotFoundError, match="no stored checkpoint covers seq 14"):
        checkpoints.prove_inclusion(store=sample.store, seq=14)
    with pytest.raises(EntryNotFoundError, match="no entry with seq 99"):
        checkpoints.prove_inclusion(store=sample.store, seq=99)


def test_key_rotation_signs_with_old_and_new_keys(tmp_path: Path) -> None:
    """During a rotation the checkpoint carries both keys' signatures; a verifier that knows
    either accepts it; once the old key is revoked only the new one signs."""
    ledger = new_ledger(tmp_path)
    old, new = ledger.keys["li.na"], seeded_key("li.na/2")
    ledger.bind("li.na", new)
    both = sign(ledger, old, new)
    assert len(both.note.signatures) == 2
    for key in (old, new):
        open_note(both.encode(), [ed25519_key(ORIGIN, key.public_key)])
    assert len(checkpoints.current_log_keys(ledger.store)) == 2
    # a known key's bad signature rejects the whole note, even though the other one is good
    line = both.note.signatures[0].encode()
    char = "B" if line[-10] != "B" else "C"
    bad = both.encode().replace(line.encode(), (line[:-10] + char + line[-9:]).encode())
    with pytest.raises(NoteError):
        open_note(bad, [ed25519_key(ORIGIN, k.public_key) for k in (old, new)])
    ledger.append(
        "key.revoked",
        "li.na",
        {"key_id": old.key_id, "effective_at": ledger.clock().isoformat(), "reason": "轮换"},
        actor="li.na",
    )
    with pytest.raises(RefusedError, match="not a valid registrar key"):
        sign(ledger, old, new)
    after = sign(ledger, new)
    assert tree_check(ledger).ok
    report = tree_check(ledger, [("before.txt", both), ("after.txt", after)])
    assert report.ok, report.to_json()


def test_node_cache_tampering_is_found(sample: LedgerFixture) -> None:
    (value,) = read(sample.db, "SELECT hash FROM merkle_nodes WHERE size = 8 AND level = 3")[0]
    changed = bytes([value[0] ^ 1]) + value[1:]  # type: ignore[index]
    assert (
        sql(
            sample.db,
            f"UPDATE merkle_nodes SET hash = {hexlit(sample.db, changed)} "
            "WHERE size = 8 AND level = 3;",
        ).returncode
        == 0
    )
    report = tree_check(sample)
    failure = report.failures["merkle_cache"]
    assert failure.seq == 7 and "level-3 node over seq 0–7 differs" in failure.message
    assert sql(sample.db, "DELETE FROM merkle_nodes WHERE size = 12 AND level = 2;").returncode == 0
    report = tree_check(sample)
    assert report.failures["merkle_cache"].count == 2


def test_stored_checkpoint_tampering_is_found(sample: LedgerFixture) -> None:
    signed = sign(sample)
    forged = signed.encode().replace(b"\n14\n", b"\n13\n")
    assert (
        sql(
            sample.db, f"UPDATE checkpoints SET note = {hexlit(sample.db, forged)} WHERE size = 14;"
        ).returncode
        == 0
    )
    report = tree_check(sample)
    assert "says size 13" in report.failures["checkpoint"].message
    text = signed.note.text.replace(
        base64.b64encode(signed.checkpoint.root).decode(), base64.b64encode(bytes(32)).decode()
    )
    resigned = SignedCheckpoint.parse((text + "\n" + signed.note.signatures[0].encode()).encode())
    assert (
        sql(
            sample.db,
            f"UPDATE checkpoints SET note = {hexlit(sample.db, resigned.encode())} "
            "WHERE size = 14;",
        ).returncode
        == 0
    )
    report = tree_check(sample)
    assert "invalid signature" in report.failures["checkpoint"].message


def test_signing_refuses_a_ledger_that_does_not_extend_its_last_checkpoint(
    sample: LedgerFixture,
) -> None:
    sign(sample)
    # the administrator cuts the last four entries (and their cache rows) and appends others
    script = "DELETE FROM entries WHERE seq >= 12; DELETE FROM merkle_nodes WHERE size > 12;"
    assert sql(sample.db, script).returncode == 0
    sample.note("wang.fang", "改写的历史。")
    sample.note("wang.fang", "改写的历史 2。")
    sample.note("wang.fang", "改写的历史 3。")
    with pytest.raises(CheckpointError, match="not an extension of the checkpoint of size 14"):
        sign(sample)


def test_an_external_checkpoint_of_another_ledger_is_refused(
    sample: LedgerFixture, tmp_path: Path
) -> None:
    other = new_ledger(tmp_path, "other.db")
    other.register("zhao.lei", "赵磊")  # the sample registers wang.fang first
    theirs = sign(other)
    report = tree_check(sample, [("theirs.txt", theirs)])
    assert "is not an extension of checkpoint theirs.txt" in report.failures["checkpoint"].message
    other.store.close()


# -- receipts: a single-bit change to the proof, index, size or root fails -------------------


@pytest.fixture(scope="module")
def receipt_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[VerifierKey]]:
    ledger = new_ledger(tmp_path_factory.mktemp("receipt"))
    ledger.register("wang.fang", "王芳")
    for i in range(20):
        ledger.note("wang.fang", f"第 {i} 条。")
    sign(ledger)
    proof = checkpoints.prove_inclusion(store=ledger.store, seq=13)
    keys = checkpoints.current_log_keys(ledger.store)
    ledger.store.close()
    return proof.to_text(), keys


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_bit_flip_in_index_proof_size_or_root_fails(
    receipt_case: tuple[str, list[VerifierKey]], data: st.DataObject
) -> None:
    text, keys = receipt_case
    proof = receipts.parse_receipt(text.encode(), where="t")
    assert isinstance(proof, receipts.InclusionProof)
    receipts.verify_inclusion_receipt(proof, receipts.Trust(keys))
    cp = proof.checkpoint.checkpoint
    target = data.draw(st.sampled_from(["index", "proof", "size", "root"]))
    bit = data.draw(st.integers(0, 255))
    if target == "index":
        changed = proof.index ^ (1 << (bit % 8))
        mutated = text.replace(f"index {proof.index}\n", f"index {changed}\n")
    elif target == "proof":
        which = data.draw(st.integers(0, len(proof.proof) - 1))
        value = bytearray(proof.proof[which])
        value[bit // 8] ^= 1 << (bit % 8)
        mutated = text.replace(
            base64.b64encode(proof.proof[which]).decode(), base64.b64encode(bytes(value)).decode()
        )
    elif target == "size":
        changed = cp.size ^ (1 << (bit % 8))
        mutated = text.replace(f"\n{cp.size}\n", f"\n{changed}\n")
    else:
        value = bytearray(cp.root)
        value[bit // 8] ^= 1 << (bit % 8)
        mutated = text.replace(
            base64.b64encode(cp.root).decode(), base64.b64encode(bytes(value)).decode()
        )
    assert mutated != text
    parsed = receipts.parse_receipt(mutated.encode(), where="t")
    assert isinstance(parsed, receipts.InclusionProof)
    with pytest.raises(VerificationError):
        receipts.verify_inclusion_receipt(parsed, receipts.Trust(keys))


def test_a_receipt_without_a_trusted_signature_fails(
    receipt_case: tuple[str, list[VerifierKey]],
) -> None:
    text, keys = receipt_case
    proof = receipts.parse_receipt(text.encode(), where="t")
    assert isinstance(proof, receipts.InclusionProof)
    stranger = ed25519_key(ORIGIN, seeded_key("mallory").public_key)
    with pytest.raises(NoteError, match="no verifiable signatures"):
        receipts.verify_inclusion_receipt(proof, receipts.Trust([stranger]))
    witness = VerifierKey("w.example", 0x04, seeded_key("w").public_key)
    with pytest.raises(CheckpointError, match="1 required"):
        receipts.verify_inclusion_receipt(proof, receipts.Trust(keys, [witness]))
