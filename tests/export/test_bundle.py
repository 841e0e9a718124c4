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

from ledger.entry import decode_statement
from ledger.export.bag import bag_files
from ledger.export.bundle import SIGNATURE_FILE, Scope
from ledger.export.produced import EXPORT_PRODUCED
from ledger.export.verify_bundle import BundleReport, verify_bundle
from ledger.note import SignedCheckpoint, ed25519_key
from ledger.receipts import Trust
from ledger.registry import lookup
from ledger.verification import verify_ledger
from tests.builders import seeded_key
from tests.export.conftest import Demo
from tests.export.forge import failures, resign, set_label, verify
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
        assert verify_ledger(store=store).ok
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
    seq, stmt = next(
        (n, json.loads(line))
        for n, line in enumerate(lines)
        if b'"position.stated"' in line and b'"disagree"' in line
    )
    stmt["body"]["stance"] = "agree"  # the dissent turned into agreement
    lines[seq] = json.dumps(
        stmt, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()
    path.write_bytes(b"\n".join(lines))
    _rehash(copy, "data/ledger/entries.jsonl")
    report = check(copy, demo_ledger)
    kinds = {(p.kind, p.where) for p in report.problems}
    assert ("signature", f"seq {seq}") in kinds
    assert ("chain", f"seq {seq + 1}") in kinds


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


def test_a_bag_of_an_older_export_format_fails_and_is_not_half_checked(
    bag: Path, demo_ledger: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 item 1: the export format named by Bag-Software-Agent is never a reason to check
    less. A bag of another format (here written as format 1) fails with a named failure,
    exit 3; this verifier writes every file of a bag of its own format again."""
    from ledger.export import bundle

    monkeypatch.setattr(bundle, "FORMAT_VERSION", 1)
    older = tmp_path / "older"
    demo_ledger.export(older)
    monkeypatch.undo()
    assert "(export format 1)" in (older / "bag-info.txt").read_text(encoding="utf-8")
    result = verify(older, _vkey(demo_ledger))
    assert result.exit_code == 3
    [failure] = failures(result)
    assert failure.startswith("[format] bag-info.txt: Bag-Software-Agent ")
    assert "is of export format 1" in failure and "knows export format 2 only" in failure


def _vkey(demo_ledger: Demo) -> str:
    return demo_ledger.trust().log_keys[0].encode()


def _forge_all_compliant(bag: Path) -> list[str]:
    """Rewrite the readable reports so that every decision is compliant, with no finding;
    return the files changed (their manifests rewritten)."""
    reports = json.loads((bag / "data/reports/compliance.json").read_text(encoding="utf-8"))
    statuses = {r["compliance_status"] for r in reports}
    assert statuses - {"compliant"}, statuses  # the demo has decisions that are not
    for r in reports:
        r.update(compliance_status="compliant", findings=[], exceptions=[], missing_records=[])
    changed = {
        "data/reports/compliance.json": (
            json.dumps(reports, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
        ),
        "data/reports/compliance.csv": "decision,kind,check_or_gate,basis,severity,seq,message\n"
        + "".join(f"{r['decision']},compliant,,,,,\n" for r in reports),
    }
    for name in ("data/reports/decisions.csv", "data/decisions.html"):
        text = (bag / name).read_text(encoding="utf-8")
        for status in statuses - {"compliant"}:
            text = text.replace(status, "compliant")
        changed[name] = text
    for name, text in changed.items():
        (bag / name).write_text(text, encoding="utf-8")
        _rehash(bag, name)
    return sorted(changed)


@pytest.mark.parametrize(
    "agent",
    [
        "decision-ledger 9.0.0 (export format 9)",
        "a writer of its own",
        "decision-ledger 9.9.9 (export format 2)",
        None,
    ],
    ids=["unknown-format", "no-format", "another-version-same-format", "as-written"],
)
def test_forged_all_compliant_reports_signed_again_by_a_staff_member_fail(
    bag: Path, demo_ledger: Demo, tmp_path: Path, agent: str | None
) -> None:
    """Issue 12 item 1, as an insider would do it: the readable reports rewritten to show every
    decision compliant, the manifests rewritten, the list of files signed again with the real
    key of another registered staff member (zhou.min), and Bag-Software-Agent set to a writer
    the verifier does not know. Exit 3: an unknown format is a named failure of bag-info.txt;
    a known one gets every forged file written again and named."""
    copy = tmp_path / "forged"
    shutil.copytree(bag, copy)
    forged = _forge_all_compliant(copy)
    if agent is not None:
        set_label(copy, "Bag-Software-Agent", agent)
    resign(copy, "zhou.min", demo_ledger.key("zhou.min"))
    result = verify(copy, _vkey(demo_ledger))
    assert result.exit_code == 3, result.stderr
    found = failures(result)
    if agent is None or "format 2" in agent:
        wheres = {f.split(": ")[0] for f in found}
        assert {f"[regenerated] {name}" for name in forged} <= wheres, found
    else:
        [failure] = found
        assert failure.startswith(f"[format] bag-info.txt: Bag-Software-Agent {agent!r} ")
    assert "ok:" not in result.stdout and "note" not in result.stderr


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


def test_a_manifest_naming_a_file_the_bag_lacks_is_named(bag: Path, demo_ledger: Demo) -> None:
    """A changed file name inside a tag manifest is that manifest's failure (found by the
    property above: one flipped bit turned `bag-info.txt` into `` `ag-info.txt ``)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bag"
        shutil.copytree(bag, copy)
        manifest = copy / "tagmanifest-sha256.txt"
        manifest.write_bytes(manifest.read_bytes().replace(b" bag-info.txt", b" `ag-info.txt"))
        report = check(copy, demo_ledger)
    assert not report.ok
    found = {(p.where, p.message) for p in report.problems}
    assert ("tagmanifest-sha256.txt", "lists `ag-info.txt, which is not in the bag") in found
    assert ("bag-info.txt", "is in the bag but not in tagmanifest-sha256.txt") in found
