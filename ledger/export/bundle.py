"""`ledger export bundle`: the whole ledger up to a signed checkpoint, as a BagIt 1.0 bag.

Layout (every path under `data/`):

    checkpoint.txt              the checkpoint the bag is bound to, with its cosignatures
    ledger/entries.jsonl        the stored canonical statements of seq 0 … N−1, one a line
    ledger/signatures.txt       `seq base64(signature)`, one a line
    ledger/identity.jsonl       the genesis and identity entries (a copy of those lines)
    ledger/keys.json            every bound key: person, public key, bound and revoked when
    ledger/checkpoints.jsonl    every stored checkpoint up to N, as stored
    ledger/cosignatures.jsonl   the witnesses' cosignatures of those checkpoints
    blobs/sha256/<hash>         the documents the entries reference, but the withheld ones
    reports/withheld.csv        the withheld documents: hash, first seq, reason
    reports/compliance.json     the compliance report of each decision in scope (`ledger check`)
    reports/compliance.csv      its findings and documented exceptions, one a row
    reports/decisions.csv       the decisions in scope
    decisions.html              the decisions in scope, readable (A4)
    README.txt                  what the bag holds and how to verify it

Besides the BagIt tag files, `export-signature.json` (outside the tag manifests, since it lists
their hashes) holds the SHA-256 of every other file, signed by the person exporting. The bundle
hash is the SHA-256 of that signed list; the `export.produced` entry records it. Everything but
the withheld reasons and the exporter is recomputed from the entries by `ledger verify --bundle`
and compared byte for byte; those two are covered by the exporter's signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keys import SigningKey
from ledger import checkpoints
from ledger.app import accountability, decisions
from ledger.app.ledger import Ledger
from ledger.canonical import canonical_bytes
from ledger.entry import decode_statement
from ledger.errors import EntryNotFoundError, InputError, RefusedError, VerificationError
from ledger.export import render
from ledger.export.bag import BagWriter, bag_files, file_sha256
from ledger.export.bag_read import json_line
from ledger.note import SignedCheckpoint, b64
from ledger.registry import lookup
from ledger.store import SqlStore
from ledger.store import tree as store_tree
from ledger.types import GENESIS, IDENTITY_TYPES

FORMAT_VERSION = 2
"""Bump when any file the writer produces changes, however slightly: a verifier writes every
file of a bag again and compares it byte for byte, so it verifies only bags of its own format
and fails any other (format 2: CSV cells neutralised against formulas; the dossier carries the
register it is read with, and its readable files are written from its entries)."""


def software_agent() -> str:
    """Bag-Software-Agent: this package's version and the export format it writes."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("decision-ledger")
    except PackageNotFoundError:  # run from a source tree that was not installed
        own = "unknown"
    return f"decision-ledger {own} (export format {FORMAT_VERSION})"


SIGNATURE_FILE = "export-signature.json"
SIGNATURE_DOMAIN = b"decision-ledger/export/v1\n"
IDENTITY = {GENESIS, *IDENTITY_TYPES, "rule_profile.versioned"}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Scope:
    """What an export covers besides the ledger itself: the decisions shown (by the date they
    were proposed) and the documents withheld, each with its reason."""

    from_date: str | None = None
    to_date: str | None = None
    withheld: tuple[tuple[str, str], ...] = ()

    def covers(self, day: str) -> bool:
        """Whether a decision proposed on `day` (YYYY-MM-DD) is in scope."""
        return (self.from_date is None or day >= self.from_date) and (
            self.to_date is None or day <= self.to_date
        )


@dataclass
class Written:
    """What a bag writer wrote: counts, and the blobs that were referenced but not stored."""

    entries: int = 0
    blobs: int = 0
    referenced: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def bound_checkpoint(store: SqlStore) -> SignedCheckpoint:
    """The checkpoint an export is bound to: the latest stored one, with its cosignatures.

    Raises:
        RefusedError: no checkpoint is stored yet.
    """
    try:
        return checkpoints.stored_checkpoint(store=store)
    except EntryNotFoundError:
        raise RefusedError(
            "an export is bound to a signed checkpoint and none is stored yet; the registrar "
            "signs one with `ledger checkpoint`"
        ) from None


def _pretty(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def write_ledger_part(
    bag: BagWriter,
    source: SqlStore,
    checkpoint: SignedCheckpoint,
    *,
    identity_only: bool = False,
    progress: Progress | None = None,
) -> Written:
    """Write entries 0 … N−1 (N = the checkpoint's size), their signatures, the identity
    entries and the stored checkpoints and cosignatures up to N. Streams the entries."""
    size = checkpoint.checkpoint.size
    written = Written()
    with (
        bag.open("ledger/entries.jsonl") as entries,
        bag.open("ledger/signatures.txt") as signatures,
        bag.open("ledger/identity.jsonl") as identity,
    ):
        for row in source.rows(until=size - 1):
            entries.write(row.statement + b"\n")
            signatures.write(f"{row.seq} {base64.b64encode(row.signature).decode()}\n".encode())
            if row.type in IDENTITY:
                identity.write(row.statement + b"\n")
            try:
                stmt = decode_statement(row.statement)
                for ref in lookup(stmt.type).blob_refs(stmt.body):
                    written.referenced.setdefault(ref, row.seq)
            except (VerificationError, InputError):
                pass  # verify names the entry; the bag carries it as stored
            written.entries += 1
            if progress is not None and (written.entries % 1000 == 0 or written.entries == size):
                progress(written.entries, size)
    with source.reading() as conn:
        stored = [
            {"size": s, "note": note.decode("utf-8")}
            for s, note in store_tree.stream_checkpoints(conn)
            if s <= size
        ]
        cosigs = [row._asdict() for row in store_tree.cosignatures(conn) if row.size <= size]
    bag.add("ledger/checkpoints.jsonl", b"".join(json_line(v) for v in stored))
    bag.add("ledger/cosignatures.jsonl", b"".join(json_line(v) for v in cosigs))
    bag.add("checkpoint.txt", checkpoint.encode())
    return written


def keys_json(view: SqlStore) -> bytes:
    """Every bound key with its person and validity, in the order they were bound."""
    directory = view.directory()
    records = sorted(directory.keys.values(), key=lambda k: k.bound_seq)
    return _pretty(
        [
            {
                "person": k.person,
                "name": directory.persons[k.person].name if k.person in directory.persons else None,
                "key_id": k.key_id,
                "public_key": base64.b64encode(k.public_key).decode(),
                "bound_seq": k.bound_seq,
                "bound_at": k.bound_at,
                "revoked_seq": k.revoked_seq,
                "revoked_at": k.revoked_at,
                "revoked_reason": k.revoked_reason,
                "registrar": k.person == directory.registrar,
            }
            for k in records
        ]
    )


def write_bundle(
    root: Path,
    *,
    source: SqlStore,
    view: SqlStore,
    checkpoint: SignedCheckpoint,
    scope: Scope,
    exporter: str,
    agent: str | None = None,
    progress: Progress | None = None,
) -> Written:
    """Write the bundle's bag at `root` (not yet signed): `source` gives the stored bytes,
    `view` the ledger's state at the checkpoint (the same store when nothing came after).
    `agent` is the Bag-Software-Agent (this writer's by default; a verifier writing a bag
    again gives the bag's own, of the same export format).

    Raises:
        InputError: a withheld hash that no entry in the bundle references.
    """
    bag = BagWriter(root)
    written = write_ledger_part(bag, source, checkpoint, progress=progress)
    withheld = dict(scope.withheld)
    for digest in sorted(withheld):
        if digest not in written.referenced:
            raise InputError(
                f"blob {digest} is referenced by no entry up to the checkpoint (size "
                f"{checkpoint.checkpoint.size}); nothing to withhold",
                where="--withhold",
            )
    for digest in sorted(written.referenced):
        if digest in withheld:
            continue
        try:
            content = source.blob(digest)
        except EntryNotFoundError:
            written.missing.append(digest)
            continue
        bag.add(f"blobs/sha256/{digest}", content)
        written.blobs += 1
    bag.add(
        "reports/withheld.csv",
        render.csv_bytes(
            ["sha256", "first_seq", "reason"],
            [(d, written.referenced[d], withheld[d]) for d in sorted(withheld)],
        ),
    )
    bag.add("ledger/keys.json", keys_json(view))
    in_scope = [
        d
        for d in decisions.list_decisions(Ledger(view))
        if scope.covers(decisions.get_decision(Ledger(view), d.id)["proposed_at"][:10])
    ]
    reports = [accountability.check(Ledger(view), d.id)[0] for d in in_scope]
    bag.add("reports/compliance.json", _pretty(reports))
    bag.add("reports/compliance.csv", _compliance_csv(reports))
    bag.add(
        "reports/decisions.csv",
        render.csv_bytes(
            [
                "id",
                "title",
                "status",
                "organ",
                "year",
                "scope",
                "compliance_status",
                "record_completeness",
                "last_seq",
            ],
            [
                (
                    d.id,
                    d.title,
                    d.status,
                    d.organ,
                    d.year,
                    d.scope,
                    r["compliance_status"],
                    r["record_completeness"],
                    d.last_seq,
                )
                for d, r in zip(in_scope, reports, strict=True)
            ],
        ),
    )
    directory = view.directory()
    cp = checkpoint.checkpoint
    bag.add("decisions.html", _decisions_html(view, in_scope, reports, directory, checkpoint))
    bag.add("README.txt", _readme(cp.origin, cp.size, b64(cp.root)))
    last = next(source.rows(since=cp.size - 1, until=cp.size - 1))
    info = [
        ("Source-Organization", directory.organisation or ""),
        ("External-Identifier", f"{cp.origin} checkpoint {cp.size}"),
        (
            "External-Description",
            f"决策台账审计导出 · decision-ledger export for auditors: entries 0–{cp.size - 1}, "
            f"{len(in_scope)} decision(s) in scope",
        ),
        ("Bagging-Date", last.recorded_at[:10]),
        ("Bag-Software-Agent", agent or software_agent()),
        ("Ledger-Export-Kind", "bundle"),
        ("Ledger-Origin", cp.origin),
        ("Ledger-Checkpoint-Size", str(cp.size)),
        ("Ledger-Checkpoint-Root", b64(cp.root)),
        ("Ledger-Head-Hash", last.leaf_hash),
        ("Ledger-Range", f"0..{cp.size - 1}"),
        ("Ledger-Scope-From", scope.from_date or "-"),
        ("Ledger-Scope-To", scope.to_date or "-"),
        ("Ledger-Withheld-Blobs", str(len(withheld))),
        ("Ledger-Exporter", exporter),
        ("Hash-Chain-Algorithm", "SHA-256 RFC 6962 leaf hash, Ed25519 signatures"),
        ("Canonicalization", "RFC 8785 JSON Canonicalization Scheme"),
    ]
    bag.finish(info)
    return written


def _compliance_csv(reports: list[dict[str, Any]]) -> bytes:
    rows = []
    for r in reports:
        for f in r["findings"]:
            rows.append(
                (
                    r["decision"],
                    "finding",
                    f["check"],
                    f["basis"],
                    f["severity"],
                    f["seq"],
                    f["message"],
                )
            )
        for e in r["exceptions"]:
            rows.append(
                (
                    r["decision"],
                    "exception",
                    e["gate"] or e["finding"],
                    e["basis"],
                    "",
                    e["seq"],
                    e["reason"],
                )
            )
        if not r["findings"] and not r["exceptions"]:
            rows.append((r["decision"], r["compliance_status"], "", "", "", "", ""))
    return render.csv_bytes(
        ["decision", "kind", "check_or_gate", "basis", "severity", "seq", "message"], rows
    )


def _decisions_html(
    view: SqlStore,
    in_scope: list[decisions.DecisionSummary],
    reports: list[dict[str, Any]],
    directory: Any,
    checkpoint: SignedCheckpoint,
) -> bytes:
    cp = checkpoint.checkpoint
    name = directory.organisation or cp.origin
    parts = [
        f"<h1>{render.text(name)} · 重大行政决策台账</h1>\n",
        f'<p class="meta">Decision ledger {render.text(cp.origin)} · 检查点 checkpoint: '
        f'{cp.size} entries, root <span class="hash">{render.text(b64(cp.root))}</span></p>\n',
        "<h2>决策一览 Decisions</h2>\n",
        render.table(
            ["编号 id", "事项 title", "状态 status", "合规 compliance", "档案 record"],
            [
                (d.id, d.title, d.status, r["compliance_status"], r["record_completeness"])
                for d, r in zip(in_scope, reports, strict=True)
            ],
        ),
    ]
    for summary, report in zip(in_scope, reports, strict=True):
        rows = decisions.timeline(Ledger(view), summary.id)
        parts.append(
            f'<section class="decision">\n<h2>{render.text(summary.id)} '
            f"{render.text(summary.title)}</h2>\n"
        )
        parts.append(
            f'<p class="meta">状态 status: {render.text(summary.status)} · 合规 compliance: '
            f'<span class="status-{render.text(report["compliance_status"])}">'
            f"{render.text(report['compliance_status'])}</span> · 档案 record: "
            f"{render.text(report['record_completeness'])}</p>\n"
        )
        parts.append("<h3>经过 Timeline</h3>\n")
        parts.append(
            render.table(
                ["seq", "日期 date", "类型 type", "人员 by"],
                [
                    (
                        r.seq,
                        r.occurred_at[:16].replace("T", " "),
                        r.type,
                        _person(directory, r.actor),
                    )
                    for r in rows
                ],
            )
        )
        parts.append("<h3>发现与例外 Findings and exceptions</h3>\n")
        parts.append(render.findings_table(report))
        if report["missing_records"]:
            parts.append("<h3>档案缺项 Missing records</h3>\n<ul>")
            parts += [f"<li>{render.text(m)}</li>" for m in report["missing_records"]]
            parts.append("</ul>\n")
        parts.append("</section>\n")
    return render.page(
        f"{name} · 决策台账", "".join(parts), footer=f"{render.text(cp.origin)} · {cp.size}"
    )


def _person(directory: Any, person: str) -> str:
    record = directory.persons.get(person)
    return person if record is None else f"{record.name} ({person})"


def _readme(origin: str, size: int, root: str) -> bytes:
    return (
        f"Decision ledger export for auditors / 重大行政决策台账审计导出\n\n"
        f"Ledger: {origin}\nBound to the signed checkpoint of size {size}, root {root}\n"
        "(data/checkpoint.txt). Compare it with the checkpoint you were given.\n\n"
        "Verify offline, with only the decision-ledger package installed:\n\n"
        "    ledger verify --bundle THIS_BAG --trust VERIFIER_KEY\n\n"
        "VERIFIER_KEY is the ledger's checkpoint key as published by the bureau (never take it\n"
        "from this bag). Verification checks the BagIt fixity, every entry (canonical form,\n"
        "hashes, chain, signatures, keys, authority, the procedure's gates), the Merkle root\n"
        "against the signed checkpoint, recomputes the compliance report and every readable\n"
        "file, and checks the exporter's signature over the whole bag.\n"
    ).encode()


# -- the exporter's signature ------------------------------------------------------------------


def signed_list(
    root: Path, *, kind: str, origin: str, cp: SignedCheckpoint, exporter: str, key_id: str
) -> dict[str, Any]:
    """The statement the exporter signs: the bag's every file (but the signature file) with
    its SHA-256, and what the export is bound to."""
    files = {name: file_sha256(root / name) for name in bag_files(root) if name != SIGNATURE_FILE}
    return {
        "v": 1,
        "kind": kind,
        "origin": origin,
        "checkpoint": {"size": cp.checkpoint.size, "root": b64(cp.checkpoint.root)},
        "exporter": exporter,
        "key": key_id,
        "files": files,
    }


def bundle_hash(statement: dict[str, Any]) -> str:
    """The bundle hash: SHA-256 of the canonical (RFC 8785) signed list, hex."""
    return hashlib.sha256(canonical_bytes(statement)).hexdigest()


def sign_bag(root: Path, *, kind: str, cp: SignedCheckpoint, exporter: str, key: SigningKey) -> str:
    """Write `export-signature.json` into the bag; return the bundle hash."""
    statement = signed_list(
        root, kind=kind, origin=cp.checkpoint.origin, cp=cp, exporter=exporter, key_id=key.key_id
    )
    digest = bundle_hash(statement)
    signature = key.sign(SIGNATURE_DOMAIN + bytes.fromhex(digest))
    content = {**statement, "signature": base64.b64encode(signature).decode()}
    (root / SIGNATURE_FILE).write_bytes(canonical_bytes(content) + b"\n")
    return digest
