"""The floor of an agenda item: who is due, who has spoken, who may state a position next (G9),
and which way the members' positions lean (G10).

`floor_of` builds it from the replayed decision and meeting and the register, with no store: the
`position.stated` handler asks it whether a member may speak, and a screen that predicts the
answer asks the same object the same question, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger.errors import InputError
from ledger.procedure.gates import GATES
from ledger.procedure.model import Agenda, Decision, Meeting
from ledger.procedure.state import AGREEING, APPROVING, Register

HEAD_DECIDES = "head_decides_after_discussion"


@dataclass(frozen=True)
class Bar:
    """Why a member may not state a position now: a gate (`G9`) or, when `gate` is None, a
    record that cannot be true (a recused or absent member, a second position). `field` is the
    body field it concerns; `conflicting_seq` the earlier entry it conflicts with."""

    message: str
    gate: str | None = None
    field: str = "person"
    conflicting_seq: int | None = None

    def __str__(self) -> str:
        if self.gate is None:
            return self.message
        return GATES[self.gate].breach(self.message, field=self.field).text


@dataclass(frozen=True)
class Speaker:
    """A member at the item: present or not, recused, their position if stated."""

    person: str
    name: str
    head: bool
    present: bool
    recused: bool
    order: int | None = None
    stance: str | None = None
    reason: str | None = None
    seq: int | None = None
    by: str | None = None
    confirmed: bool = False

    @property
    def spoke(self) -> bool:
        return self.seq is not None

    @property
    def voting(self) -> bool:
        return self.present and not self.recused


@dataclass(frozen=True)
class Floor:
    """The item before the meeting: members in speaking order (those who spoke, in their order;
    then those still to speak, the head last), and what the item is waiting for."""

    decision: str
    meeting: str
    organ: str
    day: str
    rule: str
    chair: str
    recorder: str
    speakers: tuple[Speaker, ...]
    next_order: int
    head_spoke: bool
    majority: str | None
    agenda: Agenda = field(repr=False, compare=False)
    present: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def waiting(self) -> list[str]:
        """Members still to state a position, in the order they should speak (the head last)."""
        return [s.person for s in self.speakers if s.voting and not s.spoke]

    @property
    def next_speaker(self) -> str | None:
        waiting = self.waiting
        return waiting[0] if waiting else None

    @property
    def by_vote(self) -> bool:
        return self.rule != HEAD_DECIDES

    @property
    def unheard(self) -> list[str]:
        """G9: the members whose position the vote, or the head's decision, still waits for, in
        the order they attend (the head's own position is optional where the head decides)."""
        found = {s.person: s for s in self.speakers}
        return [
            p
            for p in self.present
            if found[p].voting and not found[p].spoke and (self.by_vote or not found[p].head)
        ]

    @property
    def ready(self) -> bool:
        """Every member who must speak has: the vote, or the head's decision, may be recorded
        (the head's own position is optional where the head decides)."""
        return not self.unheard

    def speaker(self, person: str) -> Speaker:
        for found in self.speakers:
            if found.person == person:
                return found
        raise InputError(f"{person} is not a member due at {self.meeting}", where="person")

    @property
    def absent_silent(self) -> list[str]:
        """Absent members with no written opinion recorded yet."""
        return [s.person for s in self.speakers if not s.present and not s.spoke]

    def may_speak(self, person: str, written: bool = False) -> Bar | None:
        """Why `person` cannot state a position now (None: they can). An absent member's view
        comes only as a written opinion (`written`); the head speaks last (G9)."""
        return self.standing(person, written) or self.turn(person, written)

    def standing(self, person: str, written: bool = False) -> Bar | None:
        """Whether `person` may state a position on this item at all: not recused, present (or
        absent with a written opinion), and not heard already."""
        recusal = self.agenda["recusals"].get(person)
        if recusal is not None:
            return Bar(f"{person} recused from this item (seq {recusal['seq']})")
        speaker = next((s for s in self.speakers if s.person == person), None)
        if speaker is None:
            return Bar(f"{person} is not a member due at {self.meeting}")
        if not speaker.present and not written:
            return Bar(
                f"{person} is absent from {self.meeting}; an absent member's view is recorded "
                "only as a written opinion (written_opinion_doc)"
            )
        if speaker.seq is not None:
            return Bar(f"{person} has already stated a position (seq {speaker.seq})")
        return None

    def turn(self, person: str, written: bool = False) -> Bar | None:
        """G9: whether it is `person`'s turn: nobody speaks after the head (a written opinion
        may be read at any point), and the head speaks after every other member present."""
        positions = self.agenda["positions"]
        spoke_at = self.agenda["head_spoke"]
        if spoke_at is not None and not written:
            return Bar(
                f"the head spoke at order {spoke_at}; the head speaks last, so {person} cannot "
                "speak after",
                gate="G9",
                conflicting_seq=next(
                    p["seq"] for p in positions.values() if p["order"] == spoke_at
                ),
            )
        if not self.speaker(person).head:
            return None
        others = [
            s.person
            for s in map(self.speaker, self.present)
            if s.person != person and s.voting and not s.spoke
        ]
        if others:
            return Bar(f"the head speaks last; still to speak: {', '.join(others)}", gate="G9")
        return None

    def diverges(self, outcome: str) -> bool:
        """True when the head's `outcome` goes against the majority of members' positions
        (G10: then the divergence reason is required)."""
        return diverges(self.majority, outcome)


def majority_view(agenda: Agenda) -> str | None:
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


def diverges(majority: str | None, outcome: str) -> bool:
    """G10: True when the head's `outcome` goes against `majority` (see `majority_view`)."""
    side = "approve" if outcome in APPROVING else "not_approve"
    return majority is not None and majority != side


def floor_of(decision: Decision, meeting: Meeting, register: Register) -> Floor:
    """The floor of `decision`'s open agenda item at `meeting`.

    Raises:
        InputError: the decision is not before a meeting.
    """
    agenda = decision["agenda"]
    if agenda is None:
        raise InputError(
            f"decision {decision['id']} is {decision['status']}, not before a meeting "
            "(record agenda_item.opened first)",
            where="decision",
        )
    day = meeting["at"][:10]
    present: Sequence[str] = meeting["present"] or []
    heads = set(register.holders_at(meeting["organ"], ("head",), day))

    def speaker(person: str) -> Speaker:
        said = agenda["positions"].get(person)
        return Speaker(
            person=person,
            name=register.persons[person].name,
            head=person in heads,
            present=person in present,
            recused=person in agenda["recusals"],
            order=None if said is None else said["order"],
            stance=None if said is None else said["stance"],
            reason=None if said is None else said["reason"],
            seq=None if said is None else said["seq"],
            by=None if said is None else said["by"],
            confirmed=said is not None and said["confirmed_seq"] is not None,
        )

    everyone = [speaker(p) for p in [*present, *(p for p in meeting["due"] if p not in present)]]
    spoken = sorted((s for s in everyone if s.spoke), key=lambda s: s.order or 0)
    rest = [s for s in everyone if not s.spoke]
    rest.sort(key=lambda s: (not s.voting, s.head))  # those who speak first; the head last
    return Floor(
        decision=decision["id"],
        meeting=meeting["id"],
        organ=meeting["organ"],
        day=day,
        rule=agenda["rule"],
        chair=meeting["chair"],
        recorder=meeting["recorder"],
        speakers=tuple(spoken + rest),
        next_order=agenda["last_order"] + 1,
        head_spoke=agenda["head_spoke"] is not None,
        majority=majority_view(agenda),
        agenda=agenda,
        present=tuple(present),
    )


__all__ = ["Bar", "Floor", "Speaker", "diverges", "floor_of", "majority_view"]
