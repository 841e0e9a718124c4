"""The per-decision dossier verifies alone; altering one of its entries or proofs fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger.app import Ledger
from ledger.app.decisions import list_decisions
from ledger.export.dossier import export_dossier
from ledger.export.service import ExportResult
from ledger.export.verify_bundle import verify_bundle
from ledger.receipts import parse_receipt
from tests.export.conftest import EXPORTER, NOW, Demo
from tests.export.forge import failures, resign, set_label, verify
from tests.export.forge import flip as _flip
from tests.export.forge import rehash as _rehash


def _export(demo_ledger: Demo, out: Path, decision: str = "d2020-02") -> ExportResult:
    store = demo_ledger.store()
    try:
        return export_dossier(
            store=store, decision=decision, out=out, exporter=EXPORTER, key=demo_ledger.key(),
            now=NOW,
        )  # fmt: skip
    finally:
        store.close()


@pytest.fixture(scope="module")
def dossier(demo_ledger: Demo) -> Path:
    out = demo_ledger.root / "d2020-02"
    _export(demo_ledger, out)
    return out


def test_a_dossier_verifies_alone_with_the_identity_entries_of_every_signer(
    dossier: Path, demo_ledger: Demo
) -> None:
    """Guards build point 3: the decision's entries, each with its proof, and the identity
    entries (genesis, keys, posts) that authorise every signer, registrar included."""
    report = verify_bundle(dossier, trust=demo_ledger.trust())
    assert report.ok, report.to_json()
    assert report.kind == "dossier" and report.decision == "d2020-02"
    seqs = sorted(int(p.stem) for p in (dossier / "data/proofs").iterdir())
    assert seqs[0] == 0 and report.entries == len(seqs) > 40
    assert 188 in seqs  # the head's decision departing from the majority
    html = (dossier / "data/dossier.html").read_text(encoding="utf-8")
    for text in ("决策档案", "责任倒查", "秋季入学登记时间节点紧迫", "周敏"):
        assert text in html


def test_a_dossier_proof_is_a_receipt_verify_proof_reads(dossier: Path) -> None:
    """Guards interoperability: each proof file is a C2SP tlog-proof receipt."""
    receipt = parse_receipt((dossier / "data/proofs/188.tlog-proof").read_bytes(), where="p")
    assert receipt.to_text().encode() == (dossier / "data/proofs/188.tlog-proof").read_bytes()


def test_altering_an_entry_or_a_proof_fails_naming_the_seq(
    dossier: Path, demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards the acceptance criterion for dossiers, with the manifests made to agree."""
    entries = "data/ledger/entries.jsonl"
    copy = tmp_path / "entry"
    shutil.copytree(dossier, copy)
    lines = (copy / entries).read_bytes().split(b"\n")
    index = next(i for i, line in enumerate(lines) if b'"seq":188,' in line)
    lines[index] = lines[index].replace(b'"outcome":"approve"', b'"outcome":"reject"')
    (copy / entries).write_bytes(b"\n".join(lines))
    _rehash(copy, entries)
    report = verify_bundle(copy, trust=demo_ledger.trust())
    assert ("proof", "seq 188") in {(p.kind, p.where) for p in report.problems}

    proof = "data/proofs/188.tlog-proof"
    copy = tmp_path / "proof"
    shutil.copytree(dossier, copy)
    text = (copy / proof).read_text().split("\n")
    line = next(i for i, t in enumerate(text) if t.startswith("index ")) + 1
    text[line] = ("B" if text[line][0] != "B" else "C") + text[line][1:]
    (copy / proof).write_text("\n".join(text))
    _rehash(copy, proof)
    report = verify_bundle(copy, trust=demo_ledger.trust())
    assert ("proof", "seq 188") in {(p.kind, p.where) for p in report.problems}


def test_changing_the_readable_dossier_is_caught_by_the_signature_and_by_writing_it_again(
    dossier: Path, demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards the readable files: the signed file list names the change, and so does writing
    the dossier again from its entries."""
    copy = tmp_path / "html"
    shutil.copytree(dossier, copy)
    _flip(copy / "data/dossier.html")
    _rehash(copy, "data/dossier.html")
    report = verify_bundle(copy, trust=demo_ledger.trust())
    found = {(p.kind, p.where) for p in report.problems}
    assert ("signature", "data/dossier.html") in found
    assert ("regenerated", "data/dossier.html") in found


def _vkey(demo_ledger: Demo) -> str:
    return demo_ledger.trust().log_keys[0].encode()


def test_a_dissent_turned_to_agree_and_signed_again_by_a_staff_member_fails(
    demo_ledger: Demo, tmp_path: Path
) -> None:
    """Issue 12 item 7: in d2020-01's dossier zhou.min disagreed (seq 142). The readable dossier
    is changed to show her agreeing — dossier.json (her stance, the trace's dissent flag) and
    dossier.html — the manifests rewritten, and the list of files signed again with the real
    key of another staff member (liu.yang). Exit 3, naming both files."""
    bag = tmp_path / "d2020-01"
    _export(demo_ledger, bag, "d2020-01")
    page = bag / "data/dossier.json"
    text = page.read_text(encoding="utf-8")
    assert text.count('"stance": "disagree"') == 3 and '"dissent": true' in text
    text = text.replace('"stance": "disagree"', '"stance": "agree"')
    page.write_text(text.replace('"dissent": true', '"dissent": false'), encoding="utf-8")
    html = bag / "data/dossier.html"
    text = html.read_text(encoding="utf-8")
    text = text.replace('<tr class="dissent">', "<tr>").replace(
        "<td>disagree</td>", "<td>agree</td>"
    )
    html.write_text(text, encoding="utf-8")
    for name in ("data/dossier.json", "data/dossier.html"):
        _rehash(bag, name)
    resign(bag, "liu.yang", demo_ledger.key("liu.yang"))
    result = verify(bag, _vkey(demo_ledger))
    assert result.exit_code == 3, result.stderr
    found = failures(result)
    for name in ("data/dossier.html", "data/dossier.json"):
        assert f"[regenerated] {name}: differs from what the verified entries give" in found


def test_another_decisions_dossier_relabelled_fails(demo_ledger: Demo, tmp_path: Path) -> None:
    """Issue 12 item 7: d2020-04 was adjusted by d2020-05, so each one's dossier holds the
    other's entries. d2020-04's dossier relabelled as d2020-05's (Ledger-Decision and the
    labels naming it), signed again by another staff member: exit 3, naming the readable
    dossier, which the entries give otherwise for d2020-05."""
    bag = tmp_path / "d2020-04"
    _export(demo_ledger, bag, "d2020-04")
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    for label in ("Ledger-Decision", "External-Identifier", "External-Description"):
        value = info.split(f"{label}: ")[1].split("\n")[0]
        set_label(bag, label, value.replace("d2020-04", "d2020-05"))
    resign(bag, "liu.yang", demo_ledger.key("liu.yang"))
    result = verify(bag, _vkey(demo_ledger))
    assert result.exit_code == 3, result.stderr
    assert "[regenerated] data/dossier.json: differs from what the verified entries give" in (
        failures(result)
    )


def test_every_demo_decision_has_a_dossier_that_verifies(demo_ledger: Demo, tmp_path: Path) -> None:
    """Guards the exporter's own check: each demo decision (a dissent, a divergence, a refusal
    at the legality gate, an adjustment by a new decision, an overdue one) is read from its
    dossier's entries as from the whole ledger, and the dossier verifies."""
    store = demo_ledger.store()
    try:
        ids = [d.id for d in list_decisions(Ledger(store))]
    finally:
        store.close()
    assert len(ids) == 6
    for ident in ids:
        _export(demo_ledger, tmp_path / ident, ident)
        report = verify_bundle(tmp_path / ident, trust=demo_ledger.trust())
        assert report.ok, (ident, report.problems)


def test_an_unknown_decision_is_refused_and_nothing_is_written(
    demo_ledger: Demo, tmp_path: Path
) -> None:
    from ledger.errors import InputError

    with pytest.raises(InputError, match="no decision 'd1999-01'"):
        _export(demo_ledger, tmp_path / "x", "d1999-01")
    assert not (tmp_path / "x").exists()
