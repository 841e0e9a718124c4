"""The auditor's bundle: it verifies offline, and any change to any file fails, naming the file or
the seq — alone, or together with the manifest lines that would hide it from BagIt."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import bagit
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import service
from ledger.entry import decode_statement
from ledger.export.bag import bag_files
from ledger.export.bundle import SIGNATURE_FILE, Scope
from ledger.export.produced import EXPORT_PRODUCED
from ledger.export.verify_bundle import BundleReport, verify_bundle
from ledger.note import SignedCheckpoint, ed25519_key
from ledger.receipts import Trust
from ledger.types import lookup
from tests.builders import seeded_key
from tests.export.conftest import Demo
from tests.export.forge import flip as _flip
from tests.export.forge import rehash as _rehash


@pytest.fixture(scope="module")
def bag(demo_ledger: Demo) -> Path:
    out = demo_ledger.root / "bundle"
    demo_ledger.export(out)
    return out


def check(path: Path, demo_ledger: Demo, **kwargs: object) -> BundleReport:
    return verify_bundle(path, trust=demo_ledger.trust(), **kwargs)  # type: ignore[arg-type]


def test_the_demo_bundle_verifies_and_is_a_valid_bagit_1_0_bag(
    bag: Path, demo_ledger: Demo
) -> None:
    """Guards the whole round trip: export, BagIt validity by the reference library, verify."""
    bagit.Bag(str(bag)).validate()
    assert (
        bag / "bagit.txt"
    ).read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    report = check(bag, demo_ledger)
    assert report.ok, report.to_json()
    assert report.kind == "bundle"
    assert report.entries == report.size == demo_ledger.built.entries
    assert report.blobs > 30 and report.exporter == "wu.xia"
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert f"Ledger-Checkpoint-Size: {report.size}\n" in info
    assert f"Ledger-Checkpoint-Root: {report.root}\n" in info
    lines = (bag / "data/ledger/entries.jsonl").read_bytes().splitlines()
    store = demo_ledger.store()
    try:
        stored = [row.statement for row in store.rows(until=len(lines) - 1)]
    finally:
        store.close()
    assert lines == stored  # the exact stored canonical bytes


def test_the_export_is_recorded_with_the_bundle_hash_and_the_ledger_still_verifies(
    demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards build point 5: each export appends export.produced (who, scope, hash)."""
    result = demo_ledger.export(tmp_path / "b", Scope(from_date="2020-01-01", to_date="2020-12-31"))
    stmt = result.entry.statement
    assert stmt.type == EXPORT_PRODUCED and stmt.actor == "wu.xia"
    assert stmt.body["bundle_sha256"] == result.bundle_hash
    assert stmt.body["checkpoint"]["size"] == result.checkpoint.size
    assert stmt.body["from_date"] == "2020-01-01"
    assert check(tmp_path / "b", demo_ledger).bundle_hash == result.bundle_hash
    store = demo_ledger.store()
    try:
        assert service.verify_ledger(store=store).ok
    finally:
        store.close()


def test_the_same_ledger_and_options_give_the_same_bytes(demo_ledger: Demo, tmp_path: Path) -> None:
    """Guards determinism, directory and zip: a second export (after the first was recorded,
    so the ledger has grown past the checkpoint) writes the same bytes."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    demo_ledger.export(tmp_path / "one/audit")
    demo_ledger.export(tmp_path / "two/audit")
    one, two = tmp_path / "one/audit", tmp_path / "two/audit"
    assert bag_files(one) == bag_files(two)
    for name in bag_files(one):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    demo_ledger.export(tmp_path / "one/audit.zip")
    demo_ledger.export(tmp_path / "two/audit.zip")
    assert (tmp_path / "one/audit.zip").read_bytes() == (tmp_path / "two/audit.zip").read_bytes()
    assert check(tmp_path / "one/audit.zip", demo_ledger).ok


def _targets(bag: Path) -> list[str]:
    names = bag_files(bag)
    blobs = [n for n in names if n.startswith("data/blobs/")]
    return [n for n in names if not n.startswith("data/blobs/")] + blobs[:2]


@pytest.mark.parametrize("with_manifest", [False, True], ids=["alone", "with-manifest-lines"])
def test_changing_any_byte_of_any_file_fails_naming_the_file_or_seq(
    bag: Path, demo_ledger: Demo, tmp_path: Path, with_manifest: bool
) -> None:
    """Guards the acceptance criterion: one flipped byte in any file (every tag and payload
    file, two of the blobs) is found, and the failure names that file or an entry's seq."""
    for name in _targets(bag):
        copy = tmp_path / name.replace("/", "_")
        shutil.copytree(bag, copy)
        _flip(copy / name)
        if with_manifest and not name.startswith(("tagmanifest-", SIGNATURE_FILE)):
            _rehash(copy, name)
        report = check(copy, demo_ledger)
        assert not report.ok, name
        wheres = [p.where or "" for p in report.problems]
        assert any(w == name or w.startswith("seq ") for w in wheres), (name, report.problems)
        shutil.rmtree(copy)


def test_a_changed_entry_is_named_by_its_seq(bag: Path, demo_ledger: Demo, tmp_path: Path) -> None:
    """Guards that an entry's change is reported at its seq, not only as a changed file: the
    statement is rewritten canonically (still valid JSON), its manifests fixed."""
    copy = tmp_path / "b"
    shutil.copytree(bag, copy)
    path = copy / "data/ledger/entries.jsonl"
    lines = path.read_bytes().split(b"\n")
    stmt = json.loads(lines[137])
    assert stmt["type"] == "position.stated"
    stmt["body"]["stance"] = "agree"
    lines[137] = json.dumps(
        stmt, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()
    path.write_bytes(b"\n".join(lines))
    _rehash(copy, "data/ledger/entries.jsonl")
    report = check(copy, demo_ledger)
    kinds = {(p.kind, p.where) for p in report.problems}
    assert ("signature", "seq 137") in kinds
    assert ("chain", "seq 138") in kinds


def test_a_withheld_blob_still_verifies_and_is_reported_with_its_reason(
    demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards the redacted export: the chain verifies without the document, which is listed by
    hash with its reason; changing the reason (manifests fixed) is caught by the signature."""
    store = demo_ledger.store()
    try:
        first = next(
            ref
            for row in store.rows()
            for ref in lookup(row.type).blob_refs(decode_statement(row.statement).body)
        )
    finally:
        store.close()
    reason = "涉及个人信息，依《个人信息保护法》第十三条不予提供"
    demo_ledger.export(tmp_path / "r", Scope(withheld=((first, reason),)))
    assert not (tmp_path / "r/data/blobs/sha256" / first).exists()
    report = check(tmp_path / "r", demo_ledger)
    assert report.ok, report.to_json()
    assert report.withheld == [(first, reason)]
    csv = tmp_path / "r/data/reports/withheld.csv"
    csv.write_text(
        csv.read_text(encoding="utf-8").replace("第十三条", "第十四条"), encoding="utf-8"
    )
    _rehash(tmp_path / "r", "data/reports/withheld.csv")
    bad = check(tmp_path / "r", demo_ledger)
    assert ("signature", "data/reports/withheld.csv") in {(p.kind, p.where) for p in bad.problems}


def test_only_a_key_the_auditor_holds_is_trusted(bag: Path, demo_ledger: Demo) -> None:
    """Guards the trust anchor: a checkpoint key not the auditor's fails, even though the bag
    itself names the registrar's key in its genesis entry."""
    origin = demo_ledger.built.checkpoint.split("\n")[0]
    stranger = ed25519_key(origin, seeded_key("stranger").public_key)
    report = verify_bundle(bag, trust=Trust([stranger]))
    assert not report.ok
    assert [p.where for p in report.problems] == ["data/checkpoint.txt"]
    assert "no verifiable signatures" in report.problems[0].message


def test_a_kept_checkpoint_the_bundle_does_not_extend_fails(
    bag: Path, demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards --checkpoint with --bundle: a later checkpoint than the bag holds is reported."""
    cp = SignedCheckpoint.parse(demo_ledger.built.checkpoint.encode())
    assert check(bag, demo_ledger, kept=[("mine.txt", cp)]).ok
    fake = SignedCheckpoint.parse(
        demo_ledger.built.checkpoint.replace(f"\n{cp.checkpoint.size}\n", "\n999\n", 1).encode()
    )
    report = check(bag, demo_ledger, kept=[("later.txt", fake)])
    assert not report.ok
    assert any("later.txt" in p.message for p in report.problems)


def test_a_bag_of_another_export_format_verifies_its_evidence_and_says_what_it_did_not_rewrite(
    bag: Path, demo_ledger: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Years later the auditor's verifier may write the readable files differently. The evidence
    is still compared byte for byte; the readable files are left to fixity and the exporter's
    signature, and the report says so rather than failing or staying silent."""
    from ledger.export import bundle

    assert check(bag, demo_ledger).notes == []
    monkeypatch.setattr(bundle, "FORMAT_VERSION", 0)
    older = tmp_path / "older"
    demo_ledger.export(older)
    monkeypatch.undo()
    assert "(export format 0)" in (older / "bag-info.txt").read_text(encoding="utf-8")
    report = check(older, demo_ledger)
    assert report.ok, report.problems
    [note] = report.notes
    assert "export format 0" in note and "data/decisions.html" in note
    assert "data/ledger/entries.jsonl" not in note


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_byte_changed_anywhere_fails_naming_the_file_or_seq(
    bag: Path, demo_ledger: Demo, data: st.DataObject
) -> None:
    """The invariant behind the fixed-position tamper test above: whatever file, offset and bit
    pattern, alone or with its manifest lines rewritten, verification fails and names the file
    or an entry's seq."""
    name = data.draw(st.sampled_from(_targets(bag)), label="file")
    size = (bag / name).stat().st_size
    at = data.draw(st.integers(0, max(size - 1, 0)), label="offset")
    mask = data.draw(st.integers(1, 255), label="xor")
    with_manifest = data.draw(st.booleans(), label="with manifest lines")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bag"
        shutil.copytree(bag, copy)
        target = copy / name
        changed = bytearray(target.read_bytes()) or bytearray(b"\n")
        changed[min(at, len(changed) - 1)] ^= mask
        target.write_bytes(bytes(changed))
        if with_manifest and not name.startswith(("tagmanifest-", SIGNATURE_FILE)):
            _rehash(copy, name)
        report = check(copy, demo_ledger)
    assert not report.ok, name
    wheres = [p.where or "" for p in report.problems]
    assert any(w == name or w.startswith("seq ") for w in wheres), (name, report.problems)
