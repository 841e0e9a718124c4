"""The procedure's state, replayed from entries, and the gates that guard every change to it.

`Procedure.check` runs an entry against the state (raising `GateError` for a gate, or
`AuthorityError` for a record that cannot be true: a position for someone absent, an opinion on
another draft) and stages the changes; `Procedure.apply` commits them. The same code runs when an
entry is appended and when `ledger verify` replays the chain, so an entry that got past an append
check some other way is caught by verify, and the derived rows are the same either way.

State is plain JSON-shaped data, one object per (kind, id): a decision, meeting, catalog,
normative document, accountability case, plus the rule profiles. Each object is one row of the
derived table `procedure_state`; every person's part in a matter is one row of `involvements`.

Its length is the `Tx` every handler works through (reading, staging, refusing, the people and
the decision it touches): splitting it would put one object's methods in two places.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol, overload

from ledger.entry import Statement, parse_time
from ledger.errors import AuthorityError, GateError
from ledger.procedure.gates import refuse as gate_error
from ledger.procedure.model import (
    Case,
    Catalog,
    Decision,
    Draft,
    Meeting,
    NormativeDoc,
    Obj,
    Organ,
    Profiles,
    State,
)
from ledger.procedure.profile import DEFAULT_PROFILE_NAME, RuleProfile

Row = tuple[Any, ...]


class _Person(Protocol):
    @property
    def name(self) -> str: ...


class _Organ(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...


class _Key(Protocol):
    @property
    def person(self) -> str: ...


class Register(Protocol):
    """What the procedure reads of the identity register (`ledger.authority.Directory`): the
    persons and organs registered, the registrar, who holds which post in an organ on a day,
    and each key's holder and the entries it signed (who signed an entry a correction names)."""

    @property
    def persons(self) -> Mapping[str, _Person]: ...
    @property
    def organs(self) -> Mapping[str, _Organ]: ...
    @property
    def keys(self) -> Mapping[str, _Key]: ...
    @property
    def registrar(self) -> str | None: ...
    def signed_since(self, key_id: str, since: str) -> list[int]: ...
    def roles_at(self, person: str, organ: str, day: str) -> set[str]: ...
    def holders_at(self, organ: str, roles: tuple[str, ...], day: str) -> list[str]: ...


VOTING_ROLES = ("head", "deputy", "member")
DELIBERATIVE_KINDS = ("party_group", "executive_meeting", "plenary")
FLAG_STEPS = {
    "technical": "expert_argumentation",
    "stability_risk": "risk_assessment",
    "vital_interests": "public_participation",
    "specific_group": "group_consultation",
    "affects_market_entities": "fair_competition_review",
    "npc_remit": "npc_report",
}
STEP_ENTRIES = {
    "consultation.completed": "inter_unit_consultation",
    "public_comment.opened": "public_comment",
    "public_participation.completed": "public_participation",
    "hearing.held": "hearing",
    "expert_argumentation.completed": "expert_argumentation",
    "risk_assessment.completed": "risk_assessment",
    "fair_competition_review.completed": "fair_competition_review",
}

# Statuses (decision-procedure.md §4.4).
DRAFTING = ("drafting", "under_legality_review", "ready_for_deliberation")
DECIDED = (
    "awaiting_issue",
    "published",
    "not_published",
    "in_execution",
    "suspended",
    "completed",
    "adjusted",
    "stopped",
    "superseded",
)
AFTER_ISSUE = ("published", "not_published", "in_execution", "suspended")
APPROVING = ("approve", "approve_with_editorial_changes", "approve_pending_substantive_changes")
AGREEING = ("agree", "agree_with_modifications")
NEEDS_REASON = ("disagree", "defer", "agree_with_modifications")

PROFILES: Final[tuple[Literal["ledger"], Literal["profiles"]]] = ("ledger", "profiles")


def dumps(data: Obj | State) -> str:
    """The stored form of a state object: sorted keys, UTF-8 text, no spaces."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Procedure:
    """Every procedure object, by (kind, id)."""

    def __init__(self, loader: Callable[[str, str], Obj | None] | None = None) -> None:
        """`loader`, if given, fetches an object not yet in memory (an append loads only the
        objects its entry touches; verify replays everything and needs none). An object loaded
        is its stored JSON, which has the shape its kind declares in `model`."""
        self.objects: dict[tuple[str, str], State | Obj] = {}
        self.loader = loader
        self.involvements: list[Row] = []
        self._staged: tuple[int, Tx] | None = None

    def check(self, stmt: Statement, directory: Register, *, staged: Tx | None = None) -> None:
        """Check `stmt` against the state and stage its changes for `apply`. `staged` is what
        an earlier check of the same statement at the same head staged (see `staged`): it is
        taken as it is, and no gate runs again.

        Raises:
            GateError, AuthorityError: with `stmt.seq`; nothing is staged.
        """
        self._staged = None
        if staged is not None:
            self._staged = (stmt.seq, staged)
            return
        handler = HANDLERS.get(stmt.type)
        if handler is None:  # identity entries and notes: nothing of the procedure's
            return
        tx = Tx(self, stmt, directory)
        handler(tx, stmt.body)
        self._staged = (stmt.seq, tx)

    def staged(self) -> Tx | None:
        """What the last `check` staged (None: nothing of the procedure's, or nothing yet)."""
        return None if self._staged is None else self._staged[1]

    def apply(self, stmt: Statement) -> list[tuple[str, Row]]:
        """Commit what `check` staged for `stmt`; return the derived rows it changed."""
        if self._staged is None or self._staged[0] != stmt.seq:
            return []
        tx = self._staged[1]
        self._staged = None
        changed: list[tuple[str, Row]] = []
        for key, data in tx.written.items():
            data["last_seq"] = stmt.seq
            self.objects[key] = data
            changed.append(("procedure_state", _state_row(key, data)))
        for row in tx.involved:
            self.involvements.append(row)
            changed.append(("involvements", row))
        return changed

    @overload
    def get(self, kind: Literal["decision"], ident: str) -> Decision | None: ...
    @overload
    def get(self, kind: Literal["meeting"], ident: str) -> Meeting | None: ...
    @overload
    def get(self, kind: Literal["catalog"], ident: str) -> Catalog | None: ...
    @overload
    def get(self, kind: Literal["normative_doc"], ident: str) -> NormativeDoc | None: ...
    @overload
    def get(self, kind: Literal["case"], ident: str) -> Case | None: ...
    @overload
    def get(self, kind: Literal["ledger"], ident: str) -> Profiles | None: ...
    @overload
    def get(self, kind: str, ident: str) -> State | None: ...
    def get(self, kind: str, ident: str) -> State | Obj | None:
        """A state object (not a copy: do not change it)."""
        found = self.objects.get((kind, ident))
        if found is None and self.loader is not None:
            found = self.loader(kind, ident)
            if found is not None:
                self.objects[(kind, ident)] = found
        return found

    def profile(self, name: str | None = None) -> tuple[str, int, RuleProfile]:
        """A profile version by name, or the newest one: (name, version, rules)."""
        versions = (self.get(*PROFILES) or {"versions": []})["versions"]
        chosen = None
        for version in versions:
            if name is None or version["name"] == name:
                chosen = version
        if chosen is None:
            return DEFAULT_PROFILE_NAME, 1, RuleProfile()
        return chosen["name"], chosen["version"], RuleProfile.model_validate(chosen["rules"])

    def table_rows(self) -> dict[str, list[Row]]:
        """The derived rows the procedure's tables must hold, sorted."""
        return {
            "procedure_state": sorted(_state_row(k, d) for k, d in self.objects.items()),
            "involvements": sorted(self.involvements),
        }


def _state_row(key: tuple[str, str], data: State | Obj) -> Row:
    kind, ident = key
    return (
        kind,
        ident,
        data.get("status"),
        data.get("organ"),
        data.get("year"),
        dumps(data),
        data["last_seq"],
    )


@dataclass
class Tx:
    """One entry's check: reads state, stages writes, raises on a breach."""

    procedure: Procedure
    stmt: Statement
    directory: Register
    written: dict[tuple[str, str], State | Obj] = field(default_factory=dict)
    involved: list[Row] = field(default_factory=list)

    # -- reading and writing ------------------------------------------------------------------

    @property
    def seq(self) -> int:
        return self.stmt.seq

    @property
    def day(self) -> str:
        """The business date of the entry (its own offset)."""
        return self.stmt.occurred_at[:10]

    @overload
    def get(
        self, kind: Literal["decision"], ident: str, *, write: bool = True
    ) -> Decision | None: ...
    @overload
    def get(
        self, kind: Literal["meeting"], ident: str, *, write: bool = True
    ) -> Meeting | None: ...
    @overload
    def get(
        self, kind: Literal["catalog"], ident: str, *, write: bool = True
    ) -> Catalog | None: ...
    @overload
    def get(
        self, kind: Literal["normative_doc"], ident: str, *, write: bool = True
    ) -> NormativeDoc | None: ...
    @overload
    def get(self, kind: Literal["case"], ident: str, *, write: bool = True) -> Case | None: ...
    @overload
    def get(
        self, kind: Literal["ledger"], ident: str, *, write: bool = True
    ) -> Profiles | None: ...
    @overload
    def get(self, kind: str, ident: str, *, write: bool = True) -> State | None: ...
    def get(self, kind: str, ident: str, *, write: bool = True) -> State | Obj | None:
        """The object, staged for writing (a copy), or as stored when `write` is False (then
        it must not be changed)."""
        key = (kind, ident)
        if not write and key not in self.written:
            return self.procedure.get(kind, ident)
        if key not in self.written:
            found = self.procedure.get(kind, ident)
            if found is None:
                return None
            self.written[key] = copy.deepcopy(found)
        return self.written[key]

    def new(self, kind: str, data: State) -> None:
        """Stage a new object of `kind`; its `id` and `first_seq` (this entry's seq) are in
        `data`."""
        ident = data["id"]
        if self.procedure.get(kind, ident) is not None or (kind, ident) in self.written:
            raise self.wrong(f"{kind} {ident} already exists")
        self.written[(kind, ident)] = data

    @overload
    def need(
        self, kind: Literal["decision"], ident: str, *, where: str = ..., write: bool = ...
    ) -> Decision: ...
    @overload
    def need(
        self, kind: Literal["meeting"], ident: str, *, where: str = ..., write: bool = ...
    ) -> Meeting: ...
    @overload
    def need(
        self, kind: Literal["catalog"], ident: str, *, where: str = ..., write: bool = ...
    ) -> Catalog: ...
    @overload
    def need(
        self, kind: Literal["normative_doc"], ident: str, *, where: str = ..., write: bool = ...
    ) -> NormativeDoc: ...
    @overload
    def need(
        self, kind: Literal["case"], ident: str, *, where: str = ..., write: bool = ...
    ) -> Case: ...
    @overload
    def need(
        self, kind: Literal["ledger"], ident: str, *, where: str = ..., write: bool = ...
    ) -> Profiles: ...
    def need(
        self, kind: str, ident: str, *, where: str = "subject", write: bool = True
    ) -> State | Obj:
        found = self.get(kind, ident, write=write)
        if found is None:
            hint = f" (record {_CREATOR[kind]} first)" if kind in _CREATOR else ""
            raise self.wrong(f"no {kind} {ident!r} in this ledger{hint}", where=where)
        return found

    def involve(self, person: str, subject: str, role: str, **detail: Any) -> None:
        self.involved.append((person, subject, role, self.seq, dumps(detail)))

    # -- refusing -----------------------------------------------------------------------------

    def wrong(self, message: str, *, where: str | None = None) -> AuthorityError:
        """A record that cannot be true; `where` names the place (`body.person`, `subject`)."""
        text = f"{self.stmt.type}: {where}: {message}" if where else f"{self.stmt.type}: {message}"
        return AuthorityError(text, seq=self.seq, field=body_field(where))

    def gate(
        self,
        gate: str,
        message: str,
        *,
        field: str | None = None,
        conflicting_seq: int | None = None,
    ) -> GateError:
        return gate_error(gate, message, seq=self.seq, field=field, conflicting_seq=conflicting_seq)

    def soft(
        self,
        gate: str,
        message: str,
        decision: Decision,
        exceptions: dict[str, str],
        *,
        field: str | None = None,
        conflicting_seq: int | None = None,
    ) -> None:
        """A soft gate tripped: accept with the recorded reason, or refuse asking for one."""
        reason = exceptions.get(gate)
        if reason is None:
            raise self.gate(
                gate,
                f"{message}; to proceed anyway, record the reason as exceptions.{gate}",
                field=field,
                conflicting_seq=conflicting_seq,
            )
        decision["exceptions"].append(
            {"gate": gate, "seq": self.seq, "reason": reason, "finding": message}
        )

    # -- people -------------------------------------------------------------------------------

    def person(self, ident: str, where: str) -> str:
        if ident not in self.directory.persons:
            raise self.wrong(f"{ident!r} is not a registered person", where=where)
        return ident

    def organ(self, ident: str, where: str) -> Organ:
        organ = self.directory.organs.get(ident)
        if organ is None:
            raise self.wrong(f"no organ {ident!r} in this ledger", where=where)
        return {"id": organ.id, "kind": organ.kind, "name": organ.name}

    def head_of(self, organ: str, day: str) -> list[str]:
        return self.directory.holders_at(organ, ("head",), day)

    # -- decisions ----------------------------------------------------------------------------

    def decision(self, statuses: tuple[str, ...] | None = None) -> Decision:
        decision = self.need("decision", self.stmt.subject)
        if statuses is not None and decision["status"] not in statuses:
            raise self.wrong(
                f"decision {decision['id']} is {decision['status']}; this needs it to be "
                f"{' or '.join(statuses)}"
            )
        return decision

    def drafting(self, decision: Decision) -> None:
        """G1: drafting work needs an initiated decision with an undertaking unit."""
        if decision["status"] in ("proposed", "initiated"):
            missing = "decision.initiated" if decision["status"] == "proposed" else ""
            steps = " and ".join(x for x in (missing, "undertaking_unit.assigned") if x)
            raise self.gate(
                "G1",
                f"decision {decision['id']} is {decision['status']}: record {steps} before "
                f"any drafting work",
            )
        if decision["status"] not in DRAFTING:
            raise self.wrong(
                f"decision {decision['id']} is {decision['status']}; drafting work is over"
            )

    def draft(self, decision: Decision, doc: str, where: str = "body.draft") -> Draft:
        draft = decision["drafts"].get(doc)
        if draft is None:
            raise self.wrong(
                f"{doc[:12]}… is not a draft of decision {decision['id']} "
                "(record it with draft.versioned first)",
                where=where,
            )
        return draft

    def profile(self, decision: Decision) -> RuleProfile:
        return self.procedure.profile(decision["profile"])[2]

    def at(self) -> str:
        return self.stmt.occurred_at


_CREATOR = {
    "decision": "decision.proposed",
    "meeting": "meeting.convened",
    "catalog": "catalog.published",
    "normative_doc": "normative_doc.registered",
    "case": "accountability.case_opened",
}


def body_field(where: str | None) -> str | None:
    """The body field a place names (`body.named.2` → `named.2`); None for another place."""
    if where is None or not where.startswith("body."):
        return None
    return where.removeprefix("body.")


def before(first: str, second: str) -> bool:
    """True if business time `first` is strictly before `second` (offset-aware)."""
    return parse_time(first, where="occurred_at") < parse_time(second, where="occurred_at")


# -- handlers: one per entry type, checks first, then changes ------------------------------------

Handler = Callable[[Tx, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = handler
        return handler

    return register


def profile_at(tx: Tx, day: str) -> str | None:
    """The name of the profile version in force on `day` (None: Decree 713's defaults)."""
    profiles = tx.procedure.get(*PROFILES)
    if profiles is None:
        return None
    chosen = None
    for version in profiles["versions"]:
        if version["effective_from"] <= day:
            chosen = version["name"]
    return chosen


__all__ = [
    "HANDLERS",
    "Obj",
    "PROFILES",
    "Procedure",
    "Register",
    "Tx",
    "before",
    "body_field",
    "handles",
    "profile_at",
]
