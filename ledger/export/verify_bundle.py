"""`ledger verify --bundle`: check an export offline, with no database of the bureau's.

For a bundle, in order: BagIt fixity (the `bagit` package); the exporter's signed list of
files; the entries, loaded byte for byte into a new temporary ledger and checked by the ordinary
`service.verify_ledger` (canonical form, hashes, chain, signatures, keys, authority, gates, blobs,
the Merkle tree and every stored checkpoint and cosignature); the bound checkpoint, signed by a
key the auditor trusts (`--trust`, never one taken from the bag) and equal in size and root to
the entries; every checkpoint the auditor kept; the exporter's signature; then every other file
of the bag is written again from the verified entries and compared byte for byte (the compliance
report, the readable HTML and CSV, the keys). A dossier has its own path (`dossier.verify`).
Failures name the file or the seq; all are collected.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keys import BadSignatureError, InvalidKeyError, short_id, verify_signature
from ledger import checkpoints, service
from ledger.authority import Directory
from ledger.errors import EntryNotFoundError, LedgerError, NoteError, VerificationError
from ledger.export import bundle as bundle_mod
from ledger.export.bag import bag_files, check_fixity, file_sha256, opened
from ledger.export.replay import load_ledger
from ledger.note import SignedCheckpoint, b64
from ledger.receipts import Checked, Trust, check_checkpoint
from ledger.store.tree import StoredCosignature

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """One failure: its class, where (a file of the bag, or `seq N`), and what."""

    kind: str
    where: str | None
    message: str

    def describe(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class BundleReport:
    """What `ledger verify --bundle` found."""

    kind: str | None = None
    origin: str | None = None
    size: int | None = None
    root: str | None = None
    entries: int = 0
    blobs: int = 0
    withheld: list[tuple[str, str]] = field(default_factory=list)
    bundle_hash: str | None = None
    exporter: str | None = None
    signed_by: list[str] = field(default_factory=list)
    cosigned_by: list[str] = field(default_factory=list)
    decision: str | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems

    def fail(self, kind: str, where: str | None, message: str) -> None:
        self.problems.append(Problem(kind, where, message))

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "origin": self.origin,
            "checkpoint": {"size": self.size, "root": self.root},
            "decision": self.decision,
            "entries": self.entries,
            "blobs": self.blobs,
            "withheld": [{"blob": h, "reason": r} for h, r in self.withheld],
            "bundle_sha256": self.bundle_hash,
            "exporter": self.exporter,
            "signed_by": self.signed_by,
            "cosigned_by": self.cosigned_by,
            "notes": self.notes,
            "failures": [
                {"class": p.kind, "where": p.where, "message": p.message} for p in self.problems
            ],
        }


@dataclass
class Signed:
    """The exporter's signed list, as read from the bag."""

    statement: dict[str, Any]
    signature: bytes
    digest: str


def bag_info(root: Path) -> dict[str, str]:
    """bag-info.txt as a dict (the first value of each name)."""
    info: dict[str, str] = {}
    try:
        text = (root / "bag-info.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return info
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            info.setdefault(name.strip(), value.strip())
    return info


def verify_bundle(
    path: Path,
    *,
    trust: Trust,
    kept: Sequence[tuple[str, SignedCheckpoint]] = (),
    progress: Progress | None = None,
) -> BundleReport:
    """Verify a bundle or a dossier (a bag directory or its zip) offline.

    Args:
        trust: the ledger's checkpoint key(s) the auditor holds, and any witness keys whose
            cosignatures are required.
        kept: checkpoints the auditor kept: the bundle's ledger must extend each.

    Returns:
        The report; it never raises for a failed check.

    Raises:
        InputError: no such file, not a directory or a zip, an unsafe zip.
    """
    report = BundleReport()
    with opened(path) as root:
        for problem in check_fixity(root):
            report.fail("bag", problem.file, problem.message)
        info = bag_info(root)
        report.kind = info.get("Ledger-Export-Kind")
        signed = read_signature(root, report)
        if report.kind == "bundle":
            _verify_full(root, info, signed, trust, kept, report, progress)
        elif report.kind == "dossier":
            from ledger.export.dossier import verify_dossier

            verify_dossier(root, signed, trust, report)
        else:
            report.fail("bag", "bag-info.txt", "no Ledger-Export-Kind: bundle or dossier")
    return report


def read_signature(root: Path, report: BundleReport) -> Signed | None:
    """Read `export-signature.json` and compare its list with the bag's files (naming each
    file that differs). The signature itself is checked once the exporter's key is known."""
    name = bundle_mod.SIGNATURE_FILE
    try:
        value = json.loads((root / name).read_bytes())
        signature = base64.b64decode(value.pop("signature"), validate=True)
        listed = value["files"]
        if not isinstance(listed, dict):
            raise TypeError("files is not an object")
    except FileNotFoundError:
        report.fail("signature", name, "missing: the bag is not signed by its exporter")
        return None
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        report.fail("signature", name, f"unreadable ({exc})")
        return None
    actual = {f: file_sha256(root / f) for f in bag_files(root) if f != name}
    for file in sorted(actual.keys() | listed.keys()):
        if file not in listed:
            report.fail("signature", file, "is not among the files the exporter signed")
        elif file not in actual:
            report.fail("signature", file, "was signed by the exporter but is missing")
        elif listed[file] != actual[file]:
            report.fail(
                "signature", file, "is not the file the exporter signed (its SHA-256 differs)"
            )
    digest = bundle_mod.bundle_hash(value)
    report.bundle_hash = digest
    report.exporter = value.get("exporter")
    return Signed(value, signature, digest)


def check_exporter_signature(
    signed: Signed | None, directory: Directory, last_recorded_at: str, size: int,
    report: BundleReport,
) -> None:  # fmt: skip
    """The exporter's key is bound to them in the entries before `size`, valid then, and its
    signature over the bundle hash verifies."""
    if signed is None:
        return
    name = bundle_mod.SIGNATURE_FILE
    exporter, kid = signed.statement.get("exporter"), signed.statement.get("key")
    record = directory.keys.get(str(kid))
    if record is None or record.person != exporter or record.bound_seq >= size:
        report.fail(
            "signature", name, f"the exporter {exporter}'s key {str(kid)[:12]}… is not bound to "
            "them in the bag's entries",
        )  # fmt: skip
        return
    if not record.valid_at(last_recorded_at):
        report.fail("signature", name, f"the exporter's key {short_id(record.key_id)} was revoked")
        return
    message = bundle_mod.SIGNATURE_DOMAIN + bytes.fromhex(signed.digest)
    try:
        verify_signature(record.public_key, message, signed.signature)
    except (BadSignatureError, InvalidKeyError):
        report.fail(
            "signature", name, f"the exporter's signature (key {short_id(record.key_id)}) does "
            "not verify: the list of files or what it is bound to was changed",
        )  # fmt: skip


def trusted_checkpoint(
    root: Path, trust: Trust, report: BundleReport
) -> tuple[SignedCheckpoint | None, Checked | None]:
    """Read data/checkpoint.txt and check it under the keys the auditor trusts."""
    where = "data/checkpoint.txt"
    try:
        cp = SignedCheckpoint.parse((root / where).read_bytes())
    except FileNotFoundError:
        report.fail("checkpoint", where, "missing")
        return None, None
    except NoteError as exc:
        report.fail("checkpoint", where, exc.message)
        return None, None
    report.origin, report.size = cp.checkpoint.origin, cp.checkpoint.size
    report.root = b64(cp.checkpoint.root)
    try:
        checked = check_checkpoint(cp, trust, what="the bound checkpoint")
    except VerificationError as exc:
        report.fail("checkpoint", where, exc.message)
        return cp, None
    report.signed_by, report.cosigned_by = checked.signers, checked.witnesses
    return cp, checked


def _entries(root: Path, report: BundleReport) -> Iterator[tuple[bytes, bytes]]:
    """(statement, signature) pairs from entries.jsonl and signatures.txt, streamed."""
    entries_path = root / "data/ledger/entries.jsonl"
    sigs_path = root / "data/ledger/signatures.txt"
    try:
        with entries_path.open("rb") as entries, sigs_path.open("rb") as sigs:
            for index, line in enumerate(entries):
                sig_line = sigs.readline()
                yield line.rstrip(b"\n"), _signature(sig_line, index, report)
            if sigs.readline():
                report.fail("bag", "data/ledger/signatures.txt", "more lines than entries")
    except FileNotFoundError as exc:
        report.fail("bag", Path(str(exc.filename)).relative_to(root).as_posix(), "missing")


def _signature(line: bytes, index: int, report: BundleReport) -> bytes:
    where = "data/ledger/signatures.txt"
    seq, _, value = line.strip().partition(b" ")
    try:
        if seq != str(index).encode():
            raise ValueError("seq out of order")
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        report.fail("bag", where, f"line {index + 1} is not '{index} base64(signature)'")
        return b""


def _jsonl(root: Path, name: str, report: BundleReport) -> list[dict[str, Any]]:
    try:
        return [json.loads(line) for line in (root / name).read_bytes().splitlines() if line]
    except (OSError, ValueError) as exc:
        report.fail("bag", name, f"unreadable ({exc})")
        return []


def _withheld(root: Path, report: BundleReport) -> dict[str, str]:
    import csv
    import io

    where = "data/reports/withheld.csv"
    try:
        rows = list(csv.reader(io.StringIO((root / where).read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError) as exc:
        report.fail("bag", where, f"unreadable ({exc})")
        return {}
    return {row[0]: row[2] for row in rows[1:] if len(row) == 3}


def _blobs(root: Path) -> Iterator[tuple[str, bytes]]:
    folder = root / "data/blobs/sha256"
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            yield path.name, path.read_bytes()


def _verify_full(
    root: Path,
    info: dict[str, str],
    signed: Signed | None,
    trust: Trust,
    kept: Sequence[tuple[str, SignedCheckpoint]],
    report: BundleReport,
    progress: Progress | None,
) -> None:
    cp, _ = trusted_checkpoint(root, trust, report)
    withheld = _withheld(root, report)
    report.withheld = sorted(withheld.items())
    stored = _jsonl(root, "data/ledger/checkpoints.jsonl", report)
    cosigs = _jsonl(root, "data/ledger/cosignatures.jsonl", report)
    try:
        stored_cps = [(int(v["size"]), str(v["note"]).encode("utf-8")) for v in stored]
        cosig_rows = [StoredCosignature(**v) for v in cosigs]
    except (KeyError, TypeError, ValueError) as exc:
        report.fail("bag", "data/ledger/checkpoints.jsonl", f"unreadable ({exc})")
        stored_cps, cosig_rows = [], []
    total = cp.checkpoint.size if cp is not None else 0
    with tempfile.TemporaryDirectory(prefix="ledger-verify-bundle-") as tmp:
        store = load_ledger(
            Path(tmp) / "bundle.db", _entries(root, report), blobs=_blobs(root),
            checkpoints=stored_cps, cosignatures=cosig_rows,
            progress=None if progress is None else (lambda n: progress(n, 2 * total or n)),
        )  # fmt: skip
        try:
            external = ([("data/checkpoint.txt", cp)] if cp is not None else []) + list(kept)
            verified = service.verify_ledger(
                store=store, checkpoints=external, withheld=set(withheld),
                progress=None if progress is None else (lambda d, t: progress(t + d, 2 * t)),
            )  # fmt: skip
            report.entries, report.blobs = verified.entries, verified.blobs
            for failure in verified.ordered():
                where = None if failure.seq is None else f"seq {failure.seq}"
                more = f" (and {failure.count - 1} more)" if failure.count > 1 else ""
                report.fail(failure.kind, where, failure.message + more)
            if cp is None or not verified.ok:
                return  # what follows would only restate the failures above
            if verified.entries != cp.checkpoint.size:
                report.fail(
                    "checkpoint", "data/ledger/entries.jsonl",
                    f"holds {verified.entries} entries but the bag is bound to a checkpoint of "
                    f"size {cp.checkpoint.size}",
                )  # fmt: skip
                return
            last = next(store.rows(since=cp.checkpoint.size - 1, until=cp.checkpoint.size - 1))
            check_exporter_signature(
                signed, store.directory(), last.recorded_at, cp.checkpoint.size, report
            )
            _compare(root, store, cp, info, withheld, report, Path(tmp))
        finally:
            store.close()


def _compare_tags(root: Path, again: Path, report: BundleReport) -> None:
    """For a bag of another export format: its tag files cannot match byte for byte (they name
    the writer and hash the readable files), so compare what in them is evidence: the `Ledger-*`
    fields of bag-info.txt and the payload manifest's lines for every file but the readable ones."""
    ours, theirs = bag_info(again), bag_info(root)
    for name in sorted(k for k in ours.keys() | theirs.keys() if k.startswith("Ledger-")):
        if ours.get(name) != theirs.get(name):
            report.fail(
                "regenerated", "bag-info.txt",
                f"{name} is {theirs.get(name)!r}, the verified entries give {ours.get(name)!r}",
            )  # fmt: skip
    for manifest in sorted(p.name for p in again.glob("manifest-*.txt")):
        want, have = _evidence_lines(again / manifest), _evidence_lines(root / manifest)
        for path in sorted(want.keys() | have.keys()):
            if want.get(path) != have.get(path):
                report.fail(
                    "regenerated", manifest,
                    f"the line for {path} differs from what the verified entries give",
                )  # fmt: skip


def _evidence_lines(manifest: Path) -> dict[str, str]:
    """A payload manifest's `hash path` lines, by path, without the readable files."""
    lines: dict[str, str] = {}
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return lines
    for line in text.splitlines():
        digest, _, path = line.partition(" ")
        path = path.strip()
        if path and path not in bundle_mod.READABLE:
            lines[path] = digest
    return lines


def _compare(
    root: Path,
    store: Any,
    cp: SignedCheckpoint,
    info: dict[str, str],
    withheld: dict[str, str],
    report: BundleReport,
    tmp: Path,
) -> None:
    """Write the bag again from the verified ledger and compare every file byte for byte."""
    try:
        bound = checkpoints.stored_checkpoint(store=store, size=cp.checkpoint.size)
    except EntryNotFoundError:
        report.fail(
            "checkpoint", "data/ledger/checkpoints.jsonl",
            f"does not hold the bound checkpoint (size {cp.checkpoint.size})",
        )  # fmt: skip
        return
    scope = bundle_mod.Scope(
        from_date=None if info.get("Ledger-Scope-From", "-") == "-" else info["Ledger-Scope-From"],
        to_date=None if info.get("Ledger-Scope-To", "-") == "-" else info["Ledger-Scope-To"],
        withheld=tuple(sorted(withheld.items())),
    )
    again = tmp / "again"
    exporter = report.exporter or info.get("Ledger-Exporter", "")
    try:
        bundle_mod.write_bundle(
            again, source=store, view=store, checkpoint=bound, scope=scope, exporter=exporter
        )
    except LedgerError as exc:
        report.fail(
            "regenerated",
            None,
            f"the bag cannot be written again from its entries: {exc.diagnostics()}",
        )
        return
    written_by = info.get("Bag-Software-Agent", "")
    same_format = bundle_mod.format_of(written_by) == bundle_mod.FORMAT_VERSION
    note = ""
    if written_by != bundle_mod.software_agent():
        note = f" (the bag was written by {written_by}; this is {bundle_mod.software_agent()})"
    skip = {bundle_mod.SIGNATURE_FILE}
    if not same_format:
        skip |= bundle_mod.READABLE
        report.notes.append(
            f"the bag was written by {written_by or 'an unnamed writer'} and this is "
            f"{bundle_mod.software_agent()}: the readable files "
            f"({', '.join(sorted(bundle_mod.READABLE))}) are checked by fixity and the "
            "exporter's signature only, not written again and compared"
        )
        skip |= {f for f in bag_files(root) if "/" not in f and f != "bagit.txt"}
        _compare_tags(root, again, report)
    have = {f for f in bag_files(root) if f not in skip}
    want = {f for f in bag_files(again) if f not in skip}
    for file in sorted(have | want):
        if file not in want:
            report.fail("regenerated", file, "is not part of the bundle the entries give")
        elif file not in have:
            report.fail("regenerated", file, "is missing")
        elif file_sha256(root / file) != file_sha256(again / file):
            report.fail("regenerated", file, f"differs from what the verified entries give{note}")
