"""After the meeting: the minutes finalized by the chair or the recorder and confirmed by who was
there (Art. 30, 33), and each member's confirmation of a position the recorder wrote for them.
Every function may block: the TUI calls them from workers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.app.appending import Refusal, preflight, record
from ledger.app.decisions import find_decision
from ledger.app.entries import document
from ledger.app.forms import build_body
from ledger.app.ledger import Ledger
from ledger.app.meeting import meetings, open_items
from ledger.store import reads

Obj = dict[str, Any]


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


def minutes_tasks(ledger: Ledger) -> list[MinutesTask]:
    """The minutes whoever is unlocked is to finalize or confirm, the newest meeting first."""
    actor = ledger.actor
    if actor is None:
        return []
    open_meetings = {
        agenda["meeting"]
        for ident, _, _ in open_items(ledger)
        if (state := find_decision(ledger, ident)) is not None
        and (agenda := state.get("agenda")) is not None
    }
    tasks = []
    for meeting in meetings(ledger):
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
    ledger: Ledger, meeting: str, number: str, doc: str
) -> tuple[int | None, Refusal | None]:
    """The minutes of `meeting` are final: their number and document (a file's path, stored,
    or a stored document's hash).

    Raises:
        InputError: the document's file cannot be read (nothing recorded).
    """
    given = document(ledger, doc) if doc.strip() else ""
    body, problems = build_body("minutes.finalized", {"number": number, "doc": given})
    if problems:
        path, problem = next(iter(problems.items()))
        return None, Refusal(problem.message, field=path)
    checked = preflight(ledger, "minutes.finalized", meeting, body)
    if checked.refusal is not None:
        return None, checked.refusal
    return record(ledger, "minutes.finalized", meeting, body, checked=checked.checked)


def confirm_minutes(ledger: Ledger, task: MinutesTask) -> tuple[int | None, Refusal | None]:
    """Whoever is unlocked confirms the final minutes of `task.meeting`."""
    return record(ledger, "minutes.confirmed", task.meeting, {"doc": task.doc})


@dataclass(frozen=True)
class Unconfirmed:
    """A position the recorder wrote for a member, waiting for the member's own signature."""

    decision: str
    meeting: str
    position_seq: int
    stance: str
    reason: str | None
    recorded_by: str

    def body(self, person: str) -> Obj:
        return {"meeting": self.meeting, "person": person, "position_seq": self.position_seq}


def unconfirmed(ledger: Ledger, person: str | None = None) -> list[Unconfirmed]:
    """The positions recorded for `person` (default: whoever is unlocked) by someone else that
    they have not confirmed."""
    person = person or ledger.actor
    if person is None:
        return []
    found = []
    for ident in reads.involved_subjects(ledger.store, person, "member_position"):
        state = find_decision(ledger, ident)
        if state is None:
            continue
        sittings = [*state["deliberations"], *([state["agenda"]] if state["agenda"] else [])]
        for sitting in sittings:
            position = sitting["positions"].get(person)
            if position is None or position["confirmed_seq"] is not None:
                continue
            found.append(
                Unconfirmed(
                    ident,
                    sitting["meeting"],
                    position["seq"],
                    position["stance"],
                    position.get("reason"),
                    position["by"],
                )
            )
    return sorted(found, key=lambda u: u.position_seq)


def confirm(ledger: Ledger, pending: Unconfirmed) -> tuple[int | None, Refusal | None]:
    """Confirm, with the unlocked key, a position the recorder wrote for its holder."""
    actor, _ = ledger.require_signer()
    return record(ledger, "position.confirmed", pending.decision, pending.body(actor))


__all__ = [
    "MinutesTask",
    "Unconfirmed",
    "confirm",
    "confirm_minutes",
    "finalize_minutes",
    "minutes_tasks",
    "unconfirmed",
]
