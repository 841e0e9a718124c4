"""Decisions as the recorder and the reader see them: the list and its pages, one decision's
state and its timeline (each entry checked on its own), the next free id.

Everything here reads the derived tables that `ledger verify` proves equal to a replay of the
entries, and the entries themselves; nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from keys import KeysError, verify_signature
from ledger.app.ledger import Ledger
from ledger.authority import Directory
from ledger.entry import decode_statement, leaf_hash, signing_message
from ledger.errors import InputError, LedgerError
from ledger.procedure.model import Decision
from ledger.procedure.profile import RuleProfile
from ledger.procedure.state import PROFILES
from ledger.store import reads
from ledger.store.repository import StoredRow

Obj = dict[str, Any]
PAGE_SIZE = 50


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


def scope_label(decision: Decision) -> str:
    scope = decision["scope"]
    parts = [
        f"{scope['catalog']}/{scope['item']}" if scope.get("item") else None,
        f"art3:{scope['art3_category']}" if scope.get("art3_category") else None,
        scope.get("sanzhong_yida"),
        "normative_document" if scope.get("normative_document") else None,
    ]
    return ",".join(p for p in parts if p) or "unclassified"


def list_decisions(
    ledger: Ledger,
    *,
    status: str | None = None,
    scope: str | None = None,
    year: int | None = None,
    organ: str | None = None,
) -> list[DecisionSummary]:
    """Decisions matching every filter given; `scope` matches part of the scope label
    (a catalog item, `art3:1`, a 三重一大 category, `normative_document`)."""
    found = []
    for decision in reads.objects(ledger.store, "decision", status=status, year=year, organ=organ):
        label = scope_label(decision)
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


def next_decision_id(ledger: Ledger, year: int | None = None) -> str:
    """The next free id of the form d<year>-<NN> (this year's by default)."""
    year = int(ledger.today()[:4]) if year is None else year
    taken = reads.ids(ledger.store, "decision")
    number = 1
    while f"d{year}-{number:02d}" in taken:
        number += 1
    return f"d{year}-{number:02d}"


def get_decision(ledger: Ledger, decision: str) -> Decision:
    """A decision's replayed state. Raises InputError for an unknown id."""
    found = reads.find(ledger.store, "decision", decision)
    if found is None:
        raise InputError(f"no decision {decision!r} in this ledger", where="ID")
    return found


def find_decision(ledger: Ledger, decision: str) -> Decision | None:
    """A decision's replayed state, or None when there is no such decision (yet)."""
    return reads.find(ledger.store, "decision", decision)


def timeline(ledger: Ledger, decision: str) -> list[StoredRow]:
    """Every entry about the decision, and the meetings that deliberated it, in seq order."""
    store = ledger.store
    state = get_decision(ledger, decision)
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
            in (
                "meeting.convened",
                "attendance.recorded",
                "minutes.finalized",
                "minutes.confirmed",
                "entry.corrected",
                "entry.correction_confirmed",
            )
        ]
    return sorted(rows, key=lambda r: r.seq)


@dataclass(frozen=True)
class DecisionQuery:
    """Filters of the decision list; None means any."""

    text: str | None = None
    status: str | None = None
    scope: str | None = None
    year: int | None = None
    organ: str | None = None


@dataclass(frozen=True)
class DecisionRow(DecisionSummary):
    """A row of the decision list: the summary, with the organ's name for the reader."""

    organ_name: str = ""


@dataclass(frozen=True)
class DecisionPage:
    """One page of the decision list, by id; `total` counts every match."""

    rows: list[DecisionRow]
    total: int
    offset: int


@dataclass(frozen=True)
class TimelineItem:
    """One entry of a decision's timeline, checked on its own (hash, signature, key)."""

    seq: int
    type: str
    subject: str
    actor: str
    actor_name: str
    key_id: str
    occurred_at: str
    recorded_at: str
    verified: bool
    problem: str | None = None


@dataclass(frozen=True)
class DecisionFilters:
    """The values the decision list's filters offer."""

    statuses: list[str]
    organs: list[tuple[str, str]]  # id, name
    years: list[int]


def filters(ledger: Ledger) -> DecisionFilters:
    """The statuses, organs and years the decision list can be narrowed to."""
    organs = ledger.store.directory().organs
    statuses, organ_ids, years = reads.distinct_values(ledger.store, "decision")
    return DecisionFilters(
        statuses=sorted(statuses),
        organs=sorted((o, organs[o].name if o in organs else o) for o in organ_ids),
        years=sorted(years, reverse=True),
    )


def page(
    ledger: Ledger,
    query: DecisionQuery,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    total: int | None = None,
) -> DecisionPage:
    """One page of decisions matching `query`, newest id first, read with LIMIT/OFFSET over the
    derived table (never the whole list). Pass the `total` of an earlier page of the same query
    to skip counting again."""
    wanted = reads.Filter(
        status=query.status or "",
        organ=query.organ or "",
        year=query.year,
        scope=query.scope or "",
        text=query.text or "",
    )
    found, total = reads.page(
        ledger.store, "decision", wanted, offset=offset, limit=limit, total=total
    )
    rows = [_decision_row(data) for data in found]
    names = reads.organ_names(ledger.store, {r.organ for r in rows})
    rows = [replace(r, organ_name=names.get(r.organ, r.organ)) for r in rows]
    if query.scope:  # the LIKE above is a superset; keep the scope label's meaning
        rows = [r for r in rows if query.scope in r.scope]
    return DecisionPage(rows, total, offset)


def decision_view(ledger: Ledger, ident: str) -> Obj:
    """A decision's replayed state, with `organ_name`. Raises InputError for an unknown id."""
    state: Obj = dict(get_decision(ledger, ident))
    organ = ledger.store.directory().organs.get(state["organ"])
    state["organ_name"] = organ.name if organ is not None else state["organ"]
    return state


def checked_timeline(ledger: Ledger, ident: str) -> list[TimelineItem]:
    """Every entry of the decision, each checked: its hash, its signature, its key."""
    directory = ledger.store.directory()
    items = []
    for row in timeline(ledger, ident):
        person = directory.persons.get(row.actor)
        problem = _check_row(row, directory)
        items.append(
            TimelineItem(
                seq=row.seq,
                type=row.type,
                subject=row.subject,
                actor=row.actor,
                actor_name=person.name if person else row.actor,
                key_id=row.key_id,
                occurred_at=row.occurred_at,
                recorded_at=row.recorded_at,
                verified=problem is None,
                problem=problem,
            )
        )
    return items


def which_decisions(ledger: Ledger, subjects: Sequence[str]) -> set[str]:
    """Those of `subjects` that are decisions."""
    return reads.ids(ledger.store, "decision", among=subjects)


def profile_of(ledger: Ledger, name: str) -> RuleProfile:
    """The rules of the profile version called `name` (Decree 713's when there is none)."""
    profiles = reads.find(ledger.store, "ledger", PROFILES[1])
    for version in [] if profiles is None else profiles["versions"]:
        if version["name"] == name:
            return RuleProfile.model_validate(version["rules"])
    return RuleProfile()


def _decision_row(data: Decision) -> DecisionRow:
    return DecisionRow(
        id=data["id"],
        title=data["title"],
        status=data["status"],
        organ=data["organ"],
        year=data["year"],
        scope=scope_label(data),
        last_seq=data["last_seq"],
    )


def _check_row(row: StoredRow, directory: Directory) -> str | None:
    """Why this stored row does not verify on its own, or None (hash, key, signature)."""
    try:
        statement = decode_statement(bytes(row.statement))
    except LedgerError as exc:
        return str(exc)
    leaf = leaf_hash(bytes(row.statement))
    if leaf.hex() != row.leaf_hash or statement.seq != row.seq:
        return "hash"
    record = directory.key_of(statement.key, statement.actor, statement.recorded_at)
    if record is None:
        return "key"
    try:
        verify_signature(record.public_key, signing_message(leaf), bytes(row.signature))
    except KeysError:
        return "signature"
    return None


__all__ = [
    "PAGE_SIZE",
    "DecisionFilters",
    "DecisionPage",
    "DecisionQuery",
    "DecisionRow",
    "DecisionSummary",
    "TimelineItem",
    "checked_timeline",
    "decision_view",
    "filters",
    "find_decision",
    "get_decision",
    "list_decisions",
    "next_decision_id",
    "page",
    "profile_of",
    "scope_label",
    "timeline",
    "which_decisions",
]
