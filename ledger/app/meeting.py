"""The meeting, item by item: who is due and present, the decision's item before the meeting
(the floor: who speaks next, the head last), each member's position, a recusal, the vote or the
head's decision (Art. 30, 38 ¶3; cadre rules).

What the procedure enforces is asked of `ledger.procedure`; this module shapes it for a screen
and records what a screen decides. Every function may block: the TUI calls them from workers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from keys import SigningKey
from ledger.app.appending import Refusal, explain, record, record_draft
from ledger.app.decisions import list_decisions, profile_of
from ledger.app.entries import document
from ledger.app.forms import build_body
from ledger.app.ledger import Ledger
from ledger.append import Draft
from ledger.errors import GateRefusal, InputError, RefusedError
from ledger.procedure import bodies
from ledger.procedure.drafting import eligible_drafts
from ledger.procedure.floor import Floor, Speaker, floor_of
from ledger.procedure.gates import GATES
from ledger.procedure.meeting import vote_threshold
from ledger.procedure.model import Decision, Meeting
from ledger.procedure.state import NEEDS_REASON, VOTING_ROLES
from ledger.store import reads

Obj = dict[str, Any]


def _need(ledger: Ledger, kind: str, ident: str) -> Any:
    found = reads.find(ledger.store, kind, ident)
    if found is None:
        raise InputError(f"no {kind} {ident!r} in this ledger", where=kind)
    return found


def meetings(ledger: Ledger) -> list[Meeting]:
    """Every meeting's state, the newest first."""
    found = reads.objects(ledger.store, "meeting")
    return sorted(found, key=lambda m: (m["at"], m["first_seq"]), reverse=True)


def members_due(ledger: Ledger, organ: str, day: str | None = None) -> list[str]:
    """The members of `organ` on `day` (default: the ledger's today) who count for quorum and
    state positions."""
    day = day or ledger.today()
    holders: list[str] = ledger.store.directory().holders_at(organ, VOTING_ROLES, day)
    return holders


def next_meeting_id(ledger: Ledger, year: int | None = None) -> str:
    """The next free meeting id of the form mtg-<year>-<NN> (this year's by default)."""
    year = int(ledger.today()[:4]) if year is None else year
    taken = reads.ids(ledger.store, "meeting")
    number = 1
    while f"mtg-{year}-{number:02d}" in taken:
        number += 1
    return f"mtg-{year}-{number:02d}"


def open_meeting(ledger: Ledger, organ: str, day: str) -> Meeting | None:
    """The newest meeting of `organ` on `day` whose attendance is recorded and minutes are not
    final."""
    found = reads.objects(ledger.store, "meeting", organ=organ, status="convened")
    found = [m for m in found if m["present"] is not None and m["at"][:10] == day]
    return max(found, key=lambda m: (m["at"], m["first_seq"])) if found else None


def agenda_values(ledger: Ledger, decision: Decision) -> Obj:
    """What an `agenda_item.opened` of `decision` starts with (raw, as typed): its newest
    draft cleared for deliberation (G5), its organ's meeting open today and the item's number,
    the undertaking unit's leader presenting."""
    raw: Obj = {}
    cleared = eligible_drafts(decision)
    ready = [d for d in decision["draft_order"] if d in cleared]
    if ready:
        raw["draft"] = ready[-1]
    meeting = open_meeting(ledger, decision["organ"], ledger.today())
    if meeting is not None:
        raw["meeting"] = meeting["id"]
        raw["item"] = str(len(meeting["items"]) + 1)
    unit = decision["unit"]
    if unit is not None and unit["leaders"]:
        raw["presenter"] = unit["leaders"][0]
    return raw


def attendance_body(
    due: Sequence[str],
    present: Sequence[str],
    excused: Mapping[str, str | None] | None = None,
    non_voting: Sequence[str] = (),
) -> Obj:
    """An `attendance.recorded` body: every member due is present or absent; an absent member
    in `excused` is excused (with the reason given there), the others are not."""
    excused = excused or {}
    absent = []
    for person in due:
        if person in present:
            continue
        item: Obj = {"person": person, "excused": person in excused}
        if excused.get(person):
            item["reason"] = excused[person]
        absent.append(item)
    body: Obj = {"present": list(present), "absent": absent}
    if non_voting:
        body["non_voting"] = list(non_voting)
    return body


def agenda_drafts(ledger: Ledger, decision: str) -> list[str]:
    """The decision's drafts that may go on an agenda (G5), newest first."""
    state = _need(ledger, "decision", decision)
    cleared = eligible_drafts(state)
    return [d for d in reversed(state["draft_order"]) if d in cleared]


def floor(ledger: Ledger, decision: str) -> Floor:
    """The decision's item before its meeting: who spoke, who speaks next (the head last), what
    the item waits for; the very floor the append asks (`ledger.procedure.floor`).

    Raises:
        InputError: no such decision, or it is not before a meeting.
    """
    state = cast(Decision, _need(ledger, "decision", decision))
    agenda = state.get("agenda")
    # with no agenda there is no meeting to read: `floor_of` says the decision is not before one
    held = _need(ledger, "meeting", agenda["meeting"]) if agenda else {}
    return floor_of(state, cast(Meeting, held), ledger.store.directory())


def position_needs_reason(stance: str) -> bool:
    """A position that agrees with changes, disagrees or defers states its reason (Art. 30)."""
    return stance in NEEDS_REASON


def position_draft(
    item: Floor,
    person: str,
    stance: str,
    reason: str | None,
    *,
    actor: str,
    signer: Any,
    occurred_at: str | None = None,
    written_opinion_doc: str | None = None,
) -> Draft:
    """The `position.stated` of `person`, next in speaking order, signed by `signer`: the
    member's own key (signed on the spot) or the recorder's (then confirmed later). An absent
    member's position is their written opinion, `written_opinion_doc` (a stored document).

    Raises:
        InputError: the member may not speak now (the head before others, a recused member),
            or a reason is missing; nothing to sign.
    """
    why = item.may_speak(person, written=written_opinion_doc is not None)
    if why is not None:
        raise InputError(str(why), where="person")
    reason = (reason or "").strip() or None
    if position_needs_reason(stance) and reason is None:
        raise InputError(f"a {stance} position needs its reason (Art. 30)", where="reason")
    body = bodies.position_body(item.meeting, person, item.next_order, stance, reason)
    if written_opinion_doc is not None:
        body["written_opinion_doc"] = written_opinion_doc
    return Draft("position.stated", item.decision, body, actor, signer, occurred_at)


def head_decision_draft(
    item: Floor,
    outcome: str,
    reason: str | None,
    *,
    actor: str,
    signer: Any,
    occurred_at: str | None = None,
) -> Draft:
    """The head's decision.

    Raises:
        InputError: the item is decided by a vote.
        GateRefusal: members are still to speak (G9), or the decision goes against the majority
            without the divergence reason (G10).
    """
    if item.by_vote:
        raise InputError(f"this item is decided by a vote ({item.rule})", where="outcome")
    if not item.ready:
        raise GateRefusal(GATES["G9"].breach(f"still to speak: {', '.join(item.waiting)}"))
    reason = (reason or "").strip() or None
    if item.diverges(outcome) and reason is None:
        raise GateRefusal(
            GATES["G10"].breach(
                f"the majority's view is {str(item.majority).replace('_', ' ')}; state the "
                "divergence reason",
                field="divergence_reason",
            )
        )
    body = bodies.head_decision_body(item.meeting, outcome, reason)
    return Draft("head_decision.made", item.decision, body, actor, signer, occurred_at)


def vote_body(item: Floor, method: str, votes: Mapping[str, str], result: str) -> Obj:
    """A `vote.taken` body from each voter's vote (yes, no, abstain); named unless secret."""
    counts = {k: sum(1 for v in votes.values() if v == k) for k in ("yes", "no", "abstain")}
    body: Obj = {"meeting": item.meeting, "method": method, "counts": counts, "result": result}
    if method != "secret_ballot":
        body["named"] = [{"person": p, "vote": v} for p, v in votes.items()]
    return body


def vote_passes(ledger: Ledger, item: Floor) -> list[bool]:
    """Whether the item passes with 0, 1, 2… yes votes (one flag per count up to the members
    entitled to vote), by the rule G11 applies: the share of members due (after recusals) for
    cadre items and votes of members due, of those present otherwise."""
    state = _need(ledger, "decision", item.decision)
    profile = profile_of(ledger, state["profile"])
    due = len([s for s in item.speakers if not s.recused])
    voters = len([s for s in item.speakers if s.voting])
    threshold, base, _ = vote_threshold(profile, item.rule, due, voters)
    return [threshold.met(yes, base) for yes in range(voters + 1)]


# -- what a screen records ------------------------------------------------------------------------


def open_items(ledger: Ledger) -> list[tuple[str, str, str]]:
    """Decisions ready for a meeting or before one now: (id, title, status), newest first."""
    return [
        (d.id, d.title, d.status)
        for d in reversed(list_decisions(ledger))
        if d.status in ("ready_for_deliberation", "under_deliberation")
    ]


def members_named(ledger: Ledger, organ: str) -> list[tuple[str, str]]:
    """(id, name) of the members of `organ` due at a meeting today."""
    directory = ledger.store.directory()
    return [(p, directory.persons[p].name) for p in members_due(ledger, organ)]


def convene(
    ledger: Ledger,
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
    actor, key = ledger.require_signer()
    directory = ledger.store.directory()
    heads = directory.holders_at(organ, ("head",), ledger.today())
    ident = ident or next_meeting_id(ledger)
    convened = {
        "organ": organ,
        "number": number.strip(),
        "place": place.strip(),
        "chair": heads[0] if heads else actor,
        "recorder": actor,
    }
    due = members_due(ledger, organ)
    attendance = attendance_body(due, [p for p in due if p in present])
    drafts = [
        Draft("meeting.convened", ident, convened, actor, key),
        Draft("attendance.recorded", ident, attendance, actor, key),
    ]
    try:
        entries = ledger.append(drafts)
    except (InputError, RefusedError) as exc:
        return None, explain(exc)
    return entries[-1].seq, None


def open_item(ledger: Ledger, ident: str) -> tuple[int | None, Refusal | None]:
    """Put the decision on the agenda of its organ's open meeting, with its cleared draft."""
    raw = agenda_values(ledger, _need(ledger, "decision", ident))
    body, problems = build_body("agenda_item.opened", raw)
    if problems:
        path, problem = next(iter(problems.items()))
        return None, Refusal(problem.message, field=path)
    return record(ledger, "agenda_item.opened", ident, body)


def _member_key(ledger: Ledger, person: str, passphrase: str | None) -> tuple[str, SigningKey]:
    if passphrase:
        return person, ledger.key_for(person, passphrase, where="person")
    return ledger.require_signer()


def state_position(
    ledger: Ledger,
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
    actor, key = _member_key(ledger, person, passphrase)
    doc = document(ledger, written) if written and written.strip() else None
    try:
        draft = position_draft(
            item, person, stance, reason, actor=actor, signer=key, written_opinion_doc=doc
        )
    except InputError as exc:
        return None, explain(exc)
    return record_draft(ledger, draft)


def recuse(
    ledger: Ledger, item: Floor, person: str, reason: str, declared_by: str = "self"
) -> tuple[int | None, Refusal | None]:
    """The member recuses from the item, declared by them (`self`) or by the chair; recorded
    by whoever is unlocked."""
    body = {"meeting": item.meeting, "person": person, "reason": reason, "declared_by": declared_by}
    return record(ledger, "recusal.declared", item.decision, body)


def head_decides(
    ledger: Ledger,
    item: Floor,
    outcome: str,
    reason: str | None,
    passphrase: str | None = None,
) -> tuple[int | None, Refusal | None]:
    """The head's decision, signed by the head: on the spot with their `passphrase`, or by the
    session when the head is who is unlocked."""
    heads = [s.person for s in item.speakers if s.head]
    head = heads[0] if heads else item.chair
    actor, key = _member_key(ledger, head, passphrase)
    try:
        draft = head_decision_draft(item, outcome, reason, actor=actor, signer=key)
    except InputError as exc:
        return None, explain(exc)
    return record_draft(ledger, draft)


def vote(
    ledger: Ledger, item: Floor, method: str, votes: dict[str, str], result: str
) -> tuple[int | None, Refusal | None]:
    """The vote, recorded by the meeting's clerk (whoever is unlocked)."""
    body = vote_body(item, method, votes, result)
    return record(ledger, "vote.taken", item.decision, body)


__all__ = [
    "Floor",
    "Speaker",
    "agenda_drafts",
    "agenda_values",
    "attendance_body",
    "convene",
    "floor",
    "head_decides",
    "head_decision_draft",
    "meetings",
    "members_due",
    "members_named",
    "next_meeting_id",
    "open_item",
    "open_items",
    "open_meeting",
    "position_draft",
    "position_needs_reason",
    "recuse",
    "state_position",
    "vote",
    "vote_body",
    "vote_passes",
]
