"""The per-decision dossier verifies alone; altering one of its entries or proofs fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger.export.dossier import export_dossier
from ledger.export.service import ExportResult
from ledger.export.verify_bundle import verify_bundle
from ledger.receipts import parse_receipt
from tests.export.conftest import EXPORTER, NOW, Demo
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
    assert 181 in seqs  # the head's decision departing from the majority
    html = (dossier / "data/dossier.html").read_text(encoding="utf-8")
    for text in ("决策档案", "责任倒查", "秋季入学登记时间节点紧迫", "周敏"):
        assert text in html


def test_a_dossier_proof_is_a_receipt_verify_proof_reads(dossier: Path) -> None:
    """Guards interoperability: each proof file is a C2SP tlog-proof receipt."""
    receipt = parse_receipt((dossier / "data/proofs/181.tlog-proof").read_bytes(), where="p")
    assert receipt.to_text().encode() == (dossier / "data/proofs/181.tlog-proof").read_bytes()


def test_altering_an_entry_or_a_proof_fails_naming_the_seq(
    dossier: Path, demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards the acceptance criterion for dossiers, with the manifests made to agree."""
    entries = "data/ledger/entries.jsonl"
    copy = tmp_path / "entry"
    shutil.copytree(dossier, copy)
    lines = (copy / entries).read_bytes().split(b"\n")
    index = next(i for i, line in enumerate(lines) if b'"seq":181,' in line)
    lines[index] = lines[index].replace(b'"outcome":"approve"', b'"outcome":"reject"')
    (copy / entries).write_bytes(b"\n".join(lines))
    _rehash(copy, entries)
    report = verify_bundle(copy, trust=demo_ledger.trust())
    assert ("proof", "seq 181") in {(p.kind, p.where) for p in report.problems}

    proof = "data/proofs/181.tlog-proof"
    copy = tmp_path / "proof"
    shutil.copytree(dossier, copy)
    text = (copy / proof).read_text().split("\n")
    line = next(i for i, t in enumerate(text) if t.startswith("index ")) + 1
    text[line] = ("B" if text[line][0] != "B" else "C") + text[line][1:]
    (copy / proof).write_text("\n".join(text))
    _rehash(copy, proof)
    report = verify_bundle(copy, trust=demo_ledger.trust())
    assert ("proof", "seq 181") in {(p.kind, p.where) for p in report.problems}


def test_changing_the_readable_dossier_is_caught_by_the_exporters_signature(
    dossier: Path, demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards the files a subset cannot recompute: the signed file list names them."""
    copy = tmp_path / "html"
    shutil.copytree(dossier, copy)
    _flip(copy / "data/dossier.html")
    _rehash(copy, "data/dossier.html")
    report = verify_bundle(copy, trust=demo_ledger.trust())
    assert ("signature", "data/dossier.html") in {(p.kind, p.where) for p in report.problems}


def test_an_unknown_decision_is_refused_and_nothing_is_written(
    demo_ledger: Demo, tmp_path: Path
) -> None:
    from ledger.errors import InputError

    with pytest.raises(InputError, match="no decision 'd1999-01'"):
        _export(demo_ledger, tmp_path / "x", "d1999-01")
    assert not (tmp_path / "x").exists()
