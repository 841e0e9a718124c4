"""Recording, as a person does it in a form: what comes next for a decision, the values a form
starts with, what the ledger would refuse and why (before anyone signs), the entry signed and
appended, documents attached from files.

`preflight` runs the very checks an append runs (schema, key, authority, every gate) against the
ledger's head without signing or writing anything, so a screen can say what would be refused
before anyone types a passphrase; when the head has not moved by the time the entry is signed,
the append takes the preflight's result instead of running the gates again. Every function may
block (database, scrypt, signatures): the terminal UI calls them from worker threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ledger.app.decisions import find_decision, list_decisions, profile_of
from ledger.app.forms import form, forms
from ledger.app.ledger import Ledger
from ledger.app.meeting import agenda_values, meetings, next_meeting_id
from ledger.procedure.after import npc_report_due
from ledger.procedure.drafting import required_steps
from ledger.procedure.meeting import art29_materials
from ledger.procedure.model import Decision
from ledger.procedure.profile import RuleProfile
from ledger.procedure.state import STEP_ENTRIES

Obj = dict[str, Any]


@dataclass(frozen=True)
class Choices:
    """What the forms' pickers offer: people, organs, decisions (id, label)."""

    persons: list[tuple[str, str]]
    organs: list[tuple[str, str]]
    decisions: list[tuple[str, str, str]]  # id, title, status


def choices(ledger: Ledger) -> Choices:
    """People, organs and decisions, by id (a few hundred rows at most, read once a form)."""
    directory = ledger.store.directory()
    found = list_decisions(ledger)
    return Choices(
        persons=sorted((p.id, p.name) for p in directory.persons.values()),
        organs=sorted((o.id, o.name) for o in directory.organs.values()),
        decisions=sorted(((d.id, d.title, d.status) for d in found), reverse=True),
    )


# -- what comes next, and what a form can fill in -------------------------------------------------


# The entry types that move a decision on from each status, the likeliest first.
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "proposed": ("decision.initiated", "decision.not_initiated"),
    "initiated": ("undertaking_unit.assigned",),
    "drafting": (
        "draft.versioned",
        "legal_basis.recorded",
        "step.determined",
        *STEP_ENTRIES,
        "step.completed",
        "legality_review.submitted",
    ),
    "under_legality_review": ("legality_review.opinion", "legality_review.returned"),
    "ready_for_deliberation": ("agenda_item.opened", "draft.versioned"),
    "under_deliberation": (
        "position.stated",
        "recusal.declared",
        "head_decision.made",
        "vote.taken",
    ),
    "awaiting_issue": (
        "party_committee.reported",
        "party_committee.answered",
        "npc.reported",
        "decision.published",
        "decision.not_published",
        "draft.versioned",
    ),
    "published": ("execution.assigned", "archive.filed"),
    "not_published": ("execution.assigned", "archive.filed"),
    "in_execution": (
        "execution.reported",
        "execution.issue_reported",
        "public_feedback.received",
        "post_evaluation.started",
        "decision.completed",
        "decision.suspended",
        "archive.filed",
    ),
    "suspended": ("execution.reported", "decision.adjusted", "decision.superseded"),
    "completed": ("post_evaluation.started", "archive.filed"),
    "closed": ("archive.filed",),
}


def next_steps(ledger: Ledger, ident: str | None) -> list[str]:
    """The entry types that can move the decision `ident` on, the one due next first; for no
    decision (or one not recorded yet), a new proposal. While drafting, the next is the first
    thing still missing: a draft, the legal basis, a required step, then the submission for
    legality review."""
    decision = None if ident is None else find_decision(ledger, ident)
    if decision is None:
        return ["decision.proposed"]
    steps = list(NEXT_STEPS.get(decision["status"], ()))
    if decision["status"] == "drafting":
        due = _due_in_drafting(decision, profile_of(ledger, decision["profile"]))
        steps.remove(due)
        steps.insert(0, due)
    if decision["status"] == "awaiting_issue":
        due = _due_before_issue(decision, profile_of(ledger, decision["profile"]))
        steps.remove(due)
        steps.insert(0, due)
    return steps


def _due_before_issue(decision: Decision, profile: RuleProfile) -> str:
    """What an issue still waits for: the Party report, then (edition 2) its answer and the
    report to the people's congress where it is due, then the issue itself. Edition 1 lists the
    Party report first throughout."""
    if profile.edition < 2 or decision["party_report"] is None:
        return "party_committee.reported"
    if profile.party_report_required and "party_answer" not in decision:
        return "party_committee.answered"
    if npc_report_due(decision) and "npc_report" not in decision:
        return "npc.reported"
    return "decision.published"


def _due_in_drafting(decision: Decision, profile: RuleProfile) -> str:
    if not decision["draft_order"]:
        return "draft.versioned"
    if decision["legal_basis_seq"] is None:
        return "legal_basis.recorded"
    entries = {step: kind for kind, step in STEP_ENTRIES.items()}
    done = decision["steps"]
    for step in required_steps(decision, profile):
        record = done.get(step, {})
        if "completed_seq" in record or record.get("determination") in (
            "exempt",
            "not_applicable",
        ):
            continue
        if step == "public_participation" and "public_comment" not in done:
            return "public_comment.opened"
        return entries.get(step, "step.completed")
    return "legality_review.submitted"


def steps(ledger: Ledger, ident: str | None) -> list[str]:
    """Every entry type a form can record with the decision `ident` picked (None: a new one):
    the steps that move it on first (the due one first), then its other steps, then the types
    whose subject is not a decision (catalogs, meetings, normative documents, cases…)."""
    due = next_steps(ledger, ident)
    own = [f.type for f in forms() if f.subject in ("decision", "seq")] if ident else []
    other = [f.type for f in forms() if f.subject not in ("decision", "seq")]
    return list(dict.fromkeys([*due, *(k for k in own if k != "decision.proposed"), *other]))


def subject_for(ledger: Ledger, entry_type: str, ident: str | None) -> str:
    """The subject a type's form starts with when its subject is not the decision: for a
    meeting, a new meeting's next free id (convening) or the decision's (else the newest)
    meeting; for the others, nothing (the recorder names the catalog, document or case)."""
    kind = form(entry_type).subject
    if kind == "seq" and ident is not None:
        return ident
    if kind != "meeting":
        return ""
    if entry_type == "meeting.convened":
        return next_meeting_id(ledger)
    state = None if ident is None else find_decision(ledger, ident)
    if state is not None:
        if (agenda := state.get("agenda")) is not None:
            return agenda["meeting"]
        if state.get("deliberations"):
            return str(state["deliberations"][-1]["meeting"])
    newest = meetings(ledger)
    return newest[0]["id"] if newest else ""


def start(ledger: Ledger, entry_type: str, subject: str | None) -> Obj:
    """The values the form of `entry_type` starts with (raw, as typed): what the ledger
    already says, so the recorder only types what is new (whoever is unlocked, today). Nothing
    here is signed unless the recorder keeps it."""
    actor, today = ledger.actor, ledger.today()
    spec = form(entry_type)
    names = {f.name for f in spec.fields}
    directory = ledger.store.directory()
    decision = find_decision(ledger, subject) if subject and spec.subject == "decision" else None
    profile = RuleProfile()
    if decision is not None:
        profile = profile_of(ledger, decision["profile"])
    raw: Obj = {}
    for name in names:
        if form(entry_type).field(name).kind == "day":
            raw[name] = today
    deliberative = sorted(
        o.id for o in directory.organs.values() if o.kind in ("executive_meeting", "plenary")
    )
    if "organ" in names and deliberative:
        raw["organ"] = deliberative[0]
    if entry_type == "decision.proposed":
        raw["applicability"] = "direct"
        raw["confidentiality"] = {"level": "public"}
        raw["source"] = "leadership"
    if entry_type == "decision.initiated":
        raw["by"] = "head"
    if entry_type == "undertaking_unit.assigned" and actor is not None:
        units = [
            m.organ
            for m in directory.memberships.values()
            if m.person == actor
            and m.end is None
            and directory.organs[m.organ].kind == "internal_unit"
        ]
        if units:
            raw["lead"] = sorted(units)[0]
        raw["leaders"] = actor
        raw["drafters"] = actor
    if decision is not None:
        drafts = decision["draft_order"]
        if "version" in names:
            raw["version"] = str(len(drafts) + 1)
        if "draft" in names and drafts:
            raw["draft"] = drafts[-1]
        if entry_type == "public_comment.opened":
            raw["channels"] = "government_website"
            end = date.fromisoformat(today) + timedelta(days=profile.comment_min_days)
            raw["deadline"] = end.isoformat()
        if entry_type == "public_participation.completed":
            raw["methods"] = "public_comment"
            raw["opinions_received"] = "0"
        if entry_type == "legality_review.opinion":
            ok = {"ok": True}
            raw["checks"] = {"authority": ok, "procedure": ok, "content": ok}
            raw["opinion"] = "lawful"
        if entry_type == "agenda_item.opened":
            raw.update(agenda_values(ledger, decision))
            if profile.edition >= 2 and "draft" in raw:
                # the Art. 29 materials the ledger already holds; the explanation to attach
                raw["materials"] = [
                    {"kind": kind, "doc": docs[0]} if docs else {"kind": kind}
                    for kind, docs, _ in art29_materials(decision, raw["draft"], profile)
                ]
        agenda = decision.get("agenda")
        at_the_item = ("position.stated", "recusal.declared", "head_decision.made", "vote.taken")
        if entry_type in at_the_item and agenda is not None:
            raw["meeting"] = agenda["meeting"]
            raw["order"] = str(agenda["last_order"] + 1)
        if entry_type == "party_committee.reported" and profile.party_committee:
            raw["to"] = profile.party_committee
        decided = decision.get("decided")
        if entry_type == "decision.published" and decided is not None:
            raw["published_doc"] = decided["draft"]
            raw["channels"] = "government_website"
    if entry_type == "meeting.convened" and "organ" in raw:
        heads = directory.holders_at(raw["organ"], ("head",), today)
        if heads:
            raw["chair"] = heads[0]
        if actor is not None:
            raw["recorder"] = actor
    return {k: v for k, v in raw.items() if k in names}


__all__ = [
    "NEXT_STEPS",
    "Choices",
    "choices",
    "next_steps",
    "start",
    "steps",
    "subject_for",
]
