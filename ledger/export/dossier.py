"""`ledger export dossier DECISION`: one decision's file (决策档案), verifiable alone.

Layout (under `data/`): `checkpoint.txt` (the bound checkpoint); `ledger/entries.jsonl` — the
decision's entries, its meetings' own entries, and the identity entries that authorise every
signer (the genesis, then each signer's `person.registered`, `key.*` and `membership.*`, the
registrar's too), canonical bytes in seq order; `ledger/signatures.txt`; `proofs/<seq>.tlog-proof`
— a C2SP tlog-proof receipt per entry (`ledger verify-proof` reads each one too);
`dossier.json` and `dossier.html` — the timeline, each step's outcome, the meeting with every
member's position, the responsibility trace and the compliance report, as of the checkpoint.

Verification (`verify_dossier`) checks each entry's canonical form, its inclusion proof against
the checkpoint signed by the key the auditor trusts, and its signature by a key that an included
`key.bound` entry (signed by the registrar the genesis names) binds to its author, unrevoked by
any included `key.revoked` at that time. A subset cannot prove that nothing was left out, nor
replay the procedure's gates: the full bundle does that. The readable files are covered by the
exporter's signature.
"""

from __future__ import annotations

import base64
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from keys import BadSignatureError, InvalidKeyError, SigningKey, short_id, verify_signature
from ledger import decisions, merkle
from ledger.authority import Directory, KeyRecord
from ledger.entry import Statement, decode_statement, leaf_hash, signing_message
from ledger.errors import InputError, VerificationError
from ledger.export import render
from ledger.export.bag import BagWriter
from ledger.export.bundle import bound_checkpoint, sign_bag, software_agent
from ledger.export.service import (
    ExportResult,
    Progress,
    check_exporter,
    check_out,
    finalise,
    record_export,
    state_at,
)
from ledger.export.verify_bundle import (
    BundleReport,
    Signed,
    bag_info,
    check_exporter_signature,
    trusted_checkpoint,
)
from ledger.note import SignedCheckpoint, b64
from ledger.receipts import InclusionProof, Trust, parse_receipt, verify_inclusion_receipt
from ledger.store import SqlStore
from ledger.store import tree as store_tree
from ledger.types import GENESIS, IDENTITY_TYPES

_PERSON_TYPES = {"person.registered", "key.bound", "key.revoked", "membership.started",
                 "membership.ended"}  # fmt: skip


def _select(view: SqlStore, decision: str, size: int) -> list[int]:
    """The seqs a dossier holds: the decision's timeline, then the identity entries that
    authorise each signer (closed over the registrar, who signs identity entries)."""
    seqs = {row.seq for row in decisions.timeline(store=view, decision=decision) if row.seq < size}
    signers: set[str] = set()
    identity: dict[str, list[int]] = {}
    for row in view.rows(until=size - 1):
        if row.type in _PERSON_TYPES:
            identity.setdefault(row.subject, []).append(row.seq)
    seqs.add(0)
    pending = {view.get(seq).statement.actor for seq in seqs}
    while pending:
        person = pending.pop()
        if person in signers:
            continue
        signers.add(person)
        for seq in identity.get(person, []):
            if seq not in seqs:
                seqs.add(seq)
                pending.add(view.get(seq).statement.actor)
    return sorted(seqs)


def export_dossier(
    *,
    store: SqlStore,
    decision: str,
    out: Path,
    exporter: str,
    key: SigningKey,
    now: datetime,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the dossier of `decision` (a bag directory, or a zip when `out` ends in .zip),
    bound to the latest checkpoint, sign it as `exporter`, and append `export.produced`.
    `progress(done, total)` follows the entries written with their proofs.

    Raises:
        InputError: `out` exists; no such decision (at the checkpoint).
        RefusedError: no checkpoint stored; the exporter's key is not bound before it.
    """
    check_out(out)
    cp = bound_checkpoint(store)
    size = cp.checkpoint.size
    with state_at(store, size) as view:
        decisions.get_decision(store=view, decision=decision)
        check_exporter(view, cp, exporter, key)
        seqs = _select(view, decision, size)
        content = _readable(view, decision, cp)
        with tempfile.TemporaryDirectory(prefix=".ledger-export-", dir=out.parent) as tmp:
            staged = Path(tmp) / out.stem
            bag = BagWriter(staged)
            with store.reading() as conn:
                reader = store_tree.node_reader(conn)
                with (
                    bag.open("ledger/entries.jsonl") as entries,
                    bag.open("ledger/signatures.txt") as signatures,
                ):
                    for done, seq in enumerate(seqs, 1):
                        entry = store.get(seq)
                        entries.write(entry.data + b"\n")
                        signatures.write(
                            f"{seq} {base64.b64encode(entry.signature).decode()}\n".encode()
                        )
                        proof = merkle.inclusion_proof(seq, size, reader)
                        receipt = InclusionProof(seq, proof, cp, entry.data)
                        bag.add(f"proofs/{seq}.tlog-proof", receipt.to_text().encode("utf-8"))
                        if progress is not None:
                            progress(done, len(seqs))
            bag.add("checkpoint.txt", cp.encode())
            bag.add("dossier.json", content[0])
            bag.add("dossier.html", content[1])
            last = next(view.rows(since=size - 1, until=size - 1))
            bag.finish(
                [
                    ("Source-Organization", view.directory().organisation or ""),
                    ("External-Identifier", f"{cp.checkpoint.origin} {decision} checkpoint {size}"),
                    ("External-Description", f"决策档案 · decision dossier {decision}"),
                    ("Bagging-Date", last.recorded_at[:10]),
                    ("Bag-Software-Agent", software_agent()),
                    ("Ledger-Export-Kind", "dossier"),
                    ("Ledger-Decision", decision),
                    ("Ledger-Origin", cp.checkpoint.origin),
                    ("Ledger-Checkpoint-Size", str(size)),
                    ("Ledger-Checkpoint-Root", b64(cp.checkpoint.root)),
                    ("Ledger-Entries", str(len(seqs))),
                    ("Ledger-Exporter", exporter),
                ]
            )
            digest = sign_bag(staged, kind="dossier", cp=cp, exporter=exporter, key=key)
            finalise(staged, out)
    body = {
        "kind": "dossier",
        "decision": decision,
        "checkpoint": {"size": size, "root": b64(cp.checkpoint.root)},
        "bundle_sha256": digest,
    }
    entry = record_export(store, exporter, key, digest, body, now, out)
    return ExportResult(out, "dossier", digest, cp.checkpoint, len(seqs), 0, (), entry)


# -- the readable dossier -------------------------------------------------------------------


def dossier_data(view: SqlStore, decision: str) -> dict[str, Any]:
    """What the readable dossier shows: the state, timeline, trace and compliance report."""
    directory = view.directory()
    state = decisions.get_decision(store=view, decision=decision)
    timeline = [
        {
            "seq": row.seq,
            "occurred_at": row.occurred_at,
            "type": row.type,
            "subject": row.subject,
            "actor": row.actor,
            "name": directory.persons[row.actor].name if row.actor in directory.persons else None,
        }
        for row in decisions.timeline(store=view, decision=decision)
    ]
    return {
        "decision": state,
        "timeline": timeline,
        "trace": decisions.trace_decision(store=view, decision=decision),
        "compliance": decisions.check(store=view, decision=decision)[0],
    }


def _readable(view: SqlStore, decision: str, cp: SignedCheckpoint) -> tuple[bytes, bytes]:
    import json

    value = dossier_data(view, decision)
    as_json = (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()
    return as_json, dossier_html(value, cp, view.directory().organisation or "")


def _names(value: dict[str, Any]) -> dict[str, str]:
    return {p["person"]: p["name"] for p in value["trace"]["people"]}


def dossier_html(value: dict[str, Any], cp: SignedCheckpoint, organisation: str) -> bytes:
    """The 决策档案 as an A4 HTML page."""
    state, report, trace = value["decision"], value["compliance"], value["trace"]
    names = _names(value)
    t = render.text
    parts = [
        f"<h1>决策档案 · {t(state['title'])}</h1>\n",
        f"<p class=\"meta\">{t(organisation)} · 编号 {t(state['id'])} · 状态 {t(state['status'])}"
        f" · 合规 <span class=\"status-{t(report['compliance_status'])}\">"
        f"{t(report['compliance_status'])}</span> · 档案 {t(report['record_completeness'])}</p>\n",
        f"<p class=\"meta\">检查点 checkpoint {cp.checkpoint.size} · root "
        f"<span class=\"hash\">{t(b64(cp.checkpoint.root))}</span></p>\n",
        "<h2>一、经过 Timeline</h2>\n",
        render.table(
            ["seq", "日期 date", "事项 type", "主体 subject", "人员 by"],
            [(r["seq"], r["occurred_at"][:16].replace("T", " "), r["type"], r["subject"],
              f"{r['name']} ({r['actor']})" if r["name"] else r["actor"])
             for r in value["timeline"]],
        ),
        "<h2>二、各环节结果 Steps and outcomes</h2>\n",
        render.table(
            ["环节 step", "结果 outcome", "seq"],
            _steps(state),
        ),
        "<h2>三、会议 Meeting and positions</h2>\n",
    ]  # fmt: skip
    for deliberation in state["deliberations"]:
        outcome = deliberation["outcome"]
        positions = [p for p in report["positions"] if p["meeting"] == deliberation["meeting"]]
        parts.append(f"<h3>{t(deliberation['meeting'])} · 议题 {t(deliberation['item'])}</h3>\n")
        parts.append(
            render.table(
                ["序 order", "成员 member", "意见 position", "理由 reason", "签署 signed", "seq"],
                [(p["order"], f"{names.get(p['person'], p['person'])} ({p['person']})",
                  p["stance"], p["reason"], p["signed"], p["seq"]) for p in positions],
                classes=["dissent" if p["stance"] in ("disagree", "defer") else ""
                         for p in positions],
            )
        )  # fmt: skip
        if outcome:
            head = outcome.get("head")
            parts.append(
                f"<p class=\"keep\">主持人决定 head's decision: {t(names.get(head, head))} — "
                f"{t(outcome.get('outcome'))} (seq {t(outcome.get('seq'))})"
                + (f"；与多数意见不一致的理由 reason for departing from the majority: "
                   f"{t(outcome.get('divergence_reason'))}" if outcome.get("diverges") else "")
                + "</p>\n"
            )  # fmt: skip
    parts += [
        "<h2>四、责任倒查 Responsibility trace</h2>\n",
        render.table(
            ["日期 date", "人员 person", "角色 role", "依据 basis", "当时职务 post", "seq"],
            [(p["date"], f"{p['name']} ({p['person']})", p["role_label"], p["basis"],
              p["roles_at_time"], p["seq"]) for p in trace["people"]],
        ),
        "<h2>五、合规 Compliance</h2>\n",
        render.findings_table(report),
    ]  # fmt: skip
    if report["missing_records"]:
        parts.append("<h3>档案缺项 Missing records</h3>\n<ul>")
        parts += [f"<li>{t(m)}</li>" for m in report["missing_records"]]
        parts.append("</ul>\n")
    footer = f"{t(cp.checkpoint.origin)} · {t(state['id'])} · checkpoint {cp.checkpoint.size}"
    return render.page(f"决策档案 {state['id']}", "".join(parts), footer=footer)


def _steps(state: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [
        ("提出 proposed", state["proposed_at"][:10], state["proposed_seq"])
    ]
    if state.get("initiated_seq") is not None:
        rows.append(("启动 initiated", "", state["initiated_seq"]))
    if state.get("legal_basis_seq") is not None:
        rows.append(("法律依据 legal basis", f"{state['legal_basis_items']} item(s)",
                     state["legal_basis_seq"]))  # fmt: skip
    for step, record in sorted(state["steps"].items()):
        outcome = (
            record.get("conclusion")
            or record.get("determination")
            or (f"{record['opinions']} opinion(s)" if "opinions" in record else "completed")
        )
        rows.append((step, outcome, record.get("completed_seq", record.get("determined_seq"))))
    for opinion in state["review"]["opinions"]:
        rows.append(("合法性审查 legality review", f"{opinion['opinion']} ({opinion['reviewer']})",
                     opinion["seq"]))  # fmt: skip
    if state.get("decided"):
        rows.append(("决定 decision", state["decided"]["outcome"], state["decided"]["seq"]))
    if state.get("party_report"):
        rows.append(
            ("报告党委 Party report", state["party_report"]["to"], state["party_report"]["seq"])
        )
    if state.get("published"):
        rows.append(("公布 published", state["published"]["at"], state["published"]["seq"]))
    if state.get("execution"):
        rows.append(("执行 execution", state["execution"]["units"], state["execution"]["seq"]))
    for archive in state["archives"]:
        rows.append(("归档 archived", archive["no"], archive["seq"]))
    return rows


# -- verification ---------------------------------------------------------------------------


def verify_dossier(root: Path, signed: Signed | None, trust: Trust, report: BundleReport) -> None:
    """Check a dossier bag (after its fixity and signed list): every entry against its proof
    and the trusted checkpoint, every signature against the included identity entries."""
    report.decision = bag_info(root).get("Ledger-Decision")
    cp, checked = trusted_checkpoint(root, trust, report)
    if cp is None or checked is None:
        return
    try:
        lines = (root / "data/ledger/entries.jsonl").read_bytes().splitlines()
        sig_lines = (root / "data/ledger/signatures.txt").read_bytes().splitlines()
    except FileNotFoundError as exc:
        report.fail("bag", Path(str(exc.filename)).name, "missing")
        return
    sigs: dict[int, bytes] = {}
    for line in sig_lines:
        seq, _, value = line.partition(b" ")
        try:
            sigs[int(seq)] = base64.b64decode(value, validate=True)
        except ValueError:
            report.fail("bag", "data/ledger/signatures.txt", f"malformed line {line[:40]!r}")
    directory = Directory()
    registrar: str | None = None
    last_recorded = ""
    for data in lines:
        try:
            stmt = decode_statement(data)
        except VerificationError as exc:
            report.fail(exc.kind, "data/ledger/entries.jsonl", exc.message)
            continue
        where = f"seq {stmt.seq}"
        report.entries += 1
        last_recorded = max(last_recorded, stmt.recorded_at)
        if not _proof_holds(root, stmt, data, cp, trust, report):
            continue
        if stmt.seq == 0 and stmt.type == GENESIS:
            registrar = stmt.body["registrar"]["id"]
            directory.registrar = registrar
            pub = base64.b64decode(stmt.body["registrar_key"]["public_key"])
            kid = stmt.body["registrar_key"]["key_id"]
            directory.keys[kid] = KeyRecord(kid, registrar, pub, 0, stmt.recorded_at)
        if registrar is None:
            report.fail("authority", where, "the dossier lacks the genesis entry (seq 0)")
            return
        _check_signed(stmt, data, sigs.get(stmt.seq), directory, registrar, where, report)
        _apply_identity(stmt, directory)
    size = cp.checkpoint.size
    check_exporter_signature(signed, directory, last_recorded, size, report)


def _proof_holds(
    root: Path, stmt: Statement, data: bytes, cp: SignedCheckpoint, trust: Trust,
    report: BundleReport,
) -> bool:  # fmt: skip
    where = f"seq {stmt.seq}"
    name = f"data/proofs/{stmt.seq}.tlog-proof"
    try:
        receipt = parse_receipt((root / name).read_bytes(), where=name)
    except FileNotFoundError:
        report.fail("proof", where, f"{name} is missing")
        return False
    except InputError as exc:
        report.fail("proof", where, exc.diagnostics())
        return False
    if not isinstance(receipt, InclusionProof) or receipt.entry != data:
        report.fail("proof", where, f"{name} is not the inclusion proof of this entry")
        return False
    if receipt.checkpoint.checkpoint != cp.checkpoint:
        report.fail("proof", where, f"{name} is against another checkpoint")
        return False
    try:
        verify_inclusion_receipt(receipt, trust)
    except VerificationError as exc:
        report.fail("proof", where, f"{exc.message} ({name})")
        return False
    return True


def _check_signed(
    stmt: Statement, data: bytes, signature: bytes | None, directory: Directory, registrar: str,
    where: str, report: BundleReport,
) -> None:  # fmt: skip
    record = directory.keys.get(stmt.key)
    if record is None or record.person != stmt.actor or not record.valid_at(stmt.recorded_at):
        report.fail(
            "authority", where, f"signed with key {short_id(stmt.key)}, which no included "
            f"identity entry binds to {stmt.actor} at {stmt.recorded_at}",
        )  # fmt: skip
        return
    if (stmt.type in IDENTITY_TYPES or stmt.type == GENESIS) and stmt.actor != registrar:
        report.fail("authority", where, f"{stmt.type} by {stmt.actor}, not the registrar")
    try:
        if signature is None:
            raise BadSignatureError("no signature")
        verify_signature(record.public_key, signing_message(leaf_hash(data)), signature)
    except (BadSignatureError, InvalidKeyError):
        report.fail("signature", where, f"signature does not verify (key {short_id(stmt.key)})")


def _apply_identity(stmt: Statement, directory: Directory) -> None:
    from dataclasses import replace

    from ledger.entry import parse_time

    body = stmt.body
    if stmt.type == "key.bound":
        public = base64.b64decode(body["public_key"])
        directory.keys[body["key_id"]] = KeyRecord(
            body["key_id"], stmt.subject, public, stmt.seq, stmt.recorded_at
        )
    elif stmt.type == "key.revoked" and body["key_id"] in directory.keys:
        from ledger.entry import format_utc

        effective = format_utc(parse_time(body["effective_at"], where="effective_at"))
        record = directory.keys[body["key_id"]]
        directory.keys[body["key_id"]] = replace(
            record, revoked_seq=stmt.seq, revoked_at=effective, revoked_reason=body["reason"]
        )


__all__ = ["dossier_data", "dossier_html", "export_dossier", "verify_dossier"]
