"""Accountability (Art. 38–41): each decision's compliance report, the responsibility trace of
a decision or a person (倒查), matters left undecided past their planned date, and a year's
normative-document filing rates.

Everything here reads the derived tables that `ledger verify` proves equal to a replay of the
entries, and the entries themselves; nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from ledger.app.decisions import get_decision, timeline
from ledger.app.ledger import Ledger
from ledger.entry import decode_statement
from ledger.errors import InputError, citation
from ledger.procedure.compliance import position_summary, report
from ledger.procedure.gates import CADRE_REGULATION
from ledger.procedure.model import Catalog, Decision
from ledger.procedure.state import PROFILES, Procedure
from ledger.store import reads
from ledger.store.repository import StoredRow

Obj = dict[str, Any]


# Each role a person can have in a decision, with the article that makes it count.
ROLES = {
    "proposer": ("proposer", "Art. 10"),
    "initiator": ("initiated the procedure", "Art. 10"),
    "undertaking_leader": ("undertaking-unit leader", "Art. 39"),
    "drafter": ("drafter", "Art. 39"),
    "legality_reviewer": ("legality reviewer", "Art. 28"),
    "member_position": ("member's position", "Art. 30, 38 ¶3"),
    "confirmed_position": ("confirmed own position", "Art. 30"),
    "recused": ("recused", "local rules"),
    "voter": ("vote", citation("Art. 37", CADRE_REGULATION)),
    "head_decision": ("head's decision", "Art. 30, 38"),
    "head_suspension": ("head's suspension", "Art. 37"),
    "execution_reporter": ("execution report", "Art. 40"),
    "evaluation_commissioner": ("commissioned post-evaluation", "Art. 36"),
    "evaluator": ("post-evaluation", "Art. 36"),
    "chair": ("chaired the meeting", "Art. 30"),
    "recorder": ("recorded the meeting", "Art. 30, 33"),
    "present": ("present at the meeting", "Art. 30"),
    "case_subject": ("subject of an accountability case", "Art. 38–41"),
}


def _role(role: str) -> tuple[str, str]:
    if role.startswith("step:"):
        return (f"{role[5:].replace('_', ' ')} step", "Art. 39")
    return ROLES.get(role, (role, ""))


def _procedure(ledger: Ledger) -> Procedure:
    procedure = Procedure()
    profiles = reads.objects(ledger.store, "ledger")
    for data in profiles:
        procedure.objects[PROFILES] = data
    return procedure


def repudiations(ledger: Ledger) -> dict[int, Obj]:
    """Every entry a key revocation repudiates (`key.revoked` with `repudiates`: signed with
    the key after the revocation took effect), by seq: the revocation's seq, the key, its
    holder and the effective time."""
    found: dict[int, Obj] = {}
    for row in ledger.store.rows(where={"type": "key.revoked"}):
        stmt = decode_statement(row.statement)
        for seq in stmt.body.get("repudiates") or []:
            found[seq] = {
                "seq": seq,
                "revoked_by": row.seq,
                "key_id": stmt.body["key_id"],
                "person": stmt.subject,
                "effective_at": stmt.body["effective_at"],
            }
    return found


def _repudiated_about(ledger: Ledger, state: Decision, repudiated: dict[int, Obj]) -> list[Obj]:
    """The repudiated entries among those about a decision: its timeline (its own entries and
    its meetings'), and every entry that gave someone a part in it."""
    if not repudiated:
        return []
    seqs = {row.seq for row in timeline(ledger, state["id"])}
    seqs |= {row["seq"] for row in reads.involvements(ledger.store, subject=state["id"])}
    about = []
    for seq in sorted(seqs & repudiated.keys()):
        row = next(ledger.store.rows(since=seq, until=seq))
        about.append({**repudiated[seq], "type": row.type, "actor": row.actor})
    return about


def check(ledger: Ledger, decision: str | None = None, *, today: str | None = None) -> list[Obj]:
    """The compliance report of one decision, or of every decision (§4.5). `today` (the
    ledger's today, for a reader asking now) judges the deadlines that pass by themselves (G16
    under an edition-2 profile); without it a report depends on the entries alone, as an export's
    must. Under an edition-2 profile it lists every step with its business and its recorded time
    (`timeline`); a report lists the corrections of the decision's entries, if any
    (`corrections`), and one awaiting the confirmation of the person it concerns is a pending
    finding."""
    procedure = _procedure(ledger)
    meetings = {m["id"]: m for m in reads.objects(ledger.store, "meeting")}
    if decision is not None:
        decisions = [get_decision(ledger, decision)]
    else:
        decisions = reads.objects(ledger.store, "decision")
    repudiated = repudiations(ledger)
    reports = []
    for d in decisions:
        profile = procedure.profile(d["profile"])[2]
        # the entries, read only where the profile judges their times or something corrects one
        corrected = _has_corrections(d, meetings)
        rows = timeline(ledger, d["id"]) if profile.edition >= 2 or corrected else []
        times = [(r.seq, r.type, r.occurred_at, r.recorded_at) for r in rows]
        about = _repudiated_about(ledger, d, repudiated)
        found = report(
            d,
            profile,
            meetings,
            repudiated=about,
            timeline=times if profile.edition >= 2 else (),
            today=today,
        )
        listed = corrections(d, meetings, rows)
        if listed:
            found["corrections"] = listed
        found["findings"] += [
            {
                "check": "correction_awaits_confirmation",
                "basis": "Art. 30, 33",
                "severity": "pending",
                "message": f"correction at seq {c['seq']} awaits confirmation by {c['awaits']}",
                "seq": c["seq"],
            }
            for c in listed
            if c["status"] == "awaits_confirmation"
        ]
        if profile.edition >= 2:
            found["timeline"] = [
                {"seq": seq, "type": kind, "occurred_at": occurred, "recorded_at": recorded}
                for seq, kind, occurred, recorded in times
            ]
        reports.append(found)
    return reports


def _has_corrections(decision: Decision, meetings: dict[str, Any]) -> bool:
    if decision.get("corrections"):
        return True
    return any((meetings.get(m) or {}).get("corrections") for m in _meetings_of(decision))


def _meetings_of(decision: Decision) -> set[str]:
    agendas = [*decision["deliberations"], decision["agenda"]]
    return {a["meeting"] for a in agendas if a is not None}


def corrections(
    decision: Decision, meetings: dict[str, Any], rows: Iterable[StoredRow]
) -> list[Obj]:
    """Every correction of the decision's entries and its meetings', from `rows` (its timeline):
    seq, the seq it corrects, who and when, reason and correction, and its status —
    `in_effect` (from the signer, or the person it concerns), `awaits_confirmation` by `awaits`,
    `confirmed` (at `confirmed_seq`) or `edition_1` (recorded under rules that did not ask who
    corrects)."""
    states: dict[int, Obj] = {}
    for holder in [decision, *(meetings.get(m) for m in sorted(_meetings_of(decision)))]:
        for record in (holder or {}).get("corrections", []):
            states[record["seq"]] = dict(record)
    found = []
    for row in rows:
        if row.type != "entry.corrected" or row.seq not in states:
            continue
        body = decode_statement(row.statement).body
        state = states[row.seq]
        if "awaits" not in state:
            status = "edition_1"
        elif state["awaits"] is None:
            status = "in_effect"
        elif state.get("confirmed_seq") is not None:
            status = "confirmed"
        else:
            status = "awaits_confirmation"
        found.append(
            {
                "seq": row.seq,
                "corrects": body["corrects"],
                "by": row.actor,
                "occurred_at": row.occurred_at,
                "recorded_at": row.recorded_at,
                "reason": body["reason"],
                "correction": body["correction"],
                "signer": state.get("signer"),
                "awaits": state.get("awaits"),
                "confirmed_seq": state.get("confirmed_seq"),
                "status": status,
            }
        )
    return found


def decision_corrections(ledger: Ledger, decision: str) -> list[Obj]:
    """Every correction of a decision's entries and its meetings' (see `corrections`)."""
    state = get_decision(ledger, decision)
    meetings = {m: reads.find(ledger.store, "meeting", m) for m in _meetings_of(state)}
    if not _has_corrections(state, meetings):
        return []
    return corrections(state, meetings, timeline(ledger, decision))


def describe_correction(correction: Obj) -> str:
    """One line a person reads: which entry, who corrected it when, why, and whether it holds."""
    status = {
        "in_effect": "in effect",
        "confirmed": f"confirmed by {correction['awaits']} at seq {correction['confirmed_seq']}",
        "awaits_confirmation": f"awaits confirmation by {correction['awaits']}",
        "edition_1": "recorded under edition 1",
    }[correction["status"]]
    return (
        f"seq {correction['corrects']} corrected by seq {correction['seq']} "
        f"({correction['by']}, {correction['occurred_at'][:16]}): {correction['reason']} — "
        f"{correction['correction']} [{status}]"
    )


def _roles_at(directory: Any, person: str, day: str) -> list[str]:
    return sorted(
        f"{organ}:{role}"
        for organ in directory.organs
        for role in directory.roles_at(person, organ, day)
    )


def trace_decision(ledger: Ledger, decision: str) -> Obj:
    """Everyone with a statutory role in the decision, their role at the time, their stated
    position and reason, and the seq of each proving entry (§4.6)."""
    state = get_decision(ledger, decision)
    directory = ledger.store.directory()
    repudiated = repudiations(ledger)
    rows = reads.involvements(ledger.store, subject=decision)
    meetings = {d["meeting"] for d in state["deliberations"]}
    for meeting in sorted(meetings):
        rows += [
            r
            for r in reads.involvements(ledger.store, subject=meeting)
            if r["role"] in ("chair", "recorder")
        ]
    signed = {(p["meeting"], p["person"]): p for p in position_summary(state)}
    meeting_states = {m: reads.find(ledger.store, "meeting", m) for m in _meetings_of(state)}
    corrected = (
        corrections(state, meeting_states, timeline(ledger, decision))
        if _has_corrections(state, meeting_states)
        else []
    )
    people = []
    for row in sorted(rows, key=lambda r: r["seq"]):
        label, basis = _role(row["role"])
        item: Obj = {
            "seq": row["seq"],
            "date": row["occurred_at"][:10],
            "person": row["person"],
            "name": directory.persons[row["person"]].name,
            "role": row["role"],
            "role_label": label,
            "basis": basis,
            "roles_at_time": _roles_at(directory, row["person"], row["occurred_at"][:10]),
            **row["detail"],
        }
        if row["role"] == "member_position":
            position = signed.get((row["detail"]["meeting"], row["person"]), {})
            item["signed"] = position.get("signed")
            item["confirmed_seq"] = position.get("confirmed_seq")
            item["dissent"] = row["detail"]["stance"] in ("disagree", "defer")
        _mark(item, repudiated)
        corrected_by = [c for c in corrected if c["corrects"] == item["seq"]]
        if corrected_by:
            item["corrected_by"] = corrected_by
        people.append(item)
    experts = [
        {"step": step, **expert}
        for step, record in state["steps"].items()
        for expert in record.get("experts", [])
    ]
    found: Obj = {
        "decision": decision,
        "title": state["title"],
        "status": state["status"],
        "people": people,
        "experts": experts,
        "repudiated": _repudiated_about(ledger, state, repudiated),
    }
    if corrected:
        found["corrections"] = corrected
    return found


def _mark(item: Obj, repudiated: dict[int, Obj]) -> None:
    """Mark a trace row whose proving entry a key revocation repudiates."""
    found = repudiated.get(item["seq"])
    if found is not None:
        item["repudiated_by"] = found["revoked_by"]


def trace_person(ledger: Ledger, person: str) -> Obj:
    """A person's lifetime involvement: every post, every key, every part in every matter."""
    directory = ledger.store.directory()
    record = directory.persons.get(person)
    if record is None:
        raise InputError(f"{person!r} is not a registered person", where="PERSON")
    repudiated = repudiations(ledger)
    posts = sorted(
        (
            {
                "organ": m.organ,
                "organ_name": directory.organs[m.organ].name,
                "role": m.role,
                "from": m.start,
                "to": m.end,
                "started_seq": m.started_seq,
                "ended_seq": m.ended_seq,
            }
            for m in directory.memberships.values()
            if m.person == person
        ),
        key=lambda m: (m["from"], m["organ"]),
    )
    keys = [
        {
            "key_id": k.key_id,
            "bound_seq": k.bound_seq,
            "bound_at": k.bound_at,
            "revoked_seq": k.revoked_seq,
            "revoked_at": k.revoked_at,
            "reason": k.revoked_reason,
            "repudiates": sorted(s for s, r in repudiated.items() if r["key_id"] == k.key_id),
        }
        for k in directory.keys_of(person)
    ]
    involvement = []
    for row in reads.involvements(ledger.store, person=person):
        label, basis = _role(row["role"])
        involvement.append(
            {
                "seq": row["seq"],
                "date": row["occurred_at"][:10],
                "subject": row["subject"],
                "role": row["role"],
                "role_label": label,
                "basis": basis,
                "roles_at_time": _roles_at(directory, person, row["occurred_at"][:10]),
                **row["detail"],
            }
        )
        _mark(involvement[-1], repudiated)
    return {
        "person": person,
        "name": record.name,
        "registered_seq": record.registered_seq,
        "posts": posts,
        "keys": keys,
        "involvement": involvement,
    }


def overdue(ledger: Ledger, as_of: str | None = None) -> list[Obj]:
    """Catalog matters not decided by their planned date (G17, Art. 38 久拖不决), as of
    `as_of` (YYYY-MM-DD; by default the ledger's today, where its business happens). Only the
    decisions that name a late item are read, not every decision."""
    today = as_of or ledger.today()
    catalogs = reads.objects(ledger.store, "catalog")
    late = [
        item
        for catalog in catalogs
        for item in catalog["items"].values()
        if item["planned_decision_by"] < today
    ]
    if not late:
        return []
    # Each late item's id as it stands in a decision's JSON scope (`"item":"…"`): a cheap
    # filter in SQL, exact after parsing.
    wanted = {
        json.dumps({"item": item["id"]}, ensure_ascii=False, separators=(",", ":"))[1:-1]
        for item in late
    }
    by_item = {}
    for decision in reads.containing(ledger.store, "decision", wanted):
        scope = decision["scope"]
        if scope.get("item"):
            by_item[(scope["catalog"], scope["item"])] = decision
    return late_items(catalogs, by_item, today)


def late_items(
    catalogs: Iterable[Catalog], by_item: dict[tuple[str, str], Decision], today: str
) -> list[Obj]:
    """The G17 rows: each catalog item planned before `today` and not decided, with the
    decision taking it up (from `by_item`, keyed by catalog and item id), most overdue first."""
    late = []
    for catalog in catalogs:
        for item in catalog["items"].values():
            planned = item["planned_decision_by"]
            found = by_item.get((catalog["id"], item["id"]))
            decided = found is not None and found["decided"] is not None
            if planned >= today or decided:
                continue
            late.append(
                {
                    "gate": "G17",
                    "catalog": catalog["id"],
                    "item": item["id"],
                    "title": item["title"],
                    "planned_decision_by": planned,
                    "days_overdue": (date.fromisoformat(today) - date.fromisoformat(planned)).days,
                    "decision": None if found is None else found["id"],
                    "status": "not proposed" if found is None else found["status"],
                    "undertaking_unit": item["undertaking_unit"],
                }
            )
    return sorted(late, key=lambda r: -int(r["days_overdue"]))


def filing_rates(ledger: Ledger, year: int) -> Obj:
    """The normative-document filing, timeliness and legality rates of a year, each with its
    numerator, denominator and the documents behind it."""
    docs = reads.objects(ledger.store, "normative_doc", year=year)
    required = [d["id"] for d in docs]
    filed = [d["id"] for d in docs if d["filed"] is not None]
    on_time = [d["id"] for d in docs if d["filed"] is not None and d["filed"]["on_time"]]
    lawful = [
        d["id"] for d in docs if d["filed"] is not None and d.get("review_result") == "no_issue"
    ]

    def rate(numerator: list[str], denominator: list[str]) -> Obj:
        return {
            "numerator": len(numerator),
            "denominator": len(denominator),
            "rate": None if not denominator else round(len(numerator) / len(denominator), 4),
            "short": sorted(set(denominator) - set(numerator)),
        }

    return {
        "year": year,
        "filing_rate": rate(filed, required),
        "timeliness_rate": rate(on_time, required),
        "legality_rate": rate(lawful, filed),
    }


__all__ = [
    "ROLES",
    "check",
    "corrections",
    "decision_corrections",
    "describe_correction",
    "filing_rates",
    "late_items",
    "overdue",
    "repudiations",
    "trace_decision",
    "trace_person",
]
