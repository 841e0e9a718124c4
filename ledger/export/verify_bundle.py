"""`ledger verify --bundle`: check an export offline, with no database of the bureau's.

In stages; a stage that fails ends the verification after it, since what follows would check a
bag already known to be damaged (every failure of the stage is named, with its file or seq):

1. the container: a zip's members (paths, types, sizes, CRCs) before and while they are
   extracted; in a directory, nothing but regular files and directories, found without
   following a link;
2. the bag (`verify_bag`): bagit.txt and bag-info.txt in the writer's form, with an export
   format this verifier writes (never a reason to check less: another format fails); BagIt
   fixity (`fixity`: every file against both manifests and Payload-Oxum; a failure names each
   file, and verification stops); the exporter's signed list of files; the bound checkpoint
   signed by a key the auditor trusts (`--trust`, never one taken from the bag); the signed
   list, bag-info.txt and the checkpoint naming the same kind, origin, checkpoint and exporter
   (a mismatch is reported and the verification goes on, so that a changed entry is named by
   its seq);
3. for a bundle, the entries, loaded byte for byte into a new temporary ledger and checked by
   the ordinary `verify_ledger` (canonical form, hashes, chain, signatures, keys,
   authority, gates, blobs, the Merkle tree and every stored checkpoint and cosignature),
   equal in number to the checkpoint's size, every checkpoint the auditor kept extended, the
   exporter's signature;
4. every other file of the bag written again from the verified entries and compared byte for
   byte (the compliance report, the readable HTML and CSV, the keys, bag-info.txt, the
   manifests).

A dossier's stages 3 and 4 are its own (`verify_dossier`).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

from ledger import checkpoints
from ledger.entry import decode_statement
from ledger.errors import EntryNotFoundError, VerificationError
from ledger.export import bag_read, render
from ledger.export import bundle as bundle_mod
from ledger.export.bag import UnsafeBagError, ZipLimits, opened, scan
from ledger.export.fixity import check_fixity
from ledger.export.replay import load_ledger
from ledger.export.verify_bag import (
    CHECKPOINT,
    ENTRIES,
    SIGNATURES,
    BundleReport,
    Problem,
    Signed,
    check_binding,
    check_exporter_signature,
    compare_files,
    declaration,
    parsed,
    read_info,
    read_signature,
    trusted_checkpoint,
    written_again,
)
from ledger.export.verify_dossier import verify_dossier
from ledger.note import SignedCheckpoint
from ledger.receipts import Trust
from ledger.store import SqlStore
from ledger.store.tree import StoredCosignature
from ledger.verification import verify_ledger

Progress = Callable[[int, int], None]
__all__ = ["BundleReport", "Problem", "verify_bundle"]


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
    files, special = scan(root)
    for name, what in special:
        report.fail("bag", name, f"{what}: a bag holds only regular files and directories")
    if special:
        return  # nothing in the bag is read: a link or a device could read from anywhere
    declared = declaration(root, report)
    info = read_info(root, report)
    if not declared or info is None:
        return  # the bag's own description is not the writer's: nothing else is read
    fixity = check_fixity(root, files, info["Payload-Oxum"])
    for problem in fixity.problems:
        report.fail("bag", problem.file, problem.message)
    if fixity.problems:
        return  # a damaged bag: the files that fail are named, and nothing in it is replayed
    signed = read_signature(root, fixity.sha256, report)
    if signed is None:
        return
    cp = trusted_checkpoint(root, trust, report)
    if cp is None:
        return
    check_binding(signed, info, cp, report)
    if report.kind == "bundle":
        _verify_full(root, info, signed, cp, kept, report, progress)
    else:
        verify_dossier(root, info, signed, cp, trust, report)


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

    def parse(data: bytes) -> dict[str, str]:
        try:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True))
        except csv.Error as exc:
            raise ValueError(f"is not CSV ({exc})") from None
        if not rows or rows[0] != ["sha256", "first_seq", "reason"]:
            raise ValueError("its header is not sha256,first_seq,reason")
        withheld: dict[str, str] = {}
        for number, row in enumerate(rows[1:], start=2):
            if len(row) != 3 or not bag_read.HEX64.fullmatch(row[0]) or not row[1].isdigit():
                raise ValueError(f"line {number} is not 'sha256,first_seq,reason'")
            if row[0] in withheld:
                raise ValueError(f"line {number}: {row[0]} is listed twice")
            withheld[row[0]] = render.csv_text(row[2])
        return withheld

    return parsed(root, "data/reports/withheld.csv", parse, report)


_COSIGNATURE = {"size": int, "witness": str, "key_id": str, "verifier_key": str, "line": str}


Stored = tuple[list[tuple[int, bytes]], list[StoredCosignature]]


def _stored(root: Path, report: BundleReport) -> Stored | None:
    """The stored checkpoints and cosignatures, as the bundle writes them."""
    stored = parsed(
        root,
        "data/ledger/checkpoints.jsonl",
        lambda data: bag_read.jsonl(data, {"size": int, "note": str}),
        report,
    )
    cosigs = parsed(
        root,
        "data/ledger/cosignatures.jsonl",
        lambda data: bag_read.jsonl(data, _COSIGNATURE),
        report,
    )
    if stored is None or cosigs is None:
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
            Path(tmp) / "bundle.db",
            _entry_pairs(root),
            blobs=((p.name, p.read_bytes()) for p in blobs),
            checkpoints=stored[0],
            cosignatures=stored[1],
            progress=None if progress is None else (lambda n: progress(n, 2 * total)),
        )
        try:
            external = [(CHECKPOINT, cp), *kept]
            verified = verify_ledger(
                store=store,
                checkpoints=external,
                withheld=set(withheld),
                progress=None if progress is None else (lambda d, t: progress(t + d, 2 * t)),
            )
            report.entries, report.blobs = verified.entries, verified.blobs
            for failure in verified.ordered():
                where = None if failure.seq is None else f"seq {failure.seq}"
                more = f" (and {failure.count - 1} more)" if failure.count > 1 else ""
                report.fail(failure.kind, where, failure.message + more)
            if not verified.ok:
                return  # what follows would only restate the failures above
            if verified.entries != total:
                report.fail(
                    "checkpoint",
                    ENTRIES,
                    f"holds {verified.entries} entries but the bag is "
                    f"bound to a checkpoint of size {total}",
                )
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
            "checkpoint",
            "data/ledger/checkpoints.jsonl",
            f"does not hold the bound checkpoint (size {cp.checkpoint.size})",
        )
        return
    (good_from, from_date), (good_to, to_date) = (
        _day(info, "Ledger-Scope-From", report),
        _day(info, "Ledger-Scope-To", report),
    )
    if not (good_from and good_to):
        return
    scope = bundle_mod.Scope(from_date, to_date, tuple(sorted(withheld.items())))
    again = tmp / "again"
    exporter = report.exporter or info["Ledger-Exporter"]

    def write() -> None:
        bundle_mod.write_bundle(
            again,
            source=store,
            view=store,
            checkpoint=bound,
            scope=scope,
            exporter=exporter,
            agent=info["Bag-Software-Agent"],
        )

    if written_again(write, report, "bundle"):
        compare_files(root, again, report, "bundle")
