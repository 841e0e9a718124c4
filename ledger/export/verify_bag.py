"""The checks every export shares: the bag's own description, the exporter's signed list,
the bound checkpoint, and the comparison of a bag with the one written again.

`bagit.txt` and `bag-info.txt` must be in the writer's form, with every label the kind needs
and an export format this verifier writes (`Bag-Software-Agent` is never a reason to check
less: another format fails). `export-signature.json` must be the canonical JSON the exporter
writes; its list must name every other file with its SHA-256; it, bag-info.txt and the bound
checkpoint must name the same kind, origin, checkpoint and exporter; the checkpoint must be
signed by a key the auditor trusts (`--trust`, never one taken from the bag).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from keys import BadSignatureError, InvalidKeyError, short_id, verify_signature
from ledger.authority import Directory
from ledger.canonical import canonical_bytes
from ledger.errors import LedgerError, NoteError, VerificationError
from ledger.export import bag_read
from ledger.export import bundle as bundle_mod
from ledger.export.bag import (
    DECLARATION,
    bag_files,
    file_sha256,
    printable,
)
from ledger.note import SignedCheckpoint, b64
from ledger.receipts import Trust, check_checkpoint

ENTRIES = "data/ledger/entries.jsonl"
SIGNATURES = "data/ledger/signatures.txt"
CHECKPOINT = "data/checkpoint.txt"
KINDS = ("bundle", "dossier")
REQUIRED = {
    "bundle": ("Ledger-Scope-From", "Ledger-Scope-To", "Ledger-Withheld-Blobs"),
    "dossier": ("Ledger-Decision", "Ledger-Entries"),
}
COMMON = (
    "Bag-Software-Agent",
    "Bagging-Date",
    "Ledger-Export-Kind",
    "Ledger-Origin",
    "Ledger-Checkpoint-Size",
    "Ledger-Checkpoint-Root",
    "Ledger-Exporter",
    "Payload-Oxum",
)


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


T = TypeVar("T")


def parsed(
    root: Path,
    name: str,
    parse: Callable[[bytes], T],
    report: BundleReport,
    kind: str = "bag",
    missing: str = "is missing",
) -> T | None:
    """File `name` of the bag, read by `parse` (which raises ValueError naming what is wrong);
    None after naming the failure: missing, unreadable or malformed."""
    try:
        return parse((root / name).read_bytes())
    except FileNotFoundError:
        report.fail(kind, name, missing)
    except OSError as exc:
        report.fail(kind, name, f"cannot be read ({exc.strerror})")
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        report.fail(kind, name, str(exc))
    return None


def declaration(root: Path, report: BundleReport) -> bool:
    """bagit.txt is the declaration the writer writes: BagIt 1.0, tag files in UTF-8."""

    def check(data: bytes) -> bool:
        if data != DECLARATION:
            raise ValueError(f"is not the declaration {DECLARATION.decode()!r}")
        return True

    return parsed(root, "bagit.txt", check, report) is not None


def read_info(root: Path, report: BundleReport) -> dict[str, str] | None:
    """bag-info.txt, in the writer's form, with every label its kind needs and an export
    format this verifier writes; None (after naming the failure) otherwise."""
    where = "bag-info.txt"
    info = parsed(root, where, bag_read.bag_info, report)
    if info is None:
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
            "format",
            where,
            f"Bag-Software-Agent {agent!r} {shown}; this verifier "
            f"({bundle_mod.software_agent()}) knows export format {bundle_mod.FORMAT_VERSION} "
            "only, so it cannot check this bag: verify it with the release that wrote it, or "
            "ask for a new export",
        )
        return None
    return info


def read_signature(root: Path, actual: dict[str, str], report: BundleReport) -> Signed | None:
    """Read `export-signature.json` (exactly the form the exporter writes) and compare its
    list with the bag's other files (`actual`: path → SHA-256), naming each file that differs.
    The signature itself is checked once the exporter's key is known."""
    name = bundle_mod.SIGNATURE_FILE
    found = parsed(
        root,
        name,
        _signed_list,
        report,
        "signature",
        "is missing: the bag is not signed by its exporter",
    )
    if found is None:
        return None
    value, signature = found
    listed: dict[str, str] = value["files"]
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
        and cp.keys() == {"size", "root"}
        and type(cp["size"]) is int
        and isinstance(cp["root"], str),
        "files is not {path: SHA-256 hex}": isinstance(files, dict)
        and all(isinstance(h, str) and bag_read.HEX64.fullmatch(h) for h in files.values()),
        "signature is not a string": isinstance(value["signature"], str),
    }
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
    bound = {
        "Ledger-Origin": c.origin,
        "Ledger-Checkpoint-Size": str(c.size),
        "Ledger-Checkpoint-Root": b64(c.root),
    }
    for label, value in bound.items():
        if info[label] != value:
            report.fail(
                "bag",
                "bag-info.txt",
                f"{label} is {info[label]!r}; the bound checkpoint ({CHECKPOINT}) says {value!r}",
            )
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
                "signature",
                bundle_mod.SIGNATURE_FILE,
                f"the exporter signed {name} {theirs!r}, but {source} says {ours!r}",
            )


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
            "signature",
            name,
            f"the exporter {exporter}'s key {kid[:12]}… is not bound to them in the bag's entries",
        )
        return
    if not record.valid_at(last_recorded_at):
        report.fail("signature", name, f"the exporter's key {short_id(record.key_id)} was revoked")
        return
    message = bundle_mod.SIGNATURE_DOMAIN + bytes.fromhex(signed.digest)
    try:
        verify_signature(record.public_key, message, signed.signature)
    except (BadSignatureError, InvalidKeyError):
        report.fail(
            "signature",
            name,
            f"the exporter's signature (key {short_id(record.key_id)}) does "
            "not verify: the list of files or what it is bound to was changed",
        )


def trusted_checkpoint(root: Path, trust: Trust, report: BundleReport) -> SignedCheckpoint | None:
    """data/checkpoint.txt, checked under the keys the auditor trusts; None (after naming the
    failure) when it is missing, malformed or not signed by them."""

    def parse(data: bytes) -> SignedCheckpoint:
        try:
            return SignedCheckpoint.parse(data)
        except NoteError as exc:
            raise ValueError(exc.message) from None

    cp = parsed(root, CHECKPOINT, parse, report, "checkpoint")
    if cp is None:
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


def written_again(write: Callable[[], object], report: BundleReport, what: str) -> bool:
    """Run `write`, which writes the bag again from its verified entries; False after naming
    the failure when the entries do not allow it."""
    try:
        write()
    except LedgerError as exc:
        report.fail(
            "regenerated",
            None,
            f"the {what} cannot be written again from its entries: {exc.diagnostics()}",
        )
        return False
    return True


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
                    "regenerated",
                    file,
                    f"{label} is {theirs!r}; the verified entries give {ours!r}",
                )
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
