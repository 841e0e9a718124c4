"""The procedure's state, replayed from entries, and the gates that guard every change to it.

`Procedure.check` runs an entry against the state (raising `GateError` for a gate, or
`AuthorityError` for a record that cannot be true: a position for someone absent, an opinion on
another draft) and stages the changes; `Procedure.apply` commits them. The same code runs when an
entry is appended and when `ledger verify` replays the chain, so an entry that got past an append
check some other way is caught by verify, and the derived rows are the same either way.

State is plain JSON-shaped data, one object per (kind, id): a decision, meeting, catalog,
normative document, accountability case, plus the rule profiles. Each object is one row of the
derived table `procedure_state`; every person's part in a matter is one row of `involvements`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.entry import Statement, parse_time
from ledger.errors import AuthorityError, GateError
from ledger.procedure.gates import refuse as gate_error
from ledger.procedure.profile import DEFAULT_PROFILE_NAME, RuleProfile, days_between

Obj = dict[str, Any]
Row = tuple[Any, ...]

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

PROFILES = ("ledger", "profiles")


def dumps(data: Obj) -> str:
    """The stored form of a state object: sorted keys, UTF-8 text, no spaces."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Procedure:
    """Every procedure object, by (kind, id)."""

    def __init__(self, loader: Callable[[str, str], Obj | None] | None = None) -> None:
        """`loader`, if given, fetches an object not yet in memory (an append loads only the
        objects its entry touches; verify replays everything and needs none)."""
        self.objects: dict[tuple[str, str], Obj] = {}
        self.loader = loader
        self.involvements: list[Row] = []
        self._staged: tuple[int, _Tx] | None = None

    def check(self, stmt: Statement, directory: Any) -> None:
        """Check `stmt` against the state and stage its changes for `apply`.

        Raises:
            GateError, AuthorityError: with `stmt.seq`; nothing is staged.
        """
        self._staged = None
        handler = HANDLERS.get(stmt.type)
        tx = _Tx(self, stmt, directory)
        if handler is not None:
            handler(tx, stmt.body)
        self._staged = (stmt.seq, tx)

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

    def get(self, kind: str, ident: str) -> Obj | None:
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


def _state_row(key: tuple[str, str], data: Obj) -> Row:
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
class _Tx:
    """One entry's check: reads state, stages writes, raises on a breach."""

    procedure: Procedure
    stmt: Statement
    directory: Any
    written: dict[tuple[str, str], Obj] = field(default_factory=dict)
    involved: list[Row] = field(default_factory=list)

    # -- reading and writing ------------------------------------------------------------------

    @property
    def seq(self) -> int:
        return self.stmt.seq

    @property
    def day(self) -> str:
        """The business date of the entry (its own offset)."""
        return self.stmt.occurred_at[:10]

    def get(self, kind: str, ident: str, *, write: bool = True) -> Obj | None:
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

    def new(self, kind: str, ident: str, data: Obj) -> Obj:
        if self.procedure.get(kind, ident) is not None or (kind, ident) in self.written:
            raise self.wrong(f"{kind} {ident} already exists")
        data.setdefault("id", ident)
        data.setdefault("first_seq", self.seq)
        self.written[(kind, ident)] = data
        return data

    def need(self, kind: str, ident: str, *, where: str = "subject", write: bool = True) -> Obj:
        found = self.get(kind, ident, write=write)
        if found is None:
            hint = f" (record {_CREATOR[kind]} first)" if kind in _CREATOR else ""
            raise self.wrong(f"{where}: no {kind} {ident!r} in this ledger{hint}")
        return found

    def involve(self, person: str, subject: str, role: str, **detail: Any) -> None:
        self.involved.append((person, subject, role, self.seq, dumps(detail)))

    # -- refusing -----------------------------------------------------------------------------

    def wrong(self, message: str) -> AuthorityError:
        return AuthorityError(f"{self.stmt.type}: {message}", seq=self.seq)

    def gate(self, gate: str, message: str) -> GateError:
        return gate_error(gate, message, seq=self.seq)

    def soft(self, gate: str, message: str, decision: Obj, exceptions: dict[str, str]) -> None:
        """A soft gate tripped: accept with the recorded reason, or refuse asking for one."""
        reason = exceptions.get(gate)
        if reason is None:
            raise self.gate(
                gate, f"{message}; to proceed anyway, record the reason as exceptions.{gate}"
            )
        decision["exceptions"].append(
            {"gate": gate, "seq": self.seq, "reason": reason, "finding": message}
        )

    # -- people -------------------------------------------------------------------------------

    def person(self, ident: str, where: str) -> str:
        if ident not in self.directory.persons:
            raise self.wrong(f"{where}: {ident!r} is not a registered person")
        return ident

    def organ(self, ident: str, where: str) -> Obj:
        organ = self.directory.organs.get(ident)
        if organ is None:
            raise self.wrong(f"{where}: no organ {ident!r} in this ledger")
        return {"id": organ.id, "kind": organ.kind, "name": organ.name}

    def head_of(self, organ: str, day: str) -> list[str]:
        heads: list[str] = self.directory.holders_at(organ, ("head",), day)
        return heads

    # -- decisions ----------------------------------------------------------------------------

    def decision(self, statuses: tuple[str, ...] | None = None) -> Obj:
        decision = self.need("decision", self.stmt.subject)
        if statuses is not None and decision["status"] not in statuses:
            raise self.wrong(
                f"decision {decision['id']} is {decision['status']}; this needs it to be "
                f"{' or '.join(statuses)}"
            )
        return decision

    def drafting(self, decision: Obj) -> None:
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

    def draft(self, decision: Obj, doc: str, where: str = "body.draft") -> Obj:
        draft: Obj | None = decision["drafts"].get(doc)
        if draft is None:
            raise self.wrong(
                f"{where}: {doc[:12]}… is not a draft of decision {decision['id']} "
                "(record it with draft.versioned first)"
            )
        return draft

    def profile(self, decision: Obj) -> RuleProfile:
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


def _later(first: str, second: str) -> bool:
    """True if business time `second` is strictly before `first` (offset-aware)."""
    return parse_time(second, where="occurred_at") < parse_time(first, where="occurred_at")


# -- handlers: one per entry type, checks first, then changes ------------------------------------

Handler = Callable[[_Tx, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = handler
        return handler

    return register


@handles("ledger.genesis")
def _genesis(tx: _Tx, body: Obj) -> None:
    tx.new(
        *PROFILES,
        {
            "versions": [
                {
                    "name": body["rule_profile"],
                    "version": 1,
                    "effective_from": "0001-01-01",
                    "rules": {},
                    "seq": 0,
                }
            ],
        },
    )


@handles("rule_profile.versioned")
def _profile_versioned(tx: _Tx, body: Obj) -> None:
    profiles = tx.need(*PROFILES)
    names = [v["name"] for v in profiles["versions"]]
    newest = profiles["versions"][-1]
    if tx.stmt.subject in names:
        raise tx.wrong(f"rule profile {tx.stmt.subject} already exists; choose a new name")
    if body["version"] <= newest["version"]:
        raise tx.wrong(f"body.version: {body['version']} is not after version {newest['version']}")
    rules = body["rules"]
    for unit in ("legality_review_unit", "party_committee"):
        if rules.get(unit) is not None:
            tx.organ(rules[unit], f"body.rules.{unit}")
    profiles["versions"].append(
        {
            "name": tx.stmt.subject,
            "version": body["version"],
            "effective_from": body["effective_from"],
            "rules": rules,
            "seq": tx.seq,
        }
    )


# -- catalog --


def _check_items(tx: _Tx, items: list[Obj], existing: set[str]) -> None:
    seen = set(existing)
    for index, item in enumerate(items):
        if item["id"] in seen:
            raise tx.wrong(f"body.items.{index}.id: item {item['id']} appears twice")
        seen.add(item["id"])
        tx.organ(item["undertaking_unit"], f"body.items.{index}.undertaking_unit")


@handles("catalog.published")
def _catalog_published(tx: _Tx, body: Obj) -> None:
    tx.organ(body["organ"], "body.organ")
    _check_items(tx, body["items"], set())
    tx.new(
        "catalog",
        tx.stmt.subject,
        {
            "organ": body["organ"],
            "year": body["year"],
            "status": "published",
            "items": {item["id"]: item for item in body["items"]},
            "removed": {},
            "published_at": body["published_at"],
        },
    )


@handles("catalog.adjusted")
def _catalog_adjusted(tx: _Tx, body: Obj) -> None:
    catalog = tx.need("catalog", tx.stmt.subject)
    for index, item in enumerate(body.get("remove", [])):
        if item not in catalog["items"]:
            raise tx.wrong(f"body.remove.{index}: no item {item} in catalog {catalog['id']}")
    _check_items(tx, body.get("add", []), set(catalog["items"]) | set(catalog["removed"]))
    for item in body.get("remove", []):
        catalog["removed"][item] = {"seq": tx.seq, "reason": body["reason"]}
        del catalog["items"][item]
    for item in body.get("add", []):
        catalog["items"][item["id"]] = item


# -- proposal and initiation --


@handles("decision.proposed")
def _proposed(tx: _Tx, body: Obj) -> None:
    organ = tx.organ(body["organ"], "body.organ")
    if organ["kind"] not in DELIBERATIVE_KINDS:
        raise tx.wrong(
            f"body.organ: {organ['id']} is a {organ['kind']}, not a collective organ that "
            f"decides ({', '.join(DELIBERATIVE_KINDS)})"
        )
    scope, planned, hearing = body["scope"], None, False
    if (scope.get("catalog") is None) != (scope.get("item") is None):
        raise tx.wrong("body.scope: give both catalog and item, or neither")
    if scope.get("catalog") is not None:
        catalog = tx.need("catalog", scope["catalog"], write=False, where="body.scope.catalog")
        item = catalog["items"].get(scope["item"])
        if item is None:
            raise tx.wrong(f"body.scope.item: no item {scope['item']} in {catalog['id']}")
        planned = item["planned_decision_by"]
        hearing = item.get("hearing_required", False)
    if body["applicability"] == "excluded" and body.get("excluded_reason") is None:
        raise tx.wrong("body.excluded_reason: an excluded matter needs its Art. 3 ¶2 reason")
    confidentiality = body["confidentiality"]
    if confidentiality["level"] != "public" and confidentiality.get("legal_basis") is None:
        raise tx.wrong("body.confidentiality.legal_basis: non-disclosure needs a legal basis")
    for index, person in enumerate(body.get("personnel", [])):
        tx.person(person, f"body.personnel.{index}")
    for index, link in enumerate(body.get("links", [])):
        tx.need("decision", link["target"], write=False, where=f"body.links.{index}.target")
    name, version, _ = tx.procedure.profile(_profile_at(tx, tx.day))
    tx.new(
        "decision",
        tx.stmt.subject,
        {
            "title": body["title"],
            "organ": body["organ"],
            "year": int(tx.day[:4]),
            "status": "proposed",
            "profile": name,
            "profile_version": version,
            "scope": scope,
            "applicability": body["applicability"],
            "confidentiality": confidentiality["level"],
            "flags": body.get("flags", []),
            "item_class": body.get("item_class", "general"),
            "amount_fen": body.get("amount_fen"),
            "personnel": body.get("personnel", []),
            "links": body.get("links", []),
            "planned_by": planned,
            "hearing_required": hearing,
            "proposed_at": tx.at(),
            "proposed_seq": tx.seq,
            "proposal_doc": body.get("proposal_doc"),
            "unit": None,
            "drafts": {},
            "draft_order": [],
            "legal_basis_seq": None,
            "steps": {},
            "review": {"submitted": None, "opinions": [], "returns": []},
            "agenda": None,
            "deliberations": [],
            "decided": None,
            "party_report": None,
            "published": None,
            "execution": None,
            "evaluations": [],
            "archives": [],
            "exceptions": [],
            "corrections": [],
            "adjustment": None,
        },
    )
    tx.involve(tx.stmt.actor, tx.stmt.subject, "proposer")


def _profile_at(tx: _Tx, day: str) -> str | None:
    profiles = tx.procedure.get(*PROFILES)
    if profiles is None:
        return None
    chosen = None
    for version in profiles["versions"]:
        if version["effective_from"] <= day:
            chosen = version["name"]
    return chosen


@handles("decision.initiated")
def _initiated(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("proposed",))
    if body.get("meeting") is not None:
        tx.need("meeting", body["meeting"], write=False, where="body.meeting")
    decision["status"] = "initiated"
    decision["initiated_seq"] = tx.seq
    tx.involve(tx.stmt.actor, decision["id"], "initiator")


@handles("decision.not_initiated")
def _not_initiated(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("proposed",))
    decision["status"] = "closed"
    decision["closed"] = {"seq": tx.seq, "reason": body["reason"]}


@handles("undertaking_unit.assigned")
def _unit(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("initiated", *DRAFTING))
    for where, organ in [("body.lead", body["lead"])] + [
        (f"body.co_units.{i}", o) for i, o in enumerate(body.get("co_units", []))
    ]:
        tx.organ(organ, where)
    for role in ("leaders", "drafters"):
        for index, person in enumerate(body.get(role, [])):
            tx.person(person, f"body.{role}.{index}")
    decision["unit"] = {
        "lead": body["lead"],
        "co_units": body.get("co_units", []),
        "seq": tx.seq,
        "leaders": body["leaders"],
        "drafters": body.get("drafters", []),
    }
    if decision["status"] == "initiated":
        decision["status"] = "drafting"
    for person in body["leaders"]:
        tx.involve(person, decision["id"], "undertaking_leader", unit=body["lead"])
    for person in body.get("drafters", []):
        tx.involve(person, decision["id"], "drafter", unit=body["lead"])


# -- drafting --


@handles("draft.versioned")
def _draft(tx: _Tx, body: Obj) -> None:
    decision = tx.need("decision", tx.stmt.subject)
    editorial = body.get("editorial_of")
    if editorial is not None:
        decided = decision.get("decided")
        if decided is None or decided["draft"] != editorial:
            raise tx.wrong(
                "body.editorial_of: an editorial revision must be of the approved draft"
                + (f" ({decided['draft'][:12]}…)" if decided else "; nothing is approved yet")
            )
        if decided["outcome"] != "approve_with_editorial_changes":
            raise tx.wrong(
                "body.editorial_of: the decision was approved without editorial changes; "
                "a changed text needs a new deliberation"
            )
    else:
        tx.drafting(decision)
    if body["doc"] in decision["drafts"]:
        raise tx.wrong(
            f"body.doc: {body['doc'][:12]}… is already draft "
            f"v{decision['drafts'][body['doc']]['version']}"
        )
    newest = max((d["version"] for d in decision["drafts"].values()), default=0)
    if body["version"] <= newest:
        raise tx.wrong(f"body.version: {body['version']} is not after v{newest}")
    responds = body.get("responds_to_review")
    if responds is not None:
        opinion = _latest_opinion(decision, responds)
        if opinion is None or opinion["opinion"] != "lawful_subject_to_changes":
            raise tx.wrong(
                f"body.responds_to_review: draft {responds[:12]}… has no legality opinion "
                "asking for changes"
            )
    decision["drafts"][body["doc"]] = {
        "version": body["version"],
        "seq": tx.seq,
        "at": tx.at(),
        "responds_to_review": responds,
        "editorial_of": editorial,
    }
    decision["draft_order"].append(body["doc"])
    if editorial is None:
        if responds is not None and decision["status"] == "drafting":
            decision["status"] = "ready_for_deliberation"
        elif responds is None and decision["status"] == "ready_for_deliberation":
            decision["status"] = "drafting"
    tx.involve(tx.stmt.actor, decision["id"], "drafter", version=body["version"])


@handles("legal_basis.recorded")
def _legal_basis(tx: _Tx, body: Obj) -> None:
    decision = tx.decision()
    tx.drafting(decision)
    decision["legal_basis_seq"] = tx.seq
    decision["legal_basis_items"] = len(body["items"])


def required_steps(decision: Obj, profile: RuleProfile) -> dict[str, str]:
    """The steps a decision must complete or validly exempt, each with why it is required."""
    why: dict[str, str] = {}
    for step in profile.required_steps:
        why[step] = "rule profile"
    for flag in decision["flags"]:
        if flag in FLAG_STEPS:
            why.setdefault(FLAG_STEPS[flag], f"flag {flag}")
    if decision.get("hearing_required"):
        why.setdefault("hearing", "catalog item")
    for step, record in decision["steps"].items():
        if record.get("determination") == "required":
            why.setdefault(step, f"determined at seq {record['determined_seq']}")
    return why


@handles("step.determined")
def _step_determined(tx: _Tx, body: Obj) -> None:
    decision = tx.decision()
    tx.drafting(decision)
    step, determination = body["step"], body["determination"]
    if determination == "not_applicable":
        if body.get("reason") is None:
            raise tx.wrong("body.reason: a step that does not apply needs the reason")
        why = required_steps(decision, tx.profile(decision)).get(step)
        if why is not None and not why.startswith("determined"):
            raise tx.wrong(
                f"body.determination: {step} is required here ({why}); it can only be "
                "exempt, with a legal basis"
            )
    if determination == "exempt" and body.get("legal_basis") is None:
        raise tx.wrong("body.legal_basis: an exemption needs its legal basis")
    record = decision["steps"].setdefault(step, {})
    record.update(
        {
            "determination": determination,
            "determined_seq": tx.seq,
            "reason": body.get("reason"),
            "legal_basis": body.get("legal_basis"),
        }
    )


def _complete_step(tx: _Tx, decision: Obj, step: str, draft: str, **extra: Any) -> None:
    record = decision["steps"].setdefault(step, {})
    record.update({"completed_seq": tx.seq, "draft": draft, **extra})


@handles(*STEP_ENTRIES, "step.completed")
def _step(tx: _Tx, body: Obj) -> None:
    decision = tx.decision()
    tx.drafting(decision)
    tx.draft(decision, body["draft"])
    kind = tx.stmt.type
    step = body["step"] if kind == "step.completed" else STEP_ENTRIES[kind]
    profile = tx.profile(decision)
    extra: dict[str, Any] = {}
    if kind == "consultation.completed":
        for index, unit in enumerate(body["units"]):
            tx.organ(unit["organ"], f"body.units.{index}.organ")
        disagreeing = [u["organ"] for u in body["units"] if u["position"] == "disagree"]
        if disagreeing and not body.get("disputes"):
            raise tx.wrong(
                f"body.disputes: {', '.join(disagreeing)} disagree; Art. 13 requires the points "
                "of dispute, each side's view and the undertaking unit's reasons"
            )
        extra["disputes"] = len(body.get("disputes", []))
    elif kind == "public_comment.opened":
        days = days_between(body["published_at"], body["deadline"])
        if days < 0:
            raise tx.wrong("body.deadline: the deadline is before publication")
        if days < profile.comment_min_days:
            tx.soft(
                "G3",
                f"the comment period is {days} days, shorter than the "
                f"{profile.comment_min_days} the rule profile requires",
                decision,
                body.get("exceptions", {}),
            )
        extra["period_days"] = days
    elif kind == "public_participation.completed":
        for index, item in enumerate(body.get("dispositions", [])):
            if item["disposition"] != "adopted" and item.get("reason") is None:
                raise tx.wrong(
                    f"body.dispositions.{index}.reason: an opinion not (fully) adopted needs "
                    "the reason (Art. 18)"
                )
        extra["opinions"] = body["opinions_received"]
    elif kind == "hearing.held":
        days = days_between(body["materials_delivered_at"], body["held_at"])
        if days < 0:
            raise tx.wrong("body.materials_delivered_at: after the hearing was held")
        if days < profile.hearing_materials_min_days:
            tx.soft(
                "G4",
                f"hearing materials reached participants {days} days before the "
                f"hearing, fewer than {profile.hearing_materials_min_days}",
                decision,
                body.get("exceptions", {}),
            )
    elif kind == "expert_argumentation.completed":
        interested = [e["name"] for e in body["experts"] if not e["no_direct_interest"]]
        if interested:
            raise tx.wrong(
                f"body.experts: {', '.join(interested)} declared a direct interest; Art. 20 "
                "excludes them from the argumentation"
            )
        extra["experts"] = [
            {
                "name": e["name"],
                "institution": e.get("institution"),
                "dissenting_view": e.get("dissenting_view", False),
            }
            for e in body["experts"]
        ]
    elif kind == "risk_assessment.completed":
        extra["conclusion"] = body["conclusion"]
        extra["third_party"] = body.get("third_party")
        extra["complete_report"] = bool(
            body.get("already_assessed_ref")
            or (
                body.get("risk_points")
                and body.get("prevention_measures")
                and body.get("contingency_plan")
            )
        )
    elif kind == "fair_competition_review.completed":
        extra["conclusion"] = body["conclusion"]
    _complete_step(tx, decision, step, body["draft"], **extra)
    tx.involve(tx.stmt.actor, decision["id"], f"step:{step}")


# -- legality review --


def _latest_opinion(decision: Obj, draft: str) -> Obj | None:
    found = None
    for opinion in decision["review"]["opinions"]:
        if opinion["draft"] == draft:
            found = opinion
    return found


def eligible_drafts(decision: Obj) -> dict[str, Obj]:
    """G5: the drafts that may go on the agenda, each with the opinion that clears it."""
    cleared: dict[str, Obj] = {}
    for doc, draft in decision["drafts"].items():
        opinion = _latest_opinion(decision, doc)
        if opinion is not None and opinion["opinion"] in (
            "lawful",
            "exploratory_with_disclosed_legal_risk",
        ):
            cleared[doc] = opinion
        responds = draft.get("responds_to_review")
        if responds is not None:
            basis = _latest_opinion(decision, responds)
            if basis is not None and basis["opinion"] == "lawful_subject_to_changes":
                cleared[doc] = {**basis, "applied_at": draft["at"]}
    return cleared


def _reviewer(tx: _Tx, decision: Obj) -> None:
    unit = tx.profile(decision).legality_review_unit
    if unit is None:
        raise tx.wrong(
            "no legality-review unit is named in the rule profile; the registrar records "
            "rule_profile.versioned with rules.legality_review_unit"
        )
    if not tx.directory.roles_at(tx.stmt.actor, unit, tx.day):
        raise AuthorityError(
            f"{tx.stmt.type}: {tx.stmt.actor} is not a member of the legality-review unit "
            f"{unit} on {tx.day} (Art. 28: the opinion comes from that unit)",
            seq=tx.seq,
        )


@handles("legality_review.submitted")
def _review_submitted(tx: _Tx, body: Obj) -> None:
    decision = tx.decision()
    tx.drafting(decision)
    if decision["status"] == "under_legality_review":
        raise tx.wrong(
            f"draft {decision['review']['submitted']['draft'][:12]}… is already under review"
        )
    tx.draft(decision, body["draft"])
    steps = decision["steps"]
    missing = [
        f"{step} ({why})"
        for step, why in required_steps(decision, tx.profile(decision)).items()
        if "completed_seq" not in steps.get(step, {})
        and steps.get(step, {}).get("determination") not in ("exempt", "not_applicable")
    ]
    if missing:
        raise tx.gate("G2", f"required steps are not completed or exempted: {', '.join(missing)}")
    decision["status"] = "under_legality_review"
    decision["review"]["submitted"] = {"draft": body["draft"], "at": tx.at(), "seq": tx.seq}


@handles("legality_review.returned")
def _review_returned(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("under_legality_review",))
    _reviewer(tx, decision)
    _same_draft(tx, decision, body["draft"])
    decision["review"]["returns"].append({"seq": tx.seq, "reason": body["reason"]})
    decision["status"] = "drafting"
    tx.involve(tx.stmt.actor, decision["id"], "legality_reviewer", returned=True)


def _same_draft(tx: _Tx, decision: Obj, draft: str) -> None:
    submitted = decision["review"]["submitted"]["draft"]
    if draft != submitted:
        raise tx.wrong(
            f"body.draft: {draft[:12]}… is not the draft under review ({submitted[:12]}…); "
            "an opinion binds to the draft it reviewed"
        )


@handles("legality_review.opinion")
def _review_opinion(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("under_legality_review",))
    _reviewer(tx, decision)
    _same_draft(tx, decision, body["draft"])
    opinion, checks = body["opinion"], body["checks"]
    failed = [name for name in ("authority", "procedure", "content") if not checks[name]["ok"]]
    if opinion == "lawful" and failed:
        raise tx.wrong(f"body.opinion: lawful, but the {', '.join(failed)} check failed")
    if opinion == "unlawful" and not failed:
        raise tx.wrong("body.opinion: unlawful, but all three Art. 27 checks passed")
    if opinion == "lawful_subject_to_changes" and body.get("required_changes") is None:
        raise tx.wrong("body.required_changes: name the changes the draft needs")
    if opinion == "exploratory_with_disclosed_legal_risk":
        if "exploratory_reform" not in decision["flags"]:
            raise tx.wrong("body.opinion: only a decision flagged exploratory_reform qualifies")
        if body.get("risk_statement") is None:
            raise tx.wrong("body.risk_statement: Art. 25 requires the legal risks stated")
    profile = tx.profile(decision)
    submitted = decision["review"]["submitted"]
    days = profile.working_days(submitted["at"][:10], tx.day)
    if days < profile.legality_review_min_working_days:
        tx.soft(
            "G6",
            f"the legality review took {days} working days, fewer than "
            f"{profile.legality_review_min_working_days}",
            decision,
            body.get("exceptions", {}),
        )
    decision["review"]["opinions"].append(
        {
            "draft": body["draft"],
            "opinion": opinion,
            "seq": tx.seq,
            "at": tx.at(),
            "reviewer": tx.stmt.actor,
            "failed_checks": failed,
            "advisers": len(body.get("adviser_opinions", [])),
        }
    )
    decision["status"] = (
        "ready_for_deliberation"
        if opinion in ("lawful", "exploratory_with_disclosed_legal_risk")
        else "drafting"
    )
    tx.involve(tx.stmt.actor, decision["id"], "legality_reviewer", opinion=opinion)


# -- meetings --


def _meeting_clerk(tx: _Tx, meeting: Obj) -> None:
    if tx.stmt.actor not in (meeting["chair"], meeting["recorder"]):
        raise AuthorityError(
            f"{tx.stmt.type}: only the meeting's chair ({meeting['chair']}) or recorder "
            f"({meeting['recorder']}) records this, not {tx.stmt.actor}",
            seq=tx.seq,
        )


@handles("meeting.convened")
def _convened(tx: _Tx, body: Obj) -> None:
    organ = tx.organ(body["organ"], "body.organ")
    if body.get("form", "meeting") != "meeting":
        raise tx.gate(
            "G7",
            f"a collective decision cannot be taken by {body['form'].replace('_', ' ')}; "
            "it needs a meeting",
        )
    if organ["kind"] not in DELIBERATIVE_KINDS:
        raise tx.gate("G7", f"{organ['id']} is a {organ['kind']}, not an organ that deliberates")
    due = tx.directory.holders_at(organ["id"], VOTING_ROLES, tx.day)
    if not due:
        raise tx.wrong(f"body.organ: {organ['id']} has no members on {tx.day}")
    if body["chair"] not in due:
        raise tx.wrong(f"body.chair: {body['chair']} is not a member of {organ['id']} on {tx.day}")
    tx.person(body["recorder"], "body.recorder")
    if tx.stmt.actor not in (body["chair"], body["recorder"]):
        raise tx.wrong("the chair or the recorder records the meeting")
    tx.new(
        "meeting",
        tx.stmt.subject,
        {
            "organ": organ["id"],
            "kind": organ["kind"],
            "year": int(tx.day[:4]),
            "number": body["number"],
            "at": tx.at(),
            "chair": body["chair"],
            "recorder": body["recorder"],
            "due": due,
            "present": None,
            "absent": [],
            "non_voting": [],
            "minutes": None,
            "confirmations": [],
            "items": [],
            "status": "convened",
        },
    )
    tx.involve(body["chair"], tx.stmt.subject, "chair")
    tx.involve(body["recorder"], tx.stmt.subject, "recorder")


@handles("attendance.recorded")
def _attendance(tx: _Tx, body: Obj) -> None:
    meeting = tx.need("meeting", tx.stmt.subject)
    _meeting_clerk(tx, meeting)
    if meeting["present"] is not None:
        raise tx.wrong(f"attendance of {meeting['id']} is already recorded")
    present = body["present"]
    absent = [a["person"] for a in body.get("absent", [])]
    listed = present + absent
    for index, person in enumerate(listed):
        if person not in meeting["due"]:
            raise tx.wrong(
                f"{person} is not a member due at this meeting (members: "
                f"{', '.join(meeting['due'])}); list others as non_voting"
            )
        if listed.index(person) != index:
            raise tx.wrong(f"{person} is listed twice")
    missing = [p for p in meeting["due"] if p not in listed]
    if missing:
        raise tx.wrong(f"every member due is present or absent; missing: {', '.join(missing)}")
    for index, person in enumerate(body.get("non_voting", [])):
        tx.person(person, f"body.non_voting.{index}")
    meeting["present"], meeting["absent"] = present, body.get("absent", [])
    meeting["non_voting"] = body.get("non_voting", [])
    for person in present:
        tx.involve(person, meeting["id"], "present")


@handles("minutes.finalized")
def _minutes(tx: _Tx, body: Obj) -> None:
    meeting = tx.need("meeting", tx.stmt.subject)
    _meeting_clerk(tx, meeting)
    if meeting["minutes"] is not None:
        raise tx.wrong("the minutes are final already; change them with entry.corrected")
    meeting["minutes"] = {"doc": body["doc"], "number": body["number"], "seq": tx.seq}
    meeting["status"] = "minuted"


@handles("minutes.confirmed")
def _minutes_confirmed(tx: _Tx, body: Obj) -> None:
    meeting = tx.need("meeting", tx.stmt.subject)
    if meeting["minutes"] is None or meeting["minutes"]["doc"] != body["doc"]:
        raise tx.wrong("body.doc: these are not the final minutes of the meeting")
    if tx.stmt.actor not in (meeting["present"] or []) + [meeting["chair"]]:
        raise tx.wrong(f"{tx.stmt.actor} was not at the meeting")
    meeting["confirmations"].append({"person": tx.stmt.actor, "seq": tx.seq})


# -- the agenda item --


def _rule(tx: _Tx, decision: Obj, meeting: Obj) -> str:
    if decision["item_class"] == "cadre":
        return "cadre"
    return tx.profile(decision).decision_rules.get(meeting["kind"], "head_decides_after_discussion")


@handles("agenda_item.opened")
def _agenda(tx: _Tx, body: Obj) -> None:
    decision = tx.decision()
    meeting = tx.need("meeting", body["meeting"], where="body.meeting")
    if meeting["organ"] != decision["organ"]:
        raise tx.gate(
            "G7",
            f"decision {decision['id']} is for {decision['organ']} to decide; "
            f"{meeting['id']} is a meeting of {meeting['organ']}",
        )
    if meeting["present"] is None:
        raise tx.wrong(f"record the attendance of {meeting['id']} first")
    if decision["agenda"] is not None:
        before = decision["agenda"]["meeting"]
        raise tx.wrong(f"decision {decision['id']} is already before {before}")
    tx.draft(decision, body["draft"])
    cleared = eligible_drafts(decision).get(body["draft"])
    if decision["status"] not in DRAFTING:
        raise tx.wrong(
            f"decision {decision['id']} is {decision['status']}; it cannot go on an agenda"
        )
    if cleared is None:
        latest = _latest_opinion(decision, body["draft"])
        state = (
            "has no legality opinion"
            if latest is None
            else f"has a legality opinion of {latest['opinion']} (seq {latest['seq']}), "
            "not a lawful one"
        )
        raise tx.gate("G5", f"draft {body['draft'][:12]}… {state}, so it cannot go on the agenda")
    cleared_at = str(cleared.get("applied_at", cleared["at"]))
    if _later(cleared_at, meeting["at"]):
        raise tx.gate(
            "G5",
            f"meeting {meeting['id']} ({meeting['at']}) is before the legality opinion "
            f"it depends on (seq {cleared['seq']}, {cleared_at})",
        )
    tx.person(body["presenter"], "body.presenter")
    decision["agenda"] = {
        "meeting": meeting["id"],
        "item": body["item"],
        "draft": body["draft"],
        "seq": tx.seq,
        "rule": _rule(tx, decision, meeting),
        "recusals": {},
        "positions": {},
        "last_order": 0,
        "head_spoke": None,
        "vote": None,
    }
    decision["status"] = "under_deliberation"
    meeting["items"].append({"decision": decision["id"], "item": body["item"], "seq": tx.seq})


def _open_item(tx: _Tx, body: Obj) -> tuple[Obj, Obj, Obj]:
    decision = tx.decision(("under_deliberation",))
    agenda = decision["agenda"]
    if agenda["meeting"] != body["meeting"]:
        raise tx.wrong(
            f"body.meeting: decision {decision['id']} is before {agenda['meeting']}, "
            f"not {body['meeting']}"
        )
    meeting = tx.need("meeting", body["meeting"], where="body.meeting")
    return decision, agenda, meeting


def _is_head(tx: _Tx, meeting: Obj, person: str) -> bool:
    return "head" in tx.directory.roles_at(person, meeting["organ"], meeting["at"][:10])


@handles("recusal.declared")
def _recusal(tx: _Tx, body: Obj) -> None:
    decision, agenda, meeting = _open_item(tx, body)
    person = body["person"]
    if person not in meeting["present"]:
        raise tx.wrong(f"body.person: {person} is not present at {meeting['id']}")
    if person in agenda["positions"]:
        raise tx.wrong(f"body.person: {person} has already stated a position on this item")
    if body["declared_by"] == "self" and tx.stmt.actor not in (person, meeting["recorder"]):
        raise tx.wrong("a recusal declared by the member is recorded by them or the recorder")
    agenda["recusals"][person] = {"seq": tx.seq, "reason": body["reason"]}
    tx.involve(person, decision["id"], "recused", meeting=meeting["id"], reason=body["reason"])


def _voting(agenda: Obj, meeting: Obj) -> list[str]:
    """Present members who are not recused: they count for quorum and must state positions."""
    return [p for p in meeting["present"] if p not in agenda["recusals"]]


@handles("position.stated")
def _position(tx: _Tx, body: Obj) -> None:
    decision, agenda, meeting = _open_item(tx, body)
    person, stance = body["person"], body["stance"]
    if tx.stmt.actor not in (person, meeting["recorder"]):
        raise AuthorityError(
            f"{tx.stmt.type}: a position is signed by the member ({person}) or recorded by "
            f"the meeting's recorder ({meeting['recorder']}), not by {tx.stmt.actor}",
            seq=tx.seq,
        )
    if person in agenda["recusals"]:
        raise tx.wrong(
            f"body.person: {person} recused from this item "
            f"(seq {agenda['recusals'][person]['seq']})"
        )
    written = body.get("written_opinion_doc") is not None
    if person not in meeting["present"]:
        if person not in meeting["due"]:
            raise tx.wrong(f"body.person: {person} is not a member due at {meeting['id']}")
        if not written:
            raise tx.wrong(
                f"body.person: {person} is absent from {meeting['id']}; an absent member's "
                "view is recorded only as a written opinion (written_opinion_doc)"
            )
    if person in agenda["positions"]:
        raise tx.wrong(
            f"body.person: {person} has already stated a position "
            f"(seq {agenda['positions'][person]['seq']})"
        )
    if stance in NEEDS_REASON and body.get("reason") is None:
        raise tx.wrong(f"body.reason: a {stance} position needs its reason (Art. 30)")
    if stance == "abstain" and agenda["rule"] == "head_decides_after_discussion":
        raise tx.wrong("body.stance: abstain applies only where the organ votes")
    if body["order"] <= agenda["last_order"]:
        raise tx.wrong(
            f"body.order: {body['order']} is not after the last speaker ({agenda['last_order']})"
        )
    head = _is_head(tx, meeting, person)
    if agenda["head_spoke"] is not None and not written:
        raise tx.gate(
            "G9",
            f"the head spoke at order {agenda['head_spoke']}; the head speaks "
            f"last, so {person} cannot speak after",
        )
    if head:
        waiting = [
            p for p in _voting(agenda, meeting) if p != person and p not in agenda["positions"]
        ]
        if waiting:
            raise tx.gate("G9", f"the head speaks last; still to speak: {', '.join(waiting)}")
        agenda["head_spoke"] = body["order"]
    agenda["last_order"] = body["order"]
    agenda["positions"][person] = {
        "order": body["order"],
        "stance": stance,
        "reason": body.get("reason"),
        "seq": tx.seq,
        "by": tx.stmt.actor,
        "confirmed_seq": tx.seq if tx.stmt.actor == person else None,
        "written": written,
        "head": head,
    }
    tx.involve(
        person,
        decision["id"],
        "member_position",
        meeting=meeting["id"],
        stance=stance,
        reason=body.get("reason"),
        recorded_by=tx.stmt.actor,
    )


@handles("position.confirmed")
def _position_confirmed(tx: _Tx, body: Obj) -> None:
    decision = tx.decision()
    person = body["person"]
    if tx.stmt.actor != person:
        raise AuthorityError(
            f"{tx.stmt.type}: only {person} confirms their own position", seq=tx.seq
        )
    for record in [decision["agenda"], *decision["deliberations"]]:
        if record is None or record["meeting"] != body["meeting"]:
            continue
        position = record["positions"].get(person)
        if position is None or position["seq"] != body["position_seq"]:
            break
        if position["confirmed_seq"] is not None:
            raise tx.wrong(
                f"the position at seq {position['seq']} is already confirmed "
                f"(seq {position['confirmed_seq']})"
            )
        position["confirmed_seq"] = tx.seq
        tx.involve(person, decision["id"], "confirmed_position", position_seq=position["seq"])
        return
    raise tx.wrong(
        f"body.position_seq: seq {body['position_seq']} is not {person}'s position at "
        f"{body['meeting']} on decision {decision['id']}"
    )


def _quorum(tx: _Tx, decision: Obj, agenda: Obj, meeting: Obj) -> None:
    profile = tx.profile(decision)
    due = [p for p in meeting["due"] if p not in agenda["recusals"]]
    present = _voting(agenda, meeting)
    threshold = profile.cadre_quorum if agenda["rule"] == "cadre" else profile.quorum
    if not threshold.met(len(present), len(due)):
        raise tx.gate(
            "G8",
            f"{len(present)} of {len(due)} members due are present after "
            f"recusals; the quorum is {threshold.describe()}",
        )


def _all_spoke(tx: _Tx, agenda: Obj, meeting: Obj, *, except_head: bool) -> None:
    waiting = [
        p
        for p in _voting(agenda, meeting)
        if p not in agenda["positions"] and not (except_head and _is_head(tx, meeting, p))
    ]
    if waiting:
        raise tx.gate("G9", f"no position recorded yet for {', '.join(waiting)}")


def _decide(tx: _Tx, decision: Obj, agenda: Obj, outcome: str, **detail: Any) -> None:
    agenda["outcome"] = {"outcome": outcome, "seq": tx.seq, **detail}
    decision["deliberations"].append(agenda)
    decision["agenda"] = None
    if outcome in ("approve", "approve_with_editorial_changes", "passed"):
        decision["status"] = "awaiting_issue"
        decision["decided"] = {
            "outcome": outcome,
            "seq": tx.seq,
            "at": tx.at(),
            "draft": agenda["draft"],
            "meeting": agenda["meeting"],
        }
    elif outcome in ("reject", "failed"):
        decision["status"] = "closed"
    elif outcome == "approve_pending_substantive_changes":
        decision["status"] = "drafting"
    else:
        decision["status"] = "ready_for_deliberation"


@handles("vote.taken")
def _vote(tx: _Tx, body: Obj) -> None:
    decision, agenda, meeting = _open_item(tx, body)
    _meeting_clerk(tx, meeting)
    if agenda["rule"] == "head_decides_after_discussion":
        raise tx.wrong(
            f"{meeting['organ']} decides by the head after discussion (Art. 30); "
            "record head_decision.made"
        )
    _quorum(tx, decision, agenda, meeting)
    _all_spoke(tx, agenda, meeting, except_head=False)
    voters = _voting(agenda, meeting)
    counts, named = body["counts"], body.get("named", [])
    for index, vote in enumerate(named):
        if vote["person"] in agenda["recusals"]:
            raise tx.wrong(
                f"body.named.{index}: {vote['person']} recused from this item and cannot vote"
            )
        if vote["person"] not in voters:
            raise tx.wrong(f"body.named.{index}: {vote['person']} is not present")
    if body["method"] == "secret_ballot" and named:
        raise tx.wrong("body.named: a secret ballot records counts only")
    if named:
        tally = {k: sum(1 for v in named if v["vote"] == k) for k in ("yes", "no", "abstain")}
        if any(tally[k] != counts.get(k, 0) for k in tally):
            raise tx.wrong(f"body.counts: the named votes add up to {tally}")
    cast = counts["yes"] + counts["no"] + counts.get("abstain", 0) + counts.get("invalid", 0)
    if cast > len(voters):
        raise tx.wrong(f"body.counts: {cast} votes from {len(voters)} members entitled to vote")
    profile = tx.profile(decision)
    due = len([p for p in meeting["due"] if p not in agenda["recusals"]])
    rule = agenda["rule"]
    if rule in ("cadre", "majority_of_members_due"):
        threshold, base, label = profile.cadre_pass, due, "members due"
    elif rule == "two_thirds_of_members_due":
        threshold, base, label = (
            type(profile.cadre_pass)(share="2/3", more_than=False),
            due,
            "members due",
        )
    else:
        threshold, base, label = profile.quorum, len(voters), "members present"
    passes = threshold.met(counts["yes"], base)
    if body["result"] == "passed" and not passes:
        raise tx.gate(
            "G11",
            f"{counts['yes']} yes of {base} {label} is not "
            f"{threshold.describe()}; the item does not pass",
        )
    if body["result"] == "failed" and passes:
        raise tx.wrong(f"body.result: {counts['yes']} yes of {base} {label} passes")
    for vote in named:
        tx.involve(
            vote["person"], decision["id"], "voter", meeting=meeting["id"], vote=vote["vote"]
        )
    _decide(tx, decision, agenda, body["result"], counts=counts, method=body["method"])


def majority_view(agenda: Obj) -> str | None:
    """`approve` or `not_approve` when more than half of the members' positions lean one way
    (the head's own position not counted); None when they split evenly."""
    stances = [p["stance"] for p in agenda["positions"].values() if not p["head"]]
    if not stances:
        return None
    yes = sum(1 for s in stances if s in AGREEING)
    no = sum(1 for s in stances if s in ("disagree", "defer"))
    if 2 * yes > len(stances):
        return "approve"
    if 2 * no > len(stances):
        return "not_approve"
    return None


@handles("head_decision.made")
def _head_decision(tx: _Tx, body: Obj) -> None:
    decision, agenda, meeting = _open_item(tx, body)
    if agenda["rule"] != "head_decides_after_discussion":
        raise tx.wrong(f"this item is decided by a vote ({agenda['rule']}); record vote.taken")
    if not _is_head(tx, meeting, tx.stmt.actor):
        raise AuthorityError(
            f"{tx.stmt.type}: {tx.stmt.actor} is not the head of {meeting['organ']} on "
            f"{meeting['at'][:10]}; the head decides (Art. 30)",
            seq=tx.seq,
        )
    _quorum(tx, decision, agenda, meeting)
    _all_spoke(tx, agenda, meeting, except_head=True)
    outcome = body["outcome"]
    majority = majority_view(agenda)
    side = "approve" if outcome in APPROVING else "not_approve"
    diverges = majority is not None and majority != side
    if diverges and body.get("divergence_reason") is None:
        view = str(majority).replace("_", " ")
        raise tx.gate(
            "G10",
            f"the majority of members' positions is to {view}"
            f" but the head decides {outcome}; record divergence_reason",
        )
    tx.involve(
        tx.stmt.actor,
        decision["id"],
        "head_decision",
        meeting=meeting["id"],
        outcome=outcome,
        diverges=diverges,
        divergence_reason=body.get("divergence_reason"),
    )
    _decide(
        tx,
        decision,
        agenda,
        outcome,
        diverges=diverges,
        divergence_reason=body.get("divergence_reason"),
        head=tx.stmt.actor,
    )


# -- issue, execution, evaluation, adjustment, archive --


@handles("party_committee.reported")
def _party(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    tx.organ(body["to"], "body.to")
    decision["party_report"] = {"seq": tx.seq, "to": body["to"], "at": body["reported_at"]}


def _issue_gate(tx: _Tx, decision: Obj) -> None:
    if tx.profile(decision).party_report_required and decision["party_report"] is None:
        raise tx.gate(
            "G12",
            f"decision {decision['id']} has not been reported to the Party "
            "committee (record party_committee.reported first)",
        )


@handles("decision.published")
def _published(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    _issue_gate(tx, decision)
    approved = decision["decided"]["draft"]
    doc = body["published_doc"]
    editorial = decision["drafts"].get(doc, {}).get("editorial_of") == approved
    if doc != approved and not editorial:
        raise tx.gate(
            "G13",
            f"the published document {doc[:12]}… is not the approved draft "
            f"{approved[:12]}… nor an editorial revision of it",
        )
    decision["published"] = {
        "seq": tx.seq,
        "at": body["published_at"],
        "doc": doc,
        "adoption_explanation": body.get("adoption_explanation_doc"),
    }
    decision["status"] = "published"


@handles("decision.not_published")
def _not_published(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    _issue_gate(tx, decision)
    decision["published"] = {"seq": tx.seq, "not_published_basis": body["legal_basis"]}
    decision["status"] = "not_published"


@handles("execution.assigned")
def _execution(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(AFTER_ISSUE)
    for index, unit in enumerate(body["units"]):
        tx.organ(unit, f"body.units.{index}")
    decision["execution"] = {"seq": tx.seq, "units": body["units"], "reports": [], "issues": []}
    if decision["status"] in ("published", "not_published"):
        decision["status"] = "in_execution"


@handles("execution.reported", "execution.issue_reported", "public_feedback.received")
def _execution_event(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("in_execution", "suspended"))
    if tx.stmt.type == "execution.reported":
        decision["execution"]["reports"].append({"seq": tx.seq, "status": body["status"]})
        tx.involve(tx.stmt.actor, decision["id"], "execution_reporter", period=body["period"])
    else:
        decision["execution"]["issues"].append({"seq": tx.seq, "type": tx.stmt.type})


@handles("post_evaluation.started")
def _evaluation(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("in_execution", "suspended", "completed"))
    unit = body.get("evaluator_unit")
    prior_units = set()
    if decision["unit"] is not None:
        prior_units = {decision["unit"]["lead"], *decision["unit"]["co_units"]}
    if unit is not None:
        tx.organ(unit, "body.evaluator_unit")
        if unit in prior_units:
            raise tx.gate(
                "G14",
                f"{unit} was the undertaking unit of this decision; it cannot "
                "evaluate its own argumentation",
            )
    prior_names: set[str] = set()
    for step in decision["steps"].values():
        prior_names.update(e["institution"] for e in step.get("experts", []) if e["institution"])
        prior_names.update(e["name"] for e in step.get("experts", []))
        if step.get("third_party"):
            prior_names.add(step["third_party"])
    if body["evaluator"] in prior_names:
        raise tx.gate(
            "G14",
            f"{body['evaluator']} did the pre-decision argumentation or "
            "assessment of this decision",
        )
    decision["evaluations"].append(
        {
            "seq": tx.seq,
            "evaluator": body["evaluator"],
            "trigger": body["trigger"],
            "concluded": None,
        }
    )
    tx.involve(tx.stmt.actor, decision["id"], "evaluation_commissioner")


@handles("post_evaluation.concluded")
def _evaluation_concluded(tx: _Tx, body: Obj) -> None:
    decision = tx.decision()
    open_ = [e for e in decision["evaluations"] if e["concluded"] is None]
    if not open_:
        raise tx.wrong("no post-evaluation of this decision is open")
    open_[-1]["concluded"] = {"seq": tx.seq, "recommendation": body["recommendation"]}
    tx.involve(tx.stmt.actor, decision["id"], "evaluator", recommendation=body["recommendation"])


@handles("decision.suspended")
def _suspended(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("in_execution", "published", "not_published"))
    heads = tx.head_of(decision["organ"], tx.day)
    if tx.stmt.actor not in heads:
        raise AuthorityError(
            f"{tx.stmt.type}: only the head of {decision['organ']} suspends execution (Art. 37)",
            seq=tx.seq,
        )
    issues = {i["seq"] for i in (decision["execution"] or {}).get("issues", [])}
    bad = [s for s in body["grounds"] if s not in issues]
    if bad:
        raise tx.gate(
            "G15",
            f"grounds seq {bad[0]} is not an execution issue or public "
            f"feedback of decision {decision['id']} (Art. 35)",
        )
    decision["status"] = "suspended"
    decision["suspension"] = {"seq": tx.seq, "reason": body["reason"]}
    tx.involve(tx.stmt.actor, decision["id"], "head_suspension")


def _successor(tx: _Tx, ident: str, where: str) -> Obj:
    successor = tx.need("decision", ident, write=False, where=where)
    if successor["id"] == tx.stmt.subject:
        raise tx.wrong(f"{where}: a decision cannot replace itself")
    if successor["decided"] is None:
        raise tx.gate(
            "G15",
            f"the new decision {ident} has not passed its own procedure "
            f"(it is {successor['status']}); it must be decided first",
        )
    return successor


@handles("decision.adjusted")
def _adjusted(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(DECIDED[:6])
    _successor(tx, body["new_decision"], "body.new_decision")
    decision["adjustment"] = {"seq": tx.seq, "kind": body["kind"], "by": body["new_decision"]}
    decision["status"] = "adjusted" if body["kind"] == "modify" else "stopped"


@handles("decision.superseded")
def _superseded(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(DECIDED[:6])
    _successor(tx, body["by"], "body.by")
    decision["adjustment"] = {"seq": tx.seq, "kind": "supersede", "by": body["by"]}
    decision["status"] = "superseded"


@handles("decision.completed")
def _completed(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(("in_execution",))
    decision["status"] = "completed"
    decision["completed_seq"] = tx.seq


@handles("archive.filed")
def _archived(tx: _Tx, body: Obj) -> None:
    decision = tx.decision(DECIDED + ("closed",))
    reference = (decision["decided"] or {}).get("at", tx.at())[:10]
    days = days_between(reference, body["archived_at"])
    limit = tx.profile(decision).archive_deadline_days
    if days > limit:
        tx.soft(
            "G16",
            f"archived {days} days after the decision, later than {limit}",
            decision,
            body.get("exceptions", {}),
        )
    decision["archives"].append(
        {"seq": tx.seq, "no": body["archive_no"], "complete": body["complete"], "days": days}
    )


@handles("archive.transferred")
def _transferred(tx: _Tx, body: Obj) -> None:
    decision = tx.decision()
    if not decision["archives"]:
        raise tx.wrong("nothing of this decision is archived yet")
    decision["archives"][-1]["transferred"] = {"seq": tx.seq, "to": body["to"]}


# -- accountability and normative documents --


@handles("accountability.case_opened")
def _case(tx: _Tx, body: Obj) -> None:
    for index, ident in enumerate(body["decisions"]):
        tx.need("decision", ident, write=False, where=f"body.decisions.{index}")
    for index, person in enumerate(body["subjects"]):
        tx.person(person, f"body.subjects.{index}")
    tx.new(
        "case",
        tx.stmt.subject,
        {
            "kind": body["kind"],
            "decisions": body["decisions"],
            "subjects": body["subjects"],
            "status": "open",
            "year": int(tx.day[:4]),
            "opened_by": body["opened_by"],
        },
    )
    for person in body["subjects"]:
        tx.involve(person, tx.stmt.subject, "case_subject")


@handles("accountability.case_closed")
def _case_closed(tx: _Tx, body: Obj) -> None:
    case = tx.need("case", tx.stmt.subject)
    if case["status"] != "open":
        raise tx.wrong(f"case {case['id']} is already closed")
    for index, finding in enumerate(body.get("findings", [])):
        if finding["person"] not in case["subjects"]:
            raise tx.wrong(f"body.findings.{index}.person: not a subject of the case")
    case["status"] = "closed"
    case["closed_seq"] = tx.seq


@handles("normative_doc.registered")
def _doc_registered(tx: _Tx, body: Obj) -> None:
    tx.organ(body["drafting_unit"], "body.drafting_unit")
    if body.get("decision") is not None:
        tx.need("decision", body["decision"], write=False, where="body.decision")
    deadline = tx.procedure.profile(_profile_at(tx, tx.day))[2].filing_deadline_days
    tx.new(
        "normative_doc",
        tx.stmt.subject,
        {
            "title": body["title"],
            "doc_no": body["doc_no"],
            "year": int(body["published_at"][:4]),
            "organ": body["drafting_unit"],
            "published_at": body["published_at"],
            "reviewed_before_issue": body["legality_reviewed_at"] <= body["published_at"],
            "decision": body.get("decision"),
            "deadline_days": deadline,
            "status": "issued",
            "filed": None,
            "outcome": None,
        },
    )


@handles("normative_doc.filed")
def _doc_filed(tx: _Tx, body: Obj) -> None:
    doc = tx.need("normative_doc", tx.stmt.subject)
    if doc["filed"] is not None and doc["outcome"] != "deferred_for_supplement":
        raise tx.wrong(f"{doc['id']} is already filed (seq {doc['filed']['seq']})")
    days = days_between(doc["published_at"], body["filed_at"])
    if doc["filed"] is None:
        doc["filed"] = {
            "seq": tx.seq,
            "at": body["filed_at"],
            "days": days,
            "on_time": days <= doc["deadline_days"],
        }
    doc["status"], doc["outcome"] = "filed", None


@handles("normative_doc.filing_outcome")
def _doc_outcome(tx: _Tx, body: Obj) -> None:
    doc = tx.need("normative_doc", tx.stmt.subject)
    if doc["filed"] is None:
        raise tx.wrong(f"{doc['id']} has not been filed")
    doc["outcome"] = body["outcome"]
    doc["review_result"] = body.get("review_result")
    doc["status"] = body["outcome"]


@handles("entry.corrected")
def _corrected(tx: _Tx, body: Obj) -> None:
    if body["corrects"] >= tx.seq:
        raise tx.wrong(f"body.corrects: seq {body['corrects']} is not an earlier entry")
    for kind in ("decision", "meeting", "normative_doc", "case", "catalog"):
        target = tx.get(kind, tx.stmt.subject)
        if target is not None:
            target.setdefault("corrections", []).append(
                {"seq": tx.seq, "corrects": body["corrects"], "reason": body["reason"]}
            )
            return


__all__ = ["HANDLERS", "Procedure", "eligible_drafts", "majority_view", "required_steps"]
