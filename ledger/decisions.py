"""The decision use cases: list, timeline, compliance check, responsibility trace, undue delay.

Everything here reads the derived tables that `ledger verify` proves equal to a replay of the
entries, and the entries themselves; nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select

from ledger.entry import decode_statement, ledger_today
from ledger.errors import InputError
from ledger.procedure.compliance import position_summary, report
from ledger.procedure.state import PROFILES, Procedure
from ledger.store import SqlStore
from ledger.store.repository import StoredRow
from ledger.store.tables import DERIVED, ENTRIES

Obj = dict[str, Any]

STATE = DERIVED["procedure_state"]
INVOLVEMENTS = DERIVED["involvements"]

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
    "voter": ("vote", "cadre rules"),
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


def _objects(store: SqlStore, kind: str, **where: Any) -> list[Obj]:
    query = select(STATE.c.data).where(STATE.c.kind == kind)
    for column, value in where.items():
        if value is not None:
            query = query.where(STATE.c[column] == value)
    with store.reading() as conn:
        return [json.loads(data) for data in conn.execute(query.order_by(STATE.c.id)).scalars()]


def _object(store: SqlStore, kind: str, ident: str) -> Obj:
    query = select(STATE.c.data).where(STATE.c.kind == kind, STATE.c.id == ident)
    with store.reading() as conn:
        data = conn.execute(query).scalar()
    if data is None:
        raise InputError(f"no {kind} {ident!r} in this ledger", where="ID")
    result: Obj = json.loads(data)
    return result


def _procedure(store: SqlStore) -> Procedure:
    procedure = Procedure()
    profiles = _objects(store, "ledger")
    for data in profiles:
        procedure.objects[PROFILES] = data
    return procedure


@dataclass(frozen=True)
class DecisionSummary:
    id: str
    title: str
    status: str
    organ: str
    year: int
    scope: str
    last_seq: int

    def to_json(self) -> Obj:
        return dict(self.__dict__)


def _scope_label(decision: Obj) -> str:
    scope = decision["scope"]
    parts = [
        f"{scope['catalog']}/{scope['item']}" if scope.get("item") else None,
        f"art3:{scope['art3_category']}" if scope.get("art3_category") else None,
        scope.get("sanzhong_yida"),
        "normative_document" if scope.get("normative_document") else None,
    ]
    return ",".join(p for p in parts if p) or "unclassified"


def list_decisions(
    *,
    store: SqlStore,
    status: str | None = None,
    scope: str | None = None,
    year: int | None = None,
    organ: str | None = None,
) -> list[DecisionSummary]:
    """Decisions matching every filter given; `scope` matches part of the scope label
    (a catalog item, `art3:1`, a 三重一大 category, `normative_document`)."""
    found = []
    for decision in _objects(store, "decision", status=status, year=year, organ=organ):
        label = _scope_label(decision)
        if scope is not None and scope not in label:
            continue
        found.append(
            DecisionSummary(
                decision["id"],
                decision["title"],
                decision["status"],
                decision["organ"],
                decision["year"],
                label,
                decision["last_seq"],
            )
        )
    return found


def next_decision_id(*, store: SqlStore, year: int) -> str:
    """The next free id of the form d<year>-<NN>."""
    taken = {d["id"] for d in _objects(store, "decision")}
    number = 1
    while f"d{year}-{number:02d}" in taken:
        number += 1
    return f"d{year}-{number:02d}"


def get_decision(*, store: SqlStore, decision: str) -> Obj:
    """A decision's replayed state. Raises InputError for an unknown id."""
    return _object(store, "decision", decision)


def timeline(*, store: SqlStore, decision: str) -> list[StoredRow]:
    """Every entry about the decision, and the meetings that deliberated it, in seq order."""
    state = get_decision(store=store, decision=decision)
    meetings = sorted(
        {d["meeting"] for d in state["deliberations"]}
        | ({state["agenda"]["meeting"]} if state["agenda"] else set())
    )
    rows = list(store.rows(where={"subject": decision}))
    for meeting in meetings:
        rows += [
            r
            for r in store.rows(where={"subject": meeting})
            if r.type
            in ("meeting.convened", "attendance.recorded", "minutes.finalized", "minutes.confirmed")
        ]
    return sorted(rows, key=lambda r: r.seq)


def repudiations(*, store: SqlStore) -> dict[int, Obj]:
    """Every entry a key revocation repudiates (`key.revoked` with `repudiates`: signed with
    the key after the revocation took effect), by seq: the revocation's seq, the key, its
    holder and the effective time."""
    found: dict[int, Obj] = {}
    for row in store.rows(where={"type": "key.revoked"}):
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


def _repudiated_about(store: SqlStore, state: Obj, repudiated: dict[int, Obj]) -> list[Obj]:
    """The repudiated entries among those about a decision: its timeline (its own entries and
    its meetings'), and every entry that gave someone a part in it."""
    if not repudiated:
        return []
    seqs = {row.seq for row in timeline(store=store, decision=state["id"])}
    seqs |= {row["seq"] for row in _involvements(store, subject=state["id"])}
    about = []
    for seq in sorted(seqs & repudiated.keys()):
        row = next(store.rows(since=seq, until=seq))
        about.append({**repudiated[seq], "type": row.type, "actor": row.actor})
    return about


def check(*, store: SqlStore, decision: str | None = None) -> list[Obj]:
    """The compliance report of one decision, or of every decision (§4.5)."""
    procedure = _procedure(store)
    meetings = {m["id"]: m for m in _objects(store, "meeting")}
    if decision is not None:
        decisions = [get_decision(store=store, decision=decision)]
    else:
        decisions = _objects(store, "decision")
    repudiated = repudiations(store=store)
    return [
        report(
            d,
            procedure.profile(d["profile"])[2],
            meetings,
            repudiated=_repudiated_about(store, d, repudiated),
        )
        for d in decisions
    ]


def _involvements(store: SqlStore, **where: str) -> list[Obj]:
    query = select(INVOLVEMENTS, ENTRIES.c.occurred_at).join(
        ENTRIES, ENTRIES.c.seq == INVOLVEMENTS.c.seq
    )
    for column, value in where.items():
        query = query.where(INVOLVEMENTS.c[column] == value)
    with store.reading() as conn:
        rows = conn.execute(query.order_by(INVOLVEMENTS.c.seq)).all()
    return [
        {
            "person": r[0],
            "subject": r[1],
            "role": r[2],
            "seq": r[3],
            "detail": json.loads(r[4]),
            "occurred_at": r[5],
        }
        for r in rows
    ]


def _roles_at(directory: Any, person: str, day: str) -> list[str]:
    return sorted(
        f"{organ}:{role}"
        for organ in directory.organs
        for role in directory.roles_at(person, organ, day)
    )


def trace_decision(*, store: SqlStore, decision: str) -> Obj:
    """Everyone with a statutory role in the decision, their role at the time, their stated
    position and reason, and the seq of each proving entry (§4.6)."""
    state = get_decision(store=store, decision=decision)
    directory = store.directory()
    repudiated = repudiations(store=store)
    rows = _involvements(store, subject=decision)
    meetings = {d["meeting"] for d in state["deliberations"]}
    for meeting in sorted(meetings):
        rows += [
            r for r in _involvements(store, subject=meeting) if r["role"] in ("chair", "recorder")
        ]
    signed = {(p["meeting"], p["person"]): p for p in position_summary(state)}
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
        people.append(item)
    experts = [
        {"step": step, **expert}
        for step, record in state["steps"].items()
        for expert in record.get("experts", [])
    ]
    return {
        "decision": decision,
        "title": state["title"],
        "status": state["status"],
        "people": people,
        "experts": experts,
        "repudiated": _repudiated_about(store, state, repudiated),
    }


def _mark(item: Obj, repudiated: dict[int, Obj]) -> None:
    """Mark a trace row whose proving entry a key revocation repudiates."""
    found = repudiated.get(item["seq"])
    if found is not None:
        item["repudiated_by"] = found["revoked_by"]


def trace_person(*, store: SqlStore, person: str) -> Obj:
    """A person's lifetime involvement: every post, every key, every part in every matter."""
    directory = store.directory()
    record = directory.persons.get(person)
    if record is None:
        raise InputError(f"{person!r} is not a registered person", where="PERSON")
    repudiated = repudiations(store=store)
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
    for row in _involvements(store, person=person):
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


def overdue(*, store: SqlStore, as_of: str | None = None) -> list[Obj]:
    """Catalog matters not decided by their planned date (G17, Art. 38 久拖不决), as of
    `as_of` (YYYY-MM-DD; by default today where the ledger's business happens, see
    `ledger_today`). Only the decisions that name a late item are read, not every decision."""
    today = as_of or ledger_today(datetime.now(UTC))
    state = DERIVED["procedure_state"]
    with store.reading() as conn:
        catalogs = [
            json.loads(data)
            for data in conn.execute(
                select(state.c.data).where(state.c.kind == "catalog").order_by(state.c.id)
            ).scalars()
        ]
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
        found = conn.execute(
            select(state.c.data)
            .where(
                state.c.kind == "decision",
                or_(*(state.c.data.contains(w, autoescape=True) for w in sorted(wanted))),
            )
            .order_by(state.c.id)
        ).scalars()
        by_item = {}
        for decision in map(json.loads, found):
            scope = decision["scope"]
            if scope.get("item"):
                by_item[(scope["catalog"], scope["item"])] = decision
    return late_items(catalogs, by_item, today)


def late_items(
    catalogs: Iterable[Obj], by_item: dict[tuple[str, str], Obj], today: str
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


def filing_rates(*, store: SqlStore, year: int) -> Obj:
    """The normative-document filing, timeliness and legality rates of a year, each with its
    numerator, denominator and the documents behind it."""
    docs = _objects(store, "normative_doc", year=year)
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
    "DecisionSummary",
    "check",
    "filing_rates",
    "get_decision",
    "list_decisions",
    "overdue",
    "repudiations",
    "timeline",
    "trace_decision",
    "trace_person",
]
