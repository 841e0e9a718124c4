"""The recording use cases of the terminal UI, on its `LedgerService`: forms, refusals explained
before signing, the meeting member by member, documents from files.

Each function takes the service (its store, clock and unlocked signer) and returns plain data;
`ledger.recording` does the work. Every function may block (database, scrypt, signatures): the
screens call them from worker threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from keys import SigningKey
from ledger import decisions, recording, service
from ledger.app_service import LedgerService
from ledger.errors import InputError, RefusedError
from ledger.recording import Attachment, Floor, Refusal, Unconfirmed
from ledger.registry import lookup

Obj = dict[str, Any]


@dataclass(frozen=True)
class Choices:
    """What the forms' pickers offer: people, organs, decisions (id, label)."""

    persons: list[tuple[str, str]]
    organs: list[tuple[str, str]]
    decisions: list[tuple[str, str, str]]  # id, title, status


def choices(svc: LedgerService) -> Choices:
    """People, organs and decisions, by id (a few hundred rows at most, read once a form)."""
    directory = svc.store.directory()
    found = decisions.list_decisions(store=svc.store)
    return Choices(
        persons=sorted((p.id, p.name) for p in directory.persons.values()),
        organs=sorted((o.id, o.name) for o in directory.organs.values()),
        decisions=sorted(((d.id, d.title, d.status) for d in found), reverse=True),
    )


def closed_list(entry_type: str, field: str) -> tuple[str, ...]:
    """The values a body field of `entry_type` admits, in the order its schema declares them
    (a meeting's stances, outcomes, recusal grounds, vote methods and results: the forms offer
    exactly what the ledger accepts).

    Raises:
        KeyError: no such entry type or field; ValueError: the field is not a closed list.
    """
    values = get_args(lookup(entry_type).schema.model_fields[field].annotation)
    if not values or not all(isinstance(value, str) for value in values):
        raise ValueError(f"{entry_type}.{field} is not a closed list of words")
    return values


def new_decision_id(svc: LedgerService) -> str:
    """The next free decision id this year (d<year>-<NN>)."""
    return decisions.next_decision_id(store=svc.store, year=int(svc.today()[:4]))


def decision(svc: LedgerService, ident: str) -> Obj | None:
    """The decision's state, or None when there is no such decision (yet)."""
    try:
        return decisions.get_decision(store=svc.store, decision=ident)
    except InputError:
        return None


def next_steps(svc: LedgerService, ident: str | None) -> list[str]:
    """The entry types that move the decision on, the one due next first."""
    state = None if ident is None else decision(svc, ident)
    if state is None:
        return ["decision.proposed"]
    return recording.next_steps(state, recording.profile_of(svc.store, state["profile"]))


def steps(svc: LedgerService, ident: str | None) -> list[str]:
    """Every entry type a form can record with the decision `ident` picked (None: a new one):
    the steps that move it on first (the due one first), then its other steps, then the types
    whose subject is not a decision (catalogs, meetings, normative documents, cases…)."""
    due = next_steps(svc, ident)
    own = [] if ident is None else [
        f.type for f in recording.forms() if f.subject in ("decision", "seq")
    ]  # fmt: skip
    other = [f.type for f in recording.forms() if f.subject not in ("decision", "seq")]
    return list(dict.fromkeys([*due, *(k for k in own if k != "decision.proposed"), *other]))


def subject_for(svc: LedgerService, entry_type: str, ident: str | None) -> str:
    """The subject a type's form starts with when its subject is not the decision: for a
    meeting, a new meeting's next free id (convening) or the decision's (else the newest)
    meeting; for the others, nothing (the recorder names the catalog, document or case)."""
    kind = recording.form(entry_type).subject
    if kind == "seq" and ident is not None:
        return ident
    if kind != "meeting":
        return ""
    if entry_type == "meeting.convened":
        return recording.next_meeting_id(store=svc.store, year=int(svc.today()[:4]))
    state = None if ident is None else decision(svc, ident)
    if state is not None:
        if state.get("agenda"):
            return str(state["agenda"]["meeting"])
        if state.get("deliberations"):
            return str(state["deliberations"][-1]["meeting"])
    newest = recording.meetings(store=svc.store)
    return newest[0]["id"] if newest else ""


def start(svc: LedgerService, entry_type: str, subject: str | None) -> Obj:
    """The values the form of `entry_type` starts with (raw, as typed)."""
    return recording.suggest(
        store=svc.store,
        entry_type=entry_type,
        subject=subject,
        actor=svc.actor,
        today=svc.today(),
    )


def preflight(
    svc: LedgerService, entry_type: str, subject: str, body: Obj, actor: str | None = None
) -> Refusal | None:
    """What the ledger would say to this entry from `actor` (default: who is unlocked)."""
    who = actor or svc.require_signer()[0]
    return recording.preflight(
        store=svc.store, entry_type=entry_type, subject=subject, body=body, actor=who, now=svc.now()
    )


def record(
    svc: LedgerService,
    entry_type: str,
    subject: str,
    body: Obj,
    signer: tuple[str, SigningKey] | None = None,
) -> tuple[int | None, Refusal | None]:
    """Sign and append, as `signer` (default: who is unlocked): (seq, None) or (None, refusal)."""
    actor, key = signer or svc.require_signer()
    draft = service.Draft(entry_type, subject, body, actor, key)
    return recording.record(store=svc.store, draft=draft, now=svc.now())


def attach(svc: LedgerService, path: Path | str) -> Attachment:
    """Store a file as a document (blob). Raises InputError naming the path."""
    return recording.attach(store=svc.store, path=path)


# -- the meeting --


def open_items(svc: LedgerService) -> list[tuple[str, str, str]]:
    """Decisions ready for a meeting or before one now: (id, title, status), newest first."""
    return [
        (d.id, d.title, d.status)
        for d in reversed(decisions.list_decisions(store=svc.store))
        if d.status in ("ready_for_deliberation", "under_deliberation")
    ]


def floor(svc: LedgerService, ident: str) -> Floor:
    return recording.floor(store=svc.store, decision=ident)


def members_due(svc: LedgerService, organ: str) -> list[tuple[str, str]]:
    """(id, name) of the members of `organ` due at a meeting today."""
    directory = svc.store.directory()
    due = recording.members_due(store=svc.store, organ=organ, day=svc.today())
    return [(p, directory.persons[p].name) for p in due]


def convene(
    svc: LedgerService,
    ident: str,
    organ: str,
    number: str,
    place: str,
    present: list[str],
) -> tuple[int | None, Refusal | None]:
    """Convene a meeting of `organ` chaired by its head, recorded by whoever is unlocked, and
    record who of the members due is present (the others absent, not excused), in one
    transaction: (the seq of the attendance, None) or (None, the refusal). `ident` is the
    meeting's id (empty: the next free mtg-<year>-<NN>)."""
    actor, key = svc.require_signer()
    directory = svc.store.directory()
    heads = directory.holders_at(organ, ("head",), svc.today())
    ident = ident or recording.next_meeting_id(store=svc.store, year=int(svc.today()[:4]))
    convened = {
        "organ": organ,
        "number": number.strip(),
        "place": place.strip(),
        "chair": heads[0] if heads else actor,
        "recorder": actor,
    }
    due = recording.members_due(store=svc.store, organ=organ, day=svc.today())
    attendance = recording.attendance_body(due, [p for p in due if p in present])
    drafts = [
        service.Draft("meeting.convened", ident, convened, actor, key),
        service.Draft("attendance.recorded", ident, attendance, actor, key),
    ]
    try:
        entries = svc.append(drafts)
    except (InputError, RefusedError) as exc:
        return None, recording.explain(exc)
    return entries[-1].seq, None


def open_item(svc: LedgerService, ident: str) -> tuple[int | None, Refusal | None]:
    """Put the decision on the agenda of its organ's open meeting, with its cleared draft."""
    raw = start(svc, "agenda_item.opened", ident)
    body, problems = recording.build_body("agenda_item.opened", raw)
    if problems:
        path, problem = next(iter(problems.items()))
        return None, Refusal(problem.message, field=path)
    return record(svc, "agenda_item.opened", ident, body)


def _member_key(svc: LedgerService, person: str, passphrase: str | None) -> tuple[str, SigningKey]:
    if passphrase:
        return person, svc.key_for(person, passphrase)
    return svc.require_signer()


def state_position(
    svc: LedgerService,
    item: Floor,
    person: str,
    stance: str,
    reason: str | None,
    passphrase: str | None = None,
    written: str | None = None,
) -> tuple[int | None, Refusal | None]:
    """Record `person`'s position, next in speaking order: signed by the member on the spot
    when their `passphrase` is given, else written by whoever is unlocked (the recorder) for
    the member to confirm later. An absent member's is their written opinion: `written`, a
    file's path (stored as a document) or a stored document's hash.

    Raises:
        KeysError: a wrong passphrase or the member's key is not here (nothing recorded).
        InputError: the written opinion's file cannot be read (nothing recorded).
    """
    actor, key = _member_key(svc, person, passphrase)
    doc = document(svc, written) if written and written.strip() else None
    try:
        draft = recording.position_draft(
            item, person, stance, reason, actor=actor, signer=key, written_opinion_doc=doc
        )
    except InputError as exc:
        return None, recording.explain(exc)
    return recording.record(store=svc.store, draft=draft, now=svc.now())


def document(svc: LedgerService, given: str) -> str:
    """A document field's hash: `given` itself when it is a hash, else the file at that path,
    stored. Raises InputError naming the path."""
    text = given.strip()
    if len(text) == 64 and set(text.lower()) <= set("0123456789abcdef"):
        return text.lower()
    return attach(svc, text).sha256


def recuse(
    svc: LedgerService, item: Floor, person: str, reason: str, declared_by: str = "self"
) -> tuple[int | None, Refusal | None]:
    """The member recuses from the item, declared by them (`self`) or by the chair; recorded
    by whoever is unlocked."""
    body = {"meeting": item.meeting, "person": person, "reason": reason, "declared_by": declared_by}
    return record(svc, "recusal.declared", item.decision, body)


def head_decides(
    svc: LedgerService,
    item: Floor,
    outcome: str,
    reason: str | None,
    passphrase: str | None = None,
) -> tuple[int | None, Refusal | None]:
    """The head's decision, signed by the head: on the spot with their `passphrase`, or by the
    session when the head is who is unlocked."""
    heads = [s.person for s in item.speakers if s.head]
    head = heads[0] if heads else item.chair
    actor, key = _member_key(svc, head, passphrase)
    try:
        draft = recording.head_decision_draft(item, outcome, reason, actor=actor, signer=key)
    except InputError as exc:
        return None, recording.explain(exc)
    return recording.record(store=svc.store, draft=draft, now=svc.now())


def vote(
    svc: LedgerService, item: Floor, method: str, votes: dict[str, str], result: str
) -> tuple[int | None, Refusal | None]:
    """The vote, recorded by the meeting's clerk (whoever is unlocked)."""
    body = recording.vote_body(item, method, votes, result)
    return record(svc, "vote.taken", item.decision, body)


def vote_passes(svc: LedgerService, item: Floor) -> list[bool]:
    """Whether the item passes with 0, 1, 2… yes votes (G11's rule)."""
    return recording.vote_passes(store=svc.store, item=item)


@dataclass(frozen=True)
class MinutesTask:
    """A meeting's minutes waiting for whoever is unlocked: to finalize (the chair or the
    recorder, once no item is still before the meeting) or to confirm (who was there)."""

    action: str  # "finalize" or "confirm"
    meeting: str
    organ: str
    day: str
    number: str  # the minutes' number, once final
    doc: str  # the minutes' document, once final


def minutes_tasks(svc: LedgerService) -> list[MinutesTask]:
    """The minutes whoever is unlocked is to finalize or confirm, the newest meeting first."""
    actor = svc.actor
    if actor is None:
        return []
    open_meetings = {
        state["agenda"]["meeting"]
        for ident, _, _ in open_items(svc)
        if (state := decision(svc, ident)) is not None and state.get("agenda")
    }
    tasks = []
    for meeting in recording.meetings(store=svc.store):
        minutes, day = meeting["minutes"], meeting["at"][:10]
        if minutes is None:
            clerks = (meeting["chair"], meeting["recorder"])
            if actor in clerks and meeting["present"] is not None and meeting["items"]:
                if meeting["id"] not in open_meetings:
                    tasks.append(
                        MinutesTask("finalize", meeting["id"], meeting["organ"], day, "", "")
                    )
            continue
        there = [*(meeting["present"] or []), meeting["chair"]]
        confirmed = {c["person"] for c in meeting["confirmations"]}
        if actor in there and actor not in confirmed:
            tasks.append(
                MinutesTask(
                    "confirm",
                    meeting["id"],
                    meeting["organ"],
                    day,
                    minutes["number"],
                    minutes["doc"],
                )
            )
    return tasks


def finalize_minutes(
    svc: LedgerService, meeting: str, number: str, doc: str
) -> tuple[int | None, Refusal | None]:
    """The minutes of `meeting` are final: their number and document (a file's path, stored,
    or a stored document's hash).

    Raises:
        InputError: the document's file cannot be read (nothing recorded).
    """
    body, problems = recording.build_body(
        "minutes.finalized", {"number": number, "doc": document(svc, doc) if doc.strip() else ""}
    )
    if problems:
        path, problem = next(iter(problems.items()))
        return None, Refusal(problem.message, field=path)
    refusal = preflight(svc, "minutes.finalized", meeting, body)
    if refusal is not None:
        return None, refusal
    return record(svc, "minutes.finalized", meeting, body)


def confirm_minutes(svc: LedgerService, task: MinutesTask) -> tuple[int | None, Refusal | None]:
    """Whoever is unlocked confirms the final minutes of `task.meeting`."""
    return record(svc, "minutes.confirmed", task.meeting, {"doc": task.doc})


def unconfirmed(svc: LedgerService) -> list[Unconfirmed]:
    """Positions written for whoever is unlocked that they have not confirmed yet."""
    if svc.actor is None:
        return []
    return recording.unconfirmed(store=svc.store, person=svc.actor)


def confirm(svc: LedgerService, pending: Unconfirmed) -> tuple[int | None, Refusal | None]:
    """Confirm, with the unlocked key, a position the recorder wrote for its holder."""
    actor, _ = svc.require_signer()
    return record(svc, "position.confirmed", pending.decision, pending.body(actor))


__all__ = [
    "Choices",
    "attach",
    "choices",
    "MinutesTask",
    "confirm",
    "confirm_minutes",
    "convene",
    "document",
    "finalize_minutes",
    "minutes_tasks",
    "decision",
    "floor",
    "head_decides",
    "members_due",
    "new_decision_id",
    "next_steps",
    "open_item",
    "open_items",
    "preflight",
    "recuse",
    "record",
    "start",
    "state_position",
    "steps",
    "subject_for",
    "unconfirmed",
    "vote",
    "vote_passes",
]
