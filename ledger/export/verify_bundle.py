"""`ledger verify --bundle`: check an export offline, with no database of the bureau's.

In stages; a stage that fails ends the verification after it, since what follows would check a
bag already known to be damaged (every failure of the stage is named, with its file or seq):

1. the container: a zip's members (paths, types, sizes, CRCs) before and while they are
   extracted; in a directory, nothing but regular files and directories, found without
   following a link;
2. the bag: BagIt fixity (the `bagit` package), `bag-info.txt` in the writer's form with an
   export format this verifier writes (never a reason to check less: another format fails),
   the exporter's signed list of files, the bound checkpoint signed by a key the auditor
   trusts (`--trust`, never one taken from the bag), and the signed list, `bag-info.txt` and
   the checkpoint naming the same kind, origin, checkpoint and exporter (a mismatch is
   reported and the verification goes on, so that a changed entry is named by its seq);
3. for a bundle, the entries, loaded byte for byte into a new temporary ledger and checked by
   the ordinary `service.verify_ledger` (canonical form, hashes, chain, signatures, keys,
   authority, gates, blobs, the Merkle tree and every stored checkpoint and cosignature),
   equal in number to the checkpoint's size, every checkpoint the auditor kept extended, the
   exporter's signature;
4. every other file of the bag written again from the verified entries and compared byte for
   byte (the compliance report, the readable HTML and CSV, the keys, bag-info.txt, the
   manifests).

A dossier's stages 3 and 4 are its own (`verify_dossier`).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from keys import BadSignatureError, InvalidKeyError, short_id, verify_signature
from ledger import checkpoints, service
from ledger.authority import Directory
from ledger.canonical import canonical_bytes
from ledger.entry import decode_statement
from ledger.errors import EntryNotFoundError, LedgerError, NoteError, VerificationError
from ledger.export import bag_read, render
from ledger.export import bundle as bundle_mod
from ledger.export.bag import (
    DECLARATION,
    UnsafeBagError,
    ZipLimits,
    bag_files,
    check_fixity,
    file_sha256,
    opened,
    printable,
    special_files,
)
from ledger.export.replay import load_ledger
from ledger.note import SignedCheckpoint, b64
from ledger.receipts import Trust, check_checkpoint
from ledger.store import SqlStore
from ledger.store.tree import StoredCosignature

Progress = Callable[[int, int], None]

ENTRIES = "data/ledger/entries.jsonl"
SIGNATURES = "data/ledger/signatures.txt"
CHECKPOINT = "data/checkpoint.txt"
KINDS = ("bundle", "dossier")
REQUIRED = {
    "bundle": ("Ledger-Scope-From", "Ledger-Scope-To", "Ledger-Withheld-Blobs"),
    "dossier": ("Ledger-Decision", "Ledger-Entries"),
}
COMMON = ("Bag-Software-Agent", "Bagging-Date", "Ledger-Export-Kind", "Ledger-Origin",
          "Ledger-Checkpoint-Size", "Ledger-Checkpoint-Root", "Ledger-Exporter")  # fmt: skip


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

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems

    def fail(self, kind: str, where: str | None, message: str) -> None:
        """Record a failure; `where` and `message` are made printable (they may quote the
        bag's own bytes)."""
        self.problems.append(
            Problem(kind, None if where is None else printable(where), printable(message))
        )

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
            "failures": [
                {"class": p.kind, "where": p.where, "message": p.message} for p in self.problems
            ],
        }


@dataclass
class Signed:
    """The exporter's signed list, as read from the bag (its form checked)."""

    statement: dict[str, Any]
    signature: bytes
    digest: str


def verify_bundle(
    path: Path,
    *,
    trust: Trust,
    kept: Sequence[tuple[str, SignedCheckpoint]] = (),
    progress: Progress | None = None,
    limits: ZipLimits | None = None,
) -> BundleReport:
    """Verify a bundle or a dossier (a bag directory or its zip) offline.

    Args:
        trust: the ledger's checkpoint key(s) the auditor holds, and any witness keys whose
            cosignatures are required.
        kept: checkpoints the auditor kept: the bundle's ledger must extend each.
        limits: how far a zip may expand (the defaults otherwise).

    Returns:
        The report; it never raises for a failed check.

    Raises:
        InputError: no such file, or neither a directory nor a zip.
    """
    report = BundleReport()
    try:
        with opened(path, limits) as root:
            _verify_bag(root, trust, kept, report, progress)
    except UnsafeBagError as exc:
        report.fail("bag", exc.where, exc.message)
    return report


def _verify_bag(
    root: Path,
    trust: Trust,
    kept: Sequence[tuple[str, SignedCheckpoint]],
    report: BundleReport,
    progress: Progress | None,
) -> None:
    special = special_files(root)
    for name, what in special:
        report.fail("bag", name, f"{what}: a bag holds only regular files and directories")
    if special:
        return  # nothing in the bag is read: a link or a device could read from anywhere
    declared = _declaration(root, report)
    info = read_info(root, report)
    if not declared or info is None:
        return  # the bag's own description is not the writer's: nothing else is read
    fixity = check_fixity(root)
    for problem in fixity:
        report.fail("bag", problem.file, problem.message)
    signed = read_signature(root, report)  # names each changed file, when fixity cannot
    if fixity or signed is None:
        return  # a damaged bag: the files that fail are named, and nothing in it is replayed
    cp = trusted_checkpoint(root, trust, report)
    if cp is None:
        return
    check_binding(signed, info, cp, report)
    if report.kind == "bundle":
        _verify_full(root, info, signed, cp, kept, report, progress)
    else:
        from ledger.export.verify_dossier import verify_dossier

        verify_dossier(root, info, signed, cp, trust, report)


def _declaration(root: Path, report: BundleReport) -> bool:
    """bagit.txt is the declaration the writer writes: BagIt 1.0, tag files in UTF-8."""
    try:
        data = (root / "bagit.txt").read_bytes()
    except OSError as exc:
        report.fail("bag", "bagit.txt", f"cannot be read ({exc.strerror})")
        return False
    if data != DECLARATION:
        report.fail("bag", "bagit.txt", f"is not the declaration {DECLARATION.decode()!r}")
        return False
    return True


def read_info(root: Path, report: BundleReport) -> dict[str, str] | None:
    """bag-info.txt, in the writer's form, with every label its kind needs and an export
    format this verifier writes; None (after naming the failure) otherwise."""
    where = "bag-info.txt"
    try:
        info = bag_read.bag_info((root / where).read_bytes())
    except OSError as exc:
        report.fail("bag", where, f"cannot be read ({exc.strerror})")
        return None
    except ValueError as exc:
        report.fail("bag", where, str(exc))
        return None
    kind = info.get("Ledger-Export-Kind")
    if kind not in KINDS:
        report.fail("bag", where, f"Ledger-Export-Kind is {kind!r}, not bundle or dossier")
        return None
    report.kind = kind
    missing = [label for label in (*COMMON, *REQUIRED[kind]) if label not in info]
    if missing:
        report.fail("bag", where, f"lacks {', '.join(missing)}")
        return None
    agent = info["Bag-Software-Agent"]
    found = bag_read.export_format(agent)
    if found != bundle_mod.FORMAT_VERSION:
        shown = "names no export format" if found is None else f"is of export format {found}"
        report.fail(
            "format", where, f"Bag-Software-Agent {agent!r} {shown}; this verifier "
            f"({bundle_mod.software_agent()}) knows export format {bundle_mod.FORMAT_VERSION} "
            "only, so it cannot check this bag: verify it with the release that wrote it, or "
            "ask for a new export",
        )  # fmt: skip
        return None
    return info


def read_signature(root: Path, report: BundleReport) -> Signed | None:
    """Read `export-signature.json` (exactly the form the exporter writes) and compare its
    list with the bag's files, naming each file that differs. The signature itself is checked
    once the exporter's key is known."""
    name = bundle_mod.SIGNATURE_FILE
    try:
        data = (root / name).read_bytes()
    except FileNotFoundError:
        report.fail("signature", name, "missing: the bag is not signed by its exporter")
        return None
    except OSError as exc:
        report.fail("signature", name, f"cannot be read ({exc.strerror})")
        return None
    try:
        value, signature = _signed_list(data)
    except ValueError as exc:
        report.fail("signature", name, f"unreadable: {exc}")
        return None
    listed: dict[str, str] = value["files"]
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
    report.exporter = value["exporter"]
    return Signed(value, signature, digest)


def _signed_list(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The signed list and its signature, from the bytes the exporter wrote.

    Raises:
        ValueError: not the canonical JSON of `{v: 1, kind, origin, checkpoint {size, root},
            exporter, key, files {path: sha256}, signature}` and a newline.
    """
    value = bag_read.strict_json(data)
    fields = {"v", "kind", "origin", "checkpoint", "exporter", "key", "files", "signature"}
    if not isinstance(value, dict) or value.keys() != fields:
        raise ValueError(f"not an object with exactly the fields {', '.join(sorted(fields))}")
    if canonical_bytes(value) + b"\n" != data:
        raise ValueError("not in RFC 8785 canonical form followed by a newline")
    cp = value["checkpoint"]
    files = value["files"]
    checks = {
        "v is not 1": type(value["v"]) is int and value["v"] == 1,
        "kind is not bundle or dossier": value["kind"] in KINDS,
        "origin is not a string": isinstance(value["origin"], str),
        "exporter is not a string": isinstance(value["exporter"], str),
        "key is not a key id (64 hex digits)": isinstance(value["key"], str)
        and bag_read.HEX64.fullmatch(value["key"]) is not None,
        "checkpoint is not {size, root}": isinstance(cp, dict)
        and cp.keys() == {"size", "root"} and type(cp["size"]) is int
        and isinstance(cp["root"], str),
        "files is not {path: SHA-256 hex}": isinstance(files, dict)
        and all(isinstance(h, str) and bag_read.HEX64.fullmatch(h) for h in files.values()),
        "signature is not a string": isinstance(value["signature"], str),
    }  # fmt: skip
    wrong = [what for what, holds in checks.items() if not holds]
    if wrong:
        raise ValueError("; ".join(wrong))
    try:
        signature = base64.b64decode(value.pop("signature"), validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("signature is not base64") from None
    return value, signature


def check_binding(
    signed: Signed, info: dict[str, str], cp: SignedCheckpoint, report: BundleReport
) -> None:
    """The signed list, bag-info.txt and the bound checkpoint name the same kind, origin,
    checkpoint and exporter."""
    c = cp.checkpoint
    bound = {"Ledger-Origin": c.origin, "Ledger-Checkpoint-Size": str(c.size),
             "Ledger-Checkpoint-Root": b64(c.root)}  # fmt: skip
    for label, value in bound.items():
        if info[label] != value:
            report.fail(
                "bag", "bag-info.txt",
                f"{label} is {info[label]!r}; the bound checkpoint ({CHECKPOINT}) says {value!r}",
            )  # fmt: skip
    statement = signed.statement
    named = {
        "kind": (statement["kind"], info["Ledger-Export-Kind"], "bag-info.txt"),
        "origin": (statement["origin"], c.origin, CHECKPOINT),
        "checkpoint": (statement["checkpoint"], {"size": c.size, "root": b64(c.root)}, CHECKPOINT),
        "exporter": (statement["exporter"], info["Ledger-Exporter"], "bag-info.txt"),
    }
    for name, (theirs, ours, source) in named.items():
        if theirs != ours:
            report.fail(
                "signature", bundle_mod.SIGNATURE_FILE,
                f"the exporter signed {name} {theirs!r}, but {source} says {ours!r}",
            )  # fmt: skip


def check_exporter_signature(
    signed: Signed, directory: Directory, last_recorded_at: str, size: int, report: BundleReport
) -> None:
    """The exporter's key is bound to them in the entries before `size`, valid then, and its
    signature over the bundle hash verifies."""
    name = bundle_mod.SIGNATURE_FILE
    exporter, kid = signed.statement["exporter"], signed.statement["key"]
    record = directory.keys.get(kid)
    if record is None or record.person != exporter or record.bound_seq >= size:
        report.fail(
            "signature", name, f"the exporter {exporter}'s key {kid[:12]}… is not bound to "
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


def trusted_checkpoint(root: Path, trust: Trust, report: BundleReport) -> SignedCheckpoint | None:
    """data/checkpoint.txt, checked under the keys the auditor trusts; None (after naming the
    failure) when it is missing, malformed or not signed by them."""
    try:
        cp = SignedCheckpoint.parse((root / CHECKPOINT).read_bytes())
    except FileNotFoundError:
        report.fail("checkpoint", CHECKPOINT, "missing")
        return None
    except OSError as exc:
        report.fail("checkpoint", CHECKPOINT, f"cannot be read ({exc.strerror})")
        return None
    except NoteError as exc:
        report.fail("checkpoint", CHECKPOINT, exc.message)
        return None
    report.origin, report.size = cp.checkpoint.origin, cp.checkpoint.size
    report.root = b64(cp.checkpoint.root)
    try:
        checked = check_checkpoint(cp, trust, what="the bound checkpoint")
    except VerificationError as exc:
        report.fail("checkpoint", CHECKPOINT, exc.message)
        return None
    report.signed_by, report.cosigned_by = checked.signers, checked.witnesses
    return cp


def check_entry_lines(root: Path, report: BundleReport) -> bool:
    """Whether entries.jsonl and signatures.txt are what the writer writes: each line of the one
    a canonical statement and its newline, each of the other `SEQ base64(signature)` (64
    bytes), as many of each. The first line that is not is named (its line and seq); the
    entries are loaded only after this pass, so that nothing else reads a malformed one."""
    try:
        with (root / ENTRIES).open("rb") as entries, (root / SIGNATURES).open("rb") as sigs:
            for seq, line in enumerate(entries):
                where = f"{ENTRIES} line {seq + 1}"
                if not line.endswith(b"\n"):
                    report.fail("bag", f"seq {seq}", f"{where} lacks its newline")
                    return False
                try:
                    decode_statement(line[:-1])
                except VerificationError as exc:
                    report.fail(exc.kind, f"seq {seq}", f"{where}: {exc.message}")
                    return False
                except RecursionError:
                    report.fail("canonical", f"seq {seq}", f"{where}: nested too deeply")
                    return False
                try:
                    bag_read.signature_line(sigs.readline(), seq)
                except ValueError as exc:
                    report.fail("bag", SIGNATURES, f"line {seq + 1} {exc}")
                    return False
            if sigs.readline():
                report.fail("bag", SIGNATURES, "has more lines than entries.jsonl")
                return False
    except OSError as exc:
        name = Path(str(exc.filename)).name if exc.filename else ENTRIES
        report.fail("bag", f"data/ledger/{name}", f"cannot be read ({exc.strerror})")
        return False
    return True


def _entry_pairs(root: Path) -> Iterator[tuple[bytes, bytes]]:
    """(statement, signature) pairs of a bag that `check_entry_lines` passed, streamed."""
    with (root / ENTRIES).open("rb") as entries, (root / SIGNATURES).open("rb") as sigs:
        for seq, line in enumerate(entries):
            yield line[:-1], bag_read.signature_line(sigs.readline(), seq)


def read_withheld(root: Path, report: BundleReport) -> dict[str, str] | None:
    """data/reports/withheld.csv: hash → reason (as the exporter gave it)."""
    where = "data/reports/withheld.csv"
    try:
        text = (root / where).read_bytes().decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        if not rows or rows[0] != ["sha256", "first_seq", "reason"]:
            raise ValueError("its header is not sha256,first_seq,reason")
        withheld: dict[str, str] = {}
        for number, row in enumerate(rows[1:], start=2):
            if len(row) != 3 or not bag_read.HEX64.fullmatch(row[0]) or not row[1].isdigit():
                raise ValueError(f"line {number} is not 'sha256,first_seq,reason'")
            if row[0] in withheld:
                raise ValueError(f"line {number}: {row[0]} is listed twice")
            withheld[row[0]] = render.csv_text(row[2])
    except OSError as exc:
        report.fail("bag", where, f"cannot be read ({exc.strerror})")
        return None
    except (ValueError, csv.Error) as exc:  # UnicodeDecodeError is a ValueError
        report.fail("bag", where, f"unreadable: {exc}")
        return None
    return withheld


_COSIGNATURE = {"size": int, "witness": str, "key_id": str, "verifier_key": str, "line": str}


Stored = tuple[list[tuple[int, bytes]], list[StoredCosignature]]


def _stored(root: Path, report: BundleReport) -> Stored | None:
    """The stored checkpoints and cosignatures, as the bundle writes them."""
    try:
        name = "data/ledger/checkpoints.jsonl"
        stored = bag_read.jsonl((root / name).read_bytes(), {"size": int, "note": str})
        name = "data/ledger/cosignatures.jsonl"
        cosigs = bag_read.jsonl((root / name).read_bytes(), _COSIGNATURE)
    except OSError as exc:
        report.fail("bag", name, f"cannot be read ({exc.strerror})")
        return None
    except ValueError as exc:
        report.fail("bag", name, str(exc))
        return None
    return (
        [(v["size"], v["note"].encode("utf-8")) for v in stored],
        [StoredCosignature(**v) for v in cosigs],
    )


def _blobs(root: Path, report: BundleReport) -> list[Path] | None:
    """The stored documents: regular files named by their SHA-256 (hex)."""
    folder = root / "data/blobs/sha256"
    if not folder.exists():
        return []
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else [folder]:
        if not path.is_file() or not bag_read.HEX64.fullmatch(path.name):
            name = path.relative_to(root).as_posix()
            report.fail("bag", name, "is not a document named by its SHA-256 (64 hex digits)")
            return None
        found.append(path)
    return found


def _verify_full(
    root: Path,
    info: dict[str, str],
    signed: Signed,
    cp: SignedCheckpoint,
    kept: Sequence[tuple[str, SignedCheckpoint]],
    report: BundleReport,
    progress: Progress | None,
) -> None:
    withheld = read_withheld(root, report)
    stored = _stored(root, report)
    blobs = _blobs(root, report)
    if withheld is None or stored is None or blobs is None:
        return
    report.withheld = sorted(withheld.items())
    if not check_entry_lines(root, report):
        return  # the entries are not a ledger's; the failure is named above
    total = cp.checkpoint.size
    with tempfile.TemporaryDirectory(prefix="ledger-verify-bundle-") as tmp:
        store = load_ledger(
            Path(tmp) / "bundle.db", _entry_pairs(root),
            blobs=((p.name, p.read_bytes()) for p in blobs),
            checkpoints=stored[0], cosignatures=stored[1],
            progress=None if progress is None else (lambda n: progress(n, 2 * total)),
        )  # fmt: skip
        try:
            external = [(CHECKPOINT, cp), *kept]
            verified = service.verify_ledger(
                store=store, checkpoints=external, withheld=set(withheld),
                progress=None if progress is None else (lambda d, t: progress(t + d, 2 * t)),
            )  # fmt: skip
            report.entries, report.blobs = verified.entries, verified.blobs
            for failure in verified.ordered():
                where = None if failure.seq is None else f"seq {failure.seq}"
                more = f" (and {failure.count - 1} more)" if failure.count > 1 else ""
                report.fail(failure.kind, where, failure.message + more)
            if not verified.ok:
                return  # what follows would only restate the failures above
            if verified.entries != total:
                report.fail(
                    "checkpoint", ENTRIES, f"holds {verified.entries} entries but the bag is "
                    f"bound to a checkpoint of size {total}",
                )  # fmt: skip
                return
            last = next(store.rows(since=total - 1, until=total - 1))
            check_exporter_signature(signed, store.directory(), last.recorded_at, total, report)
            _compare(root, store, cp, info, withheld, report, Path(tmp))
        finally:
            store.close()


def _day(info: dict[str, str], label: str, report: BundleReport) -> tuple[bool, str | None]:
    value = info[label]
    if value == "-":
        return True, None
    try:
        if len(value) == 10 and date.fromisoformat(value):
            return True, value
    except ValueError:
        pass
    report.fail("bag", "bag-info.txt", f"{label} is {value!r}, not a date YYYY-MM-DD or '-'")
    return False, None


def _compare(
    root: Path,
    store: SqlStore,
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
    (good_from, from_date), (good_to, to_date) = (
        _day(info, "Ledger-Scope-From", report), _day(info, "Ledger-Scope-To", report)
    )  # fmt: skip
    if not (good_from and good_to):
        return
    scope = bundle_mod.Scope(from_date, to_date, tuple(sorted(withheld.items())))
    again = tmp / "again"
    exporter = report.exporter or info["Ledger-Exporter"]
    try:
        bundle_mod.write_bundle(
            again, source=store, view=store, checkpoint=bound, scope=scope, exporter=exporter,
            agent=info["Bag-Software-Agent"],
        )  # fmt: skip
    except LedgerError as exc:
        report.fail(
            "regenerated", None,
            f"the bag cannot be written again from its entries: {exc.diagnostics()}",
        )  # fmt: skip
        return
    compare_files(root, again, report, "bundle")


def compare_files(root: Path, again: Path, report: BundleReport, what: str) -> None:
    """Every file of the bag at `root` but the signed list equals the one written again at
    `again`, and no file is missing or extra."""
    skip = {bundle_mod.SIGNATURE_FILE}
    have = {f for f in bag_files(root) if f not in skip}
    want = {f for f in bag_files(again) if f not in skip}
    for file in sorted(have | want):
        if file not in want:
            report.fail("regenerated", file, f"is not part of the {what} the entries give")
        elif file not in have:
            report.fail("regenerated", file, "is missing")
        elif file_sha256(root / file) != file_sha256(again / file):
            labels = _label_differences(root / file, again / file) if file == "bag-info.txt" else []
            for label, theirs, ours in labels:
                report.fail(
                    "regenerated", file,
                    f"{label} is {theirs!r}; the verified entries give {ours!r}",
                )  # fmt: skip
            if not labels:
                report.fail("regenerated", file, "differs from what the verified entries give")


def _label_differences(theirs: Path, ours: Path) -> list[tuple[str, str | None, str | None]]:
    """The labels of two bag-info.txt files whose values differ (each was read already)."""
    try:
        have, want = bag_read.bag_info(theirs.read_bytes()), bag_read.bag_info(ours.read_bytes())
    except (OSError, ValueError):
        return []
    return [
        (label, have.get(label), want.get(label))
        for label in sorted(have.keys() | want.keys())
        if have.get(label) != want.get(label)
    ]
