"""`ledger export dossier DECISION`: one decision's file (决策档案), verifiable alone.

Layout (under `data/`): `checkpoint.txt` (the bound checkpoint); `ledger/entries.jsonl` — the
entries the dossier is read with, canonical bytes in seq order: the decision's timeline (its own
entries and its meetings'), the entries its responsibility trace names, the same for every
decision these entries name (a decision it adjusts, links to, or shares a meeting with), and the
ledger's register up to the checkpoint (the genesis, every person, key, organ, post, rule
profile and catalog entry); `ledger/signatures.txt`; `proofs/<seq>.tlog-proof` — a C2SP
tlog-proof receipt per entry (`ledger verify-proof` reads each one too); `dossier.json` and
`dossier.html` — the timeline, each step's outcome, the meeting with every member's position,
the responsibility trace and the compliance report.

The readable files are written from a replay of exactly these entries (`load_subset`), so that
a verifier holding only the dossier writes them again and compares them byte for byte. The
exporter refuses a dossier whose replay would not show what the whole ledger shows.
Verification is in `verify_dossier`.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from keys import SigningKey
from ledger import merkle
from ledger.app import accountability, decisions
from ledger.app.ledger import Ledger
from ledger.entry import decode_statement
from ledger.errors import RefusedError, VerificationError
from ledger.export import render
from ledger.export.bag import BagWriter
from ledger.export.bundle import bound_checkpoint, sign_bag, software_agent
from ledger.export.replay import load_subset
from ledger.export.service import (
    ExportResult,
    Progress,
    check_exporter,
    check_out,
    finalise,
    record_export,
    state_at,
)
from ledger.note import SignedCheckpoint, b64
from ledger.receipts import InclusionProof
from ledger.store import SqlStore
from ledger.store import tree as store_tree
from ledger.types import GENESIS, IDENTITY_TYPES

REGISTER = frozenset(
    {GENESIS, *IDENTITY_TYPES, "rule_profile.versioned", "catalog.published", "catalog.adjusted"}
)
"""The entry types a dossier carries whatever its decision: what a replay reads them with."""

Entries = Sequence[tuple[int, bytes, bytes]]


def _strings(value: Any) -> Iterable[str]:
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            todo += item.values()
        elif isinstance(item, list):
            todo += item


def select(view: SqlStore, decision: str, size: int) -> list[int]:
    """The seqs the dossier of `decision` holds, in `view` (a ledger, or a dossier's own
    entries): the register up to `size`, and for the decision and every decision named in the
    entries so chosen, its timeline and the entries its trace names.

    Raises:
        InputError: no such decision in `view`.
    """
    known = {d.id for d in decisions.list_decisions(Ledger(view))}
    decisions.get_decision(Ledger(view), decision)
    chosen = {row.seq for row in view.rows(until=size - 1) if row.type in REGISTER}
    todo, seen = [decision], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        trace = accountability.trace_decision(Ledger(view), current)
        found = {row.seq: row.statement for row in decisions.timeline(Ledger(view), current)}
        for seq in {p["seq"] for p in trace["people"]} - found.keys():
            found[seq] = view.get(seq).data
        for seq, data in found.items():
            if seq < size:
                chosen.add(seq)
                body = decode_statement(data).body
                todo += [name for name in _strings(body) if name in known and name not in seen]
    return sorted(chosen)


def _self_contained(
    view: SqlStore,
    subset: SqlStore,
    decision: str,
    seqs: list[int],
    size: int,
    refused: list[VerificationError],
) -> None:
    """The dossier's own entries must replay without refusal, select themselves, and show
    what the ledger shows; otherwise its readable files could not be verified from it.

    Raises:
        RefusedError: naming what differs.
    """
    problem = None
    if refused:
        problem = f"seq {refused[0].seq} is refused without the rest ({refused[0].message})"
    elif select(subset, decision, size) != seqs:
        problem = "its entries do not select the same entries again"
    elif dossier_data(subset, decision) != dossier_data(view, decision):
        problem = "they show the decision otherwise than the whole ledger does"
    if problem is not None:
        raise RefusedError(
            f"the dossier of {decision} cannot be read from its own entries: {problem}; export "
            "the bundle instead"
        )


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
        RefusedError: no checkpoint stored; the exporter's key is not bound before it; the
            decision cannot be read from the entries a dossier holds.
    """
    check_out(out)
    cp = bound_checkpoint(store)
    size = cp.checkpoint.size
    with state_at(store, size) as view, tempfile.TemporaryDirectory(prefix="ledger-") as work:
        decisions.get_decision(Ledger(view), decision)
        check_exporter(view, cp, exporter, key)
        seqs = select(view, decision, size)
        entries = [
            (seq, entry.data, entry.signature) for seq in seqs for entry in (store.get(seq),)
        ]
        refused: list[VerificationError] = []
        subset = load_subset(Path(work) / "dossier.db", entries, refused.append)
        try:
            _self_contained(view, subset, decision, seqs, size, refused)
            receipts = []
            with store.reading() as conn:
                reader = store_tree.node_reader(conn)
                for done, (seq, data, _) in enumerate(entries, 1):
                    proof = merkle.inclusion_proof(seq, size, reader)
                    receipts.append((seq, InclusionProof(seq, proof, cp, data).to_text().encode()))
                    if progress is not None:
                        progress(done, len(entries))
            with tempfile.TemporaryDirectory(prefix=".ledger-export-", dir=out.parent) as tmp:
                staged = Path(tmp) / out.stem
                write_dossier(
                    staged,
                    entries=entries,
                    receipts=receipts,
                    cp=cp,
                    view=subset,
                    decision=decision,
                    exporter=exporter,
                )
                digest = sign_bag(staged, kind="dossier", cp=cp, exporter=exporter, key=key)
                finalise(staged, out)
        finally:
            subset.close()
    body = {
        "kind": "dossier",
        "decision": decision,
        "checkpoint": {"size": size, "root": b64(cp.checkpoint.root)},
        "bundle_sha256": digest,
    }
    entry = record_export(store, exporter, key, digest, body, now, out)
    return ExportResult(out, "dossier", digest, cp.checkpoint, len(seqs), 0, (), entry)


def write_dossier(
    root: Path,
    *,
    entries: Entries,
    receipts: Sequence[tuple[int, bytes]],
    cp: SignedCheckpoint,
    view: SqlStore,
    decision: str,
    exporter: str,
    agent: str | None = None,
) -> None:
    """Write the dossier's bag at `root` (not yet signed): the entries with their signatures
    and receipts, the checkpoint, and the readable files from `view`, the replay of exactly
    these entries. A verifier calls it too, with the bag's own Bag-Software-Agent.

    Raises:
        InputError: no such decision in `view`.
    """
    json_bytes, html_bytes = _readable(view, decision, cp)
    bag = BagWriter(root)
    with bag.open("ledger/entries.jsonl") as lines, bag.open("ledger/signatures.txt") as sigs:
        for seq, data, signature in entries:
            lines.write(data + b"\n")
            sigs.write(f"{seq} {base64.b64encode(signature).decode()}\n".encode())
    for seq, receipt in receipts:
        bag.add(f"proofs/{seq}.tlog-proof", receipt)
    bag.add("checkpoint.txt", cp.encode())
    bag.add("dossier.json", json_bytes)
    bag.add("dossier.html", html_bytes)
    size = cp.checkpoint.size
    last = max(decode_statement(data).recorded_at for _, data, _ in entries)
    bag.finish(
        [
            ("Source-Organization", view.directory().organisation or ""),
            ("External-Identifier", f"{cp.checkpoint.origin} {decision} checkpoint {size}"),
            ("External-Description", f"决策档案 · decision dossier {decision}"),
            ("Bagging-Date", last[:10]),
            ("Bag-Software-Agent", agent or software_agent()),
            ("Ledger-Export-Kind", "dossier"),
            ("Ledger-Decision", decision),
            ("Ledger-Origin", cp.checkpoint.origin),
            ("Ledger-Checkpoint-Size", str(size)),
            ("Ledger-Checkpoint-Root", b64(cp.checkpoint.root)),
            ("Ledger-Entries", str(len(entries))),
            ("Ledger-Exporter", exporter),
        ]
    )


# -- the readable dossier -------------------------------------------------------------------


def dossier_data(view: SqlStore, decision: str) -> dict[str, Any]:
    """What the readable dossier shows: the state, timeline, trace and compliance report."""
    directory = view.directory()
    state = decisions.get_decision(Ledger(view), decision)
    timeline = [
        {
            "seq": row.seq,
            "occurred_at": row.occurred_at,
            "type": row.type,
            "subject": row.subject,
            "actor": row.actor,
            "name": directory.persons[row.actor].name if row.actor in directory.persons else None,
        }
        for row in decisions.timeline(Ledger(view), decision)
    ]
    trace = accountability.trace_decision(Ledger(view), decision)
    # The trace lists several roles of one entry in the order its rows were stored, which a
    # replay need not repeat: the dossier orders them by seq, role and person.
    trace["people"].sort(key=lambda p: (p["seq"], p["role"], p["person"]))
    return {
        "decision": state,
        "timeline": timeline,
        "trace": trace,
        "compliance": accountability.check(Ledger(view), decision)[0],
    }


def _readable(view: SqlStore, decision: str, cp: SignedCheckpoint) -> tuple[bytes, bytes]:
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
        f'<p class="meta">{t(organisation)} · 编号 {t(state["id"])} · 状态 {t(state["status"])}'
        f' · 合规 <span class="status-{t(report["compliance_status"])}">'
        f"{t(report['compliance_status'])}</span> · 档案 {t(report['record_completeness'])}</p>\n",
        f'<p class="meta">检查点 checkpoint {cp.checkpoint.size} · root '
        f'<span class="hash">{t(b64(cp.checkpoint.root))}</span></p>\n',
        "<h2>一、经过 Timeline</h2>\n",
        render.table(
            ["seq", "日期 date", "事项 type", "主体 subject", "人员 by"],
            [
                (
                    r["seq"],
                    r["occurred_at"][:16].replace("T", " "),
                    r["type"],
                    r["subject"],
                    f"{r['name']} ({r['actor']})" if r["name"] else r["actor"],
                )
                for r in value["timeline"]
            ],
        ),
        "<h2>二、各环节结果 Steps and outcomes</h2>\n",
        render.table(
            ["环节 step", "结果 outcome", "seq"],
            _steps(state),
        ),
        "<h2>三、会议 Meeting and positions</h2>\n",
    ]
    for deliberation in state["deliberations"]:
        outcome = deliberation["outcome"]
        positions = [p for p in report["positions"] if p["meeting"] == deliberation["meeting"]]
        parts.append(f"<h3>{t(deliberation['meeting'])} · 议题 {t(deliberation['item'])}</h3>\n")
        parts.append(
            render.table(
                ["序 order", "成员 member", "意见 position", "理由 reason", "签署 signed", "seq"],
                [
                    (
                        p["order"],
                        f"{names.get(p['person'], p['person'])} ({p['person']})",
                        p["stance"],
                        p["reason"],
                        p["signed"],
                        p["seq"],
                    )
                    for p in positions
                ],
                classes=[
                    "dissent" if p["stance"] in ("disagree", "defer") else "" for p in positions
                ],
            )
        )
        if outcome:
            head = outcome.get("head")
            parts.append(
                f'<p class="keep">主持人决定 head\'s decision: {t(names.get(head, head))} — '
                f"{t(outcome.get('outcome'))} (seq {t(outcome.get('seq'))})"
                + (
                    f"；与多数意见不一致的理由 reason for departing from the majority: "
                    f"{t(outcome.get('divergence_reason'))}"
                    if outcome.get("diverges")
                    else ""
                )
                + "</p>\n"
            )
    parts += [
        "<h2>四、责任倒查 Responsibility trace</h2>\n",
        render.table(
            ["日期 date", "人员 person", "角色 role", "依据 basis", "当时职务 post", "seq"],
            [
                (
                    p["date"],
                    f"{p['name']} ({p['person']})",
                    p["role_label"],
                    p["basis"],
                    p["roles_at_time"],
                    p["seq"],
                )
                for p in trace["people"]
            ],
        ),
        "<h2>五、合规 Compliance</h2>\n",
        render.findings_table(report),
    ]
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
        rows.append(
            (
                "法律依据 legal basis",
                f"{state['legal_basis_items']} item(s)",
                state["legal_basis_seq"],
            )
        )
    for step, record in sorted(state["steps"].items()):
        outcome = (
            record.get("conclusion")
            or record.get("determination")
            or (f"{record['opinions']} opinion(s)" if "opinions" in record else "completed")
        )
        rows.append((step, outcome, record.get("completed_seq", record.get("determined_seq"))))
    for opinion in state["review"]["opinions"]:
        rows.append(
            (
                "合法性审查 legality review",
                f"{opinion['opinion']} ({opinion['reviewer']})",
                opinion["seq"],
            )
        )
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


__all__ = ["dossier_data", "dossier_html", "export_dossier", "select", "write_dossier"]
