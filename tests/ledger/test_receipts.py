"""A receipt names an author only when it proves the authorship: it carries the entry's
signature and the entry that bound the signing key to the author, with that entry's own
inclusion proof under the same checkpoint. Receipts written before are still read, and prove
inclusion only."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest

from ledger import checkpoints, receipts, types
from ledger.entry import decode_statement, leaf_hash, signing_message
from ledger.errors import (
    CheckpointError,
    InputError,
    KeyValidityError,
    ProofError,
    SignatureError,
)
from tests.builders import LedgerFixture, new_ledger, seeded_key
from tests.tamper import hexlit, sql


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> LedgerFixture:
    """Genesis (li.na), wang.fang registered and bound at seq 1–2, zhao.lei at 3–4, notes."""
    made = new_ledger(tmp_path_factory.mktemp("receipts"))
    made.register("wang.fang", "王芳")
    made.register("zhao.lei", "赵磊")
    made.note("wang.fang", "我同意。")  # seq 5
    made.note("zhao.lei", "我反对。")  # seq 6
    checkpoints.sign_checkpoint(store=made.store, keys=[made.keys["li.na"]])
    return made


def trust(ledger: LedgerFixture) -> receipts.Trust:
    return receipts.Trust(checkpoints.current_log_keys(ledger.store))


def prove(ledger: LedgerFixture, seq: int) -> receipts.InclusionProof:
    return checkpoints.prove_inclusion(store=ledger.store, seq=seq)


def test_the_genesis_constant_is_the_entry_type() -> None:
    assert receipts.GENESIS == types.GENESIS


@pytest.mark.parametrize(
    ("seq", "author", "bound_at"),
    [(5, "wang.fang", 2), (6, "zhao.lei", 4), (2, "li.na", 0), (0, "li.na", 0)],
)
def test_a_receipt_proves_who_signed(
    ledger: LedgerFixture, seq: int, author: str, bound_at: int
) -> None:
    receipt = prove(ledger, seq)
    assert receipt.signature is not None and receipt.binding is not None
    assert receipt.binding.index == bound_at
    result = receipts.verify_inclusion_receipt(receipt, trust(ledger))
    assert result.author == receipts.Author(author, ledger.keys[author].key_id, bound_at)
    for text in (receipt.to_text(), json.dumps(receipt.to_json())):
        parsed = receipts.parse_receipt(text.encode(), where="r")
        assert parsed == receipt


def test_an_old_receipt_proves_inclusion_only(ledger: LedgerFixture) -> None:
    old = replace(prove(ledger, 5), signature=None, binding=None)
    text = old.to_text()
    extra = text.splitlines()[1].removeprefix("extra ")
    assert base64.b64decode(extra).startswith(b'{"actor":"wang.fang"')  # the entry's bytes
    parsed = receipts.parse_receipt(text.encode(), where="r")
    assert parsed == old
    result = receipts.verify_inclusion_receipt(parsed, trust(ledger))
    assert result.author is None and result.statement is not None


def test_a_receipt_re_signed_by_another_key_fails(ledger: LedgerFixture) -> None:
    receipt = prove(ledger, 5)
    assert receipt.entry is not None
    mallory = seeded_key("mallory")
    forged = replace(receipt, signature=mallory.sign(signing_message(leaf_hash(receipt.entry))))
    parsed = receipts.parse_receipt(forged.to_text().encode(), where="r")
    assert isinstance(parsed, receipts.InclusionProof)
    with pytest.raises(SignatureError) as caught:
        receipts.verify_inclusion_receipt(parsed, trust(ledger))
    assert caught.value.seq == 5 and "bound to wang.fang" in caught.value.message


def test_a_receipt_whose_author_was_changed_fails(ledger: LedgerFixture) -> None:
    """zhao.lei's entry claimed for wang.fang: the statement changed (and signed by wang.fang
    herself) is no longer the leaf under the root."""
    receipt = prove(ledger, 6)
    assert receipt.entry is not None
    stmt = decode_statement(receipt.entry)
    wang = ledger.keys["wang.fang"]
    claimed = replace(stmt, actor="wang.fang", key=wang.key_id).canonical()
    forged = replace(
        receipt,
        entry=claimed,
        signature=wang.sign(signing_message(leaf_hash(claimed))),
        binding=prove(ledger, 5).binding,
    )
    with pytest.raises(ProofError) as caught:
        receipts.verify_inclusion_receipt(forged, trust(ledger))
    assert caught.value.seq == 6


def test_a_receipt_with_another_persons_binding_fails(ledger: LedgerFixture) -> None:
    """The entry stays zhao.lei's; the binding is swapped for wang.fang's (a real entry,
    included under the root), and the signature for hers: the binding does not bind the
    entry's key to its actor."""
    receipt = prove(ledger, 6)
    wang = prove(ledger, 5)
    forged = replace(receipt, binding=wang.binding, signature=wang.signature)
    with pytest.raises(KeyValidityError, match="seq 2 does not bind key"):
        receipts.verify_inclusion_receipt(forged, trust(ledger))
    not_a_binding = replace(receipt, binding=receipts.Binding(5, wang.entry or b"", wang.proof))
    with pytest.raises(KeyValidityError, match="it is a note entry"):
        receipts.verify_inclusion_receipt(not_a_binding, trust(ledger))


def test_a_binding_not_under_the_root_fails(ledger: LedgerFixture) -> None:
    receipt = prove(ledger, 5)
    assert receipt.binding is not None
    bad = replace(receipt.binding, proof=[bytes(32)] + receipt.binding.proof[1:])
    with pytest.raises(ProofError) as caught:
        receipts.verify_inclusion_receipt(replace(receipt, binding=bad), trust(ledger))
    assert caught.value.seq == 2


@pytest.mark.parametrize(
    "extra",
    [
        b"decision-ledger/receipt/v1\n{",
        b"decision-ledger/receipt/v1\n" + b"[" * 100_000,
        b'decision-ledger/receipt/v1\n{"entry":"AA==","signature":"AA=="}',
        b'decision-ledger/receipt/v1\n{"entry":1,"signature":"AA==","binding":{}}',
        b'decision-ledger/receipt/v1\n{"entry":"AA==","signature":"AA==",'
        b'"binding":{"index":-1,"entry":"AA==","proof":[]}}',
        b'decision-ledger/receipt/v1\n{"entry":"AA==","signature":"AA==",'
        b'"binding":{"index":1,"entry":"AA==","proof":[7]}}',
    ],
)
def test_a_malformed_receipt_is_an_input_error(ledger: LedgerFixture, extra: bytes) -> None:
    lines = prove(ledger, 5).to_text().split("\n")
    lines[1] = "extra " + base64.b64encode(extra).decode()
    with pytest.raises(InputError):
        receipts.parse_receipt("\n".join(lines).encode(), where="r")


def test_json_signature_and_binding_come_together(ledger: LedgerFixture) -> None:
    value = prove(ledger, 5).to_json()
    value["binding"] = None
    with pytest.raises(InputError, match="come together"):
        receipts.parse_receipt(json.dumps(value).encode(), where="r")


def test_a_receipt_is_not_made_over_a_damaged_cache(tmp_path: Path) -> None:
    made = new_ledger(tmp_path)
    made.register("wang.fang", "王芳")
    for i in range(6):
        made.note("wang.fang", f"{i}")
    checkpoints.sign_checkpoint(store=made.store, keys=[made.keys["li.na"]])
    assert (
        sql(
            made.db, f"UPDATE merkle_nodes SET hash = {hexlit(made.db, bytes(32))} WHERE size = 4;"
        ).returncode
        == 0
    )
    with pytest.raises(CheckpointError, match="would not verify"):
        checkpoints.prove_inclusion(store=made.store, seq=6)
    made.store.close()
