"""The application's reads of the derived tables: procedure objects by kind, id and the indexed
columns, a person's involvements, the decision list's page, counts for the dashboard.

Every query of the application layer is here, so that nothing above `ledger.store` writes SQL.
Each reads what `ledger verify` proves equal to a replay of the entries; none writes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Literal, overload

from sqlalchemy import func, or_, select

from ledger.procedure.model import Catalog, Decision, Meeting, NormativeDoc, Profiles
from ledger.store.repository import SqlStore
from ledger.store.tables import BLOBS, DERIVED, ENTRIES

Obj = dict[str, Any]

STATE = DERIVED["procedure_state"]
INVOLVEMENTS = DERIVED["involvements"]
ORGANS = DERIVED["organs"]


@overload
def objects(store: SqlStore, kind: Literal["decision"], **where: Any) -> list[Decision]: ...
@overload
def objects(store: SqlStore, kind: Literal["meeting"], **where: Any) -> list[Meeting]: ...
@overload
def objects(store: SqlStore, kind: Literal["catalog"], **where: Any) -> list[Catalog]: ...
@overload
def objects(
    store: SqlStore, kind: Literal["normative_doc"], **where: Any
) -> list[NormativeDoc]: ...
@overload
def objects(store: SqlStore, kind: Literal["ledger"], **where: Any) -> list[Profiles]: ...
@overload
def objects(store: SqlStore, kind: str, **where: Any) -> list[Any]: ...
def objects(store: SqlStore, kind: str, **where: Any) -> list[Any]:
    """Every state object of `kind` whose indexed columns (`status`, `organ`, `year`) equal
    the given values (None: any), by id, in the shape `ledger.procedure.model` declares."""
    query = select(STATE.c.data).where(STATE.c.kind == kind)
    for column, value in where.items():
        if value is not None:
            query = query.where(STATE.c[column] == value)
    with store.reading() as conn:
        return [json.loads(data) for data in conn.execute(query.order_by(STATE.c.id)).scalars()]


@overload
def find(store: SqlStore, kind: Literal["decision"], ident: str) -> Decision | None: ...
@overload
def find(store: SqlStore, kind: Literal["meeting"], ident: str) -> Meeting | None: ...
@overload
def find(store: SqlStore, kind: Literal["catalog"], ident: str) -> Catalog | None: ...
@overload
def find(store: SqlStore, kind: Literal["normative_doc"], ident: str) -> NormativeDoc | None: ...
@overload
def find(store: SqlStore, kind: Literal["ledger"], ident: str) -> Profiles | None: ...
@overload
def find(store: SqlStore, kind: str, ident: str) -> Any: ...
def find(store: SqlStore, kind: str, ident: str) -> Any:
    """The state object (`kind`, `ident`) in the shape `ledger.procedure.model` declares, or
    None."""
    query = select(STATE.c.data).where(STATE.c.kind == kind, STATE.c.id == ident)
    with store.reading() as conn:
        data = conn.execute(query).scalar()
    return None if data is None else dict(json.loads(data))


def ids(store: SqlStore, kind: str, among: Collection[str] | None = None) -> set[str]:
    """The ids of the objects of `kind` (only those `among`, when given)."""
    query = select(STATE.c.id).where(STATE.c.kind == kind)
    if among is not None:
        query = query.where(STATE.c.id.in_(sorted(set(among))))
    with store.reading() as conn:
        return set(conn.execute(query).scalars())


def containing(store: SqlStore, kind: str, fragments: Iterable[str]) -> list[Any]:
    """The objects of `kind` whose stored JSON contains one of `fragments` (a superset: the
    caller checks each object it gets), by id."""
    wanted = sorted(set(fragments))
    if not wanted:
        return []
    query = select(STATE.c.data).where(
        STATE.c.kind == kind, or_(*(STATE.c.data.contains(w, autoescape=True) for w in wanted))
    )
    with store.reading() as conn:
        return [json.loads(data) for data in conn.execute(query.order_by(STATE.c.id)).scalars()]


def involvements(store: SqlStore, **where: str) -> list[Obj]:
    """The involvements rows matching `where` (person, subject, role), with the business time
    of the entry behind each, in seq order."""
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


def involved_subjects(store: SqlStore, person: str, role: str) -> list[str]:
    """The subjects in which `person` had `role`, sorted."""
    query = (
        select(INVOLVEMENTS.c.subject)
        .where(INVOLVEMENTS.c.person == person, INVOLVEMENTS.c.role == role)
        .distinct()
    )
    with store.reading() as conn:
        return sorted(conn.execute(query).scalars())


def stored_blobs(store: SqlStore, hashes: Collection[str]) -> set[str]:
    """Those of `hashes` whose blob is stored."""
    query = select(BLOBS.c.sha256).where(BLOBS.c.sha256.in_(sorted(set(hashes))))
    with store.reading() as conn:
        return set(conn.execute(query).scalars())


def recorded_at(store: SqlStore, seq: int) -> str | None:
    """The recorded_at column of the entry at `seq`, or None."""
    query = select(ENTRIES.c.recorded_at).where(ENTRIES.c.seq == seq)
    with store.reading() as conn:
        value = conn.execute(query).scalar_one_or_none()
    return None if value is None else str(value)


# -- the dashboard and the decision list ---------------------------------------------------------


def status_counts(store: SqlStore, kind: str) -> dict[str, int]:
    """How many objects of `kind` are in each status."""
    query = select(STATE.c.status, func.count()).where(STATE.c.kind == kind)
    with store.reading() as conn:
        return {str(s): int(n) for s, n in conn.execute(query.group_by(STATE.c.status)).all()}


def latest_year(store: SqlStore, kind: str) -> int | None:
    """The latest `year` of the objects of `kind`, or None."""
    with store.reading() as conn:
        value = conn.execute(select(func.max(STATE.c.year)).where(STATE.c.kind == kind)).scalar()
    return None if value is None else int(value)


def distinct_values(store: SqlStore, kind: str) -> tuple[list[str], list[str], list[int]]:
    """The statuses, organs and years the objects of `kind` have (unsorted, None left out)."""
    where = STATE.c.kind == kind
    with store.reading() as conn:
        statuses = conn.execute(select(STATE.c.status).where(where).distinct()).scalars()
        organs = conn.execute(select(STATE.c.organ).where(where).distinct()).scalars()
        years = conn.execute(select(STATE.c.year).where(where).distinct()).scalars()
        return (
            [s for s in statuses if s],
            [o for o in organs if o],
            [y for y in years if y is not None],
        )


@dataclass(frozen=True)
class Filter:
    """A filter of the decision list; empty fields match everything. `scope` and `text` match
    inside the stored JSON (a superset: the caller narrows `scope` to its label)."""

    status: str = ""
    organ: str = ""
    year: int | None = None
    scope: str = ""
    text: str = ""


def _where(kind: str, wanted: Filter) -> list[Any]:
    clauses: list[Any] = [STATE.c.kind == kind]
    if wanted.status:
        clauses.append(STATE.c.status == wanted.status)
    if wanted.organ:
        clauses.append(STATE.c.organ == wanted.organ)
    if wanted.year is not None:
        clauses.append(STATE.c.year == wanted.year)
    if wanted.scope:
        clauses.append(STATE.c.data.contains(wanted.scope, autoescape=True))
    if wanted.text:
        text = wanted.text.strip()
        clauses.append(
            or_(
                STATE.c.id.contains(text, autoescape=True),
                STATE.c.data.contains(text, autoescape=True),
            )
        )
    return clauses


def page(
    store: SqlStore, kind: str, wanted: Filter, *, offset: int, limit: int, total: int | None
) -> tuple[list[Any], int]:
    """One page of the objects of `kind` matching `wanted`, newest id first, with LIMIT/OFFSET
    (never the whole list), and how many match in all (`total`, when given, is not counted
    again)."""
    where = _where(kind, wanted)
    with store.reading() as conn:
        if total is None:
            total = int(
                conn.execute(select(func.count()).select_from(STATE).where(*where)).scalar_one()
            )
        found = conn.execute(
            select(STATE.c.data)
            .where(*where)
            .order_by(STATE.c.id.desc())
            .offset(offset)
            .limit(limit)
        ).scalars()
        return [json.loads(data) for data in found], total


def organ_names(store: SqlStore, organs: Collection[str]) -> dict[str, str]:
    """The names of `organs`, by id (those registered)."""
    query = select(ORGANS.c.id, ORGANS.c.name).where(ORGANS.c.id.in_(sorted(set(organs))))
    with store.reading() as conn:
        return {str(i): str(n) for i, n in conn.execute(query).all()}


__all__ = [
    "Filter",
    "containing",
    "distinct_values",
    "find",
    "ids",
    "involved_subjects",
    "involvements",
    "latest_year",
    "objects",
    "organ_names",
    "page",
    "recorded_at",
    "status_counts",
    "stored_blobs",
]
