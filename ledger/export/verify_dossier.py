"""`ledger verify --bundle` on a dossier: its entries, then its readable files written again.

After the bag's own checks (`verify_bundle`): each line of `entries.jsonl` a canonical statement
in ascending seq order below the checkpoint's size, with its `signatures.txt` line; each entry's
receipt (`proofs/SEQ.tlog-proof`) proving it is in the ledger under the checkpoint the auditor
trusts; each entry replayed in order against the register the dossier carries — the key bound to
its author and unrevoked then, the author's authority, the procedure's gates — and its signature
verified under that key; the exporter's key and signature. Then the dossier is written again from
a replay of exactly these entries (`load_subset`, the exporter's own path): the entries the
labelled decision (`Ledger-Decision`) selects must be exactly those held, and every file —
`dossier.json`, `dossier.html`, the receipts, `bag-info.txt` with each of its labels, the
manifests — must equal what is written, byte for byte.

A subset cannot prove that nothing was left out, nor replay what the left-out entries would have
changed: the full bundle does that.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from keys import BadSignatureError, InvalidKeyError, short_id, verify_signature
from ledger.authority import Directory
from ledger.entry import Statement, decode_statement, leaf_hash, signing_message
from ledger.errors import InputError, VerificationError
from ledger.export import bag_read
from ledger.export.dossier import select, write_dossier
from ledger.export.replay import load_subset
from ledger.export.verify_bag import (
    ENTRIES,
    SIGNATURES,
    BundleReport,
    Signed,
    check_exporter_signature,
    compare_files,
    written_again,
)
from ledger.note import SignedCheckpoint
from ledger.receipts import InclusionProof, Trust, parse_receipt, verify_inclusion_receipt
from ledger.store import SqlStore

Held = list[tuple[Statement, bytes, bytes]]


def verify_dossier(
    root: Path,
    info: dict[str, str],
    signed: Signed,
    cp: SignedCheckpoint,
    trust: Trust,
    report: BundleReport,
) -> None:
    """Check a dossier bag whose fixity, bag-info.txt, signed list and trusted checkpoint were
    checked: its entries, then its readable files written again (see the module)."""
    report.decision = info["Ledger-Decision"]  # a label: checked below against the entries
    held = _read(root, cp.checkpoint.size, report)
    if held is None:
        return
    before = len(report.problems)
    receipts = [_receipt(root, stmt, data, cp, trust, report) for stmt, data, _ in held]
    directory = Directory()
    for (stmt, data, signature), receipt in zip(held, receipts, strict=True):
        if receipt is not None:  # an entry not in the ledger is not replayed
            _check_entry(stmt, data, signature, directory, report)
    report.entries = len(held)
    if len(report.problems) > before:
        return  # what follows would only restate the failures above
    last = held[-1][0].recorded_at
    check_exporter_signature(signed, directory, last, cp.checkpoint.size, report)
    entries = [(stmt.seq, data, signature) for stmt, data, signature in held]
    with tempfile.TemporaryDirectory(prefix="ledger-verify-dossier-") as tmp:
        subset = load_subset(Path(tmp) / "dossier.db", entries)
        try:
            if not _selects_itself(subset, report.decision, entries, cp.checkpoint.size, report):
                return
            again = Path(tmp) / "again"
            written = written_again(
                lambda: write_dossier(
                    again,
                    entries=entries,
                    receipts=[r for r in receipts if r is not None],
                    cp=cp,
                    view=subset,
                    decision=info["Ledger-Decision"],
                    exporter=signed.statement["exporter"],
                    agent=info["Bag-Software-Agent"],
                ),
                report,
                "dossier",
            )
        finally:
            subset.close()
        if written:
            compare_files(root, again, report, "dossier")


def _selects_itself(
    subset: SqlStore,
    decision: str,
    entries: list[tuple[int, bytes, bytes]],
    size: int,
    report: BundleReport,
) -> bool:
    """The labelled decision is in the dossier's entries, and selects exactly them."""
    try:
        chosen = select(subset, decision, size)
    except InputError:
        report.fail(
            "regenerated",
            "bag-info.txt",
            f"Ledger-Decision is {decision!r}, a decision the dossier's entries do not hold",
        )
        return False
    held = [seq for seq, _, _ in entries]
    if chosen != held:
        report.fail(
            "regenerated",
            ENTRIES,
            f"are not the entries of the dossier of {decision} (held "
            f"but not selected: {_seqs(sorted(set(held) - set(chosen)))}; selected but not "
            f"held: {_seqs(sorted(set(chosen) - set(held)))})",
        )
        return False
    return True


def _seqs(seqs: list[int]) -> str:
    shown = ", ".join(str(s) for s in seqs[:10])
    return (shown + (f" and {len(seqs) - 10} more" if len(seqs) > 10 else "")) or "none"


def _read(root: Path, size: int, report: BundleReport) -> Held | None:
    """The entries with their signatures, in the writer's form; None after naming the first
    line that is not."""
    try:
        lines = (root / ENTRIES).read_bytes()
        sig_lines = (root / SIGNATURES).read_bytes()
    except OSError as exc:
        name = ENTRIES if exc.filename and str(exc.filename).endswith(".jsonl") else SIGNATURES
        report.fail("bag", name, f"cannot be read ({exc.strerror})")
        return None
    entries = lines.split(b"\n")
    signatures = sig_lines.split(b"\n")
    if entries[-1] or signatures[-1] or len(entries) != len(signatures) or len(entries) < 2:
        report.fail(
            "bag",
            ENTRIES,
            "entries.jsonl and signatures.txt are not lines of one list each ending in a newline",
        )
        return None
    held: Held = []
    for number, (data, sig_line) in enumerate(zip(entries[:-1], signatures[:-1], strict=True), 1):
        where = f"{ENTRIES} line {number}"
        try:
            stmt = decode_statement(data)
        except VerificationError as exc:
            report.fail(exc.kind, where, exc.message)
            return None
        except RecursionError:
            report.fail("canonical", where, "nested too deeply")
            return None
        if stmt.seq >= size or (held and stmt.seq <= held[-1][0].seq):
            report.fail(
                "sequence",
                f"seq {stmt.seq}",
                f"{where}: not in ascending seq order below the checkpoint's size {size}",
            )
            return None
        try:
            signature = bag_read.signature_line(sig_line + b"\n", stmt.seq)
        except ValueError as exc:
            report.fail("bag", SIGNATURES, f"line {number} {exc}")
            return None
        held.append((stmt, data, signature))
    if held[0][0].seq != 0:
        report.fail("authority", ENTRIES, "the dossier lacks the genesis entry (seq 0)")
        return None
    return held


def _receipt(
    root: Path,
    stmt: Statement,
    data: bytes,
    cp: SignedCheckpoint,
    trust: Trust,
    report: BundleReport,
) -> tuple[int, bytes] | None:
    """The entry's receipt, verified against the trusted checkpoint, as the writer writes it."""
    where = f"seq {stmt.seq}"
    name = f"data/proofs/{stmt.seq}.tlog-proof"
    try:
        receipt = parse_receipt((root / name).read_bytes(), where=name)
    except OSError:
        report.fail("proof", where, f"{name} is missing")
        return None
    except InputError as exc:
        report.fail("proof", where, exc.diagnostics())
        return None
    if not isinstance(receipt, InclusionProof) or receipt.entry != data:
        report.fail("proof", where, f"{name} is not the inclusion proof of this entry")
        return None
    if receipt.checkpoint.checkpoint != cp.checkpoint:
        report.fail("proof", where, f"{name} is against another checkpoint")
        return None
    try:
        verify_inclusion_receipt(receipt, trust)
    except VerificationError as exc:
        report.fail("proof", where, f"{exc.message} ({name})")
        return None
    return stmt.seq, receipt.to_text().encode("utf-8")


def _check_entry(
    stmt: Statement, data: bytes, signature: bytes, directory: Directory, report: BundleReport
) -> None:
    """Check an entry against the register so far (key, authority, gates) and its signature
    under the key that register binds to its author; apply it when it passes."""
    where = f"seq {stmt.seq}"
    try:
        record = directory.check(stmt)
    except VerificationError as exc:
        report.fail(exc.kind, where, exc.message)
        return
    try:
        verify_signature(record.public_key, signing_message(leaf_hash(data)), signature)
    except (BadSignatureError, InvalidKeyError):
        report.fail("signature", where, f"signature does not verify (key {short_id(stmt.key)})")
        return
    directory.apply(stmt)


__all__ = ["verify_dossier"]
