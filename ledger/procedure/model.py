"""The shapes of the replayed procedure state: one `TypedDict` per kind of object, and per record
inside one.

Each object is one row of the derived table `procedure_state`, stored as its JSON text (sorted
keys, no spaces); `ledger verify` compares those rows with a replay of the chain, so the stored
bytes are part of the contract. The types here are `TypedDict`s rather than dataclasses for that
reason: at run time they are the very dicts the handlers read, update in place and store, so the
JSON stays byte for byte what it was (no conversion, no field order, no default that could add or
drop a key), the replay pays nothing for them, and `mypy --strict` still checks every key a
handler reads or writes. A key written only by a later entry is `NotRequired`; a key that is
always written but empty until a later entry holds `None`.

`Obj` is open JSON: an entry's body before its handler has read it, or a record whose keys vary
by kind (a procedural step's details).

It is long because it is declarations only: one shape per kind of record, each field stated
once.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

Obj = dict[str, Any]


class Organ(TypedDict):
    """An organ as the register names it on the entry's day (read, never stored)."""

    id: str
    kind: str
    name: str


class Correction(TypedDict):
    """An `entry.corrected` naming an earlier entry of this object (Art. 34: the record is
    corrected by a new entry, never changed)."""

    seq: int
    corrects: int
    reason: str
    # Edition 2: who corrected, who signed the entry corrected (None: not in this replay), whose
    # confirmation it awaits (None: it takes effect as recorded) and the confirmation's seq.
    by: NotRequired[str]
    signer: NotRequired[str | None]
    awaits: NotRequired[str | None]
    confirmed_seq: NotRequired[int | None]


class GateException(TypedDict):
    """A soft gate passed with the reason the body gave for it (`exceptions.G3`)."""

    gate: str
    seq: int
    reason: str
    finding: str


# -- the decision: proposal, initiation, drafting (Art. 6–12) --------------------------------


class Unit(TypedDict):
    """The undertaking unit (Art. 11): the lead organ, co-units, its leaders and drafters."""

    lead: str
    co_units: list[str]
    seq: int
    leaders: list[str]
    drafters: list[str]


class Draft(TypedDict):
    """One version of the draft, by its document digest; `editorial_of` an approved draft it
    revises editorially (Art. 30), `responds_to_review` the draft whose legality opinion asked
    for the changes it makes (Art. 28)."""

    version: int
    seq: int
    at: str
    responds_to_review: str | None
    editorial_of: str | None


class Submission(TypedDict):
    """The draft submitted for legality review (Art. 27)."""

    draft: str
    at: str
    seq: int


class Opinion(TypedDict):
    """A legality opinion (Art. 27–29): the draft it is on, its verdict and the checks that
    failed; `applied_at` when the opinion takes effect later than it is recorded."""

    draft: str
    opinion: str
    seq: int
    at: str
    reviewer: str
    failed_checks: list[str]
    advisers: int
    applied_at: NotRequired[str]
    doc: NotRequired[str]  # edition 2: the opinion's document, an Art. 29 material


class Return(TypedDict):
    """A draft sent back by the legality reviewer for more work."""

    seq: int
    reason: str


class Review(TypedDict):
    """The legality review (Art. 27–29, G5): the submission, the opinions, the returns."""

    submitted: Submission | None
    opinions: list[Opinion]
    returns: list[Return]


# -- the agenda item and its deliberation (Art. 30–31, G7–G11) -------------------------------


class Recusal(TypedDict):
    """A member recused from the item (Art. 30 ¶2) and why."""

    seq: int
    reason: str


class Position(TypedDict):
    """A member's stated position, in speaking order (Art. 30, G9): `by` who signed it (the
    member, or the recorder; then `confirmed_seq` is the member's later confirmation), `written`
    an absent member's written opinion, `head` the head's own position."""

    order: int
    stance: str
    reason: str | None
    seq: int
    by: str
    confirmed_seq: int | None
    written: bool
    head: bool


class Outcome(TypedDict):
    """How the item ended: the head's decision (with `diverges` and its reason, G10) or the
    vote (with its counts and method, G11)."""

    outcome: str
    seq: int
    diverges: NotRequired[bool]
    divergence_reason: NotRequired[str | None]
    head: NotRequired[str]
    counts: NotRequired[dict[str, int]]
    method: NotRequired[str]


class Agenda(TypedDict):
    """The decision as an item before a meeting; once decided it moves to `deliberations` with
    its `outcome`. `rule` is how the organ decides it (the profile's rule for the meeting's kind,
    or `cadre`); `last_order` the last speaking order; `head_spoke` the order at which the head
    spoke (G9); `vote` is kept for the stored shape."""

    meeting: str
    item: int
    draft: str
    seq: int
    rule: str
    recusals: dict[str, Recusal]
    positions: dict[str, Position]
    last_order: int
    head_spoke: int | None
    vote: None
    outcome: NotRequired[Outcome]


class Decided(TypedDict):
    """The approval (Art. 30): its outcome, when, on which draft, at which meeting."""

    outcome: str
    seq: int
    at: str
    draft: str
    meeting: str


# -- after the decision (Art. 32–41, G12–G16) ------------------------------------------------


class Closed(TypedDict):
    """A proposal not initiated, and why."""

    seq: int
    reason: str


class PartyReport(TypedDict):
    """The report to the Party committee before issue (G12)."""

    seq: int
    to: str
    at: str


class PartyAnswer(TypedDict):
    """The Party committee's answer (edition 2, Art. 31) to the report at `report_seq`."""

    seq: int
    answer: str
    at: str
    report_seq: int


class NpcReport(TypedDict):
    """The report to the people's congress standing committee before issue (edition 2, Art. 8)."""

    seq: int
    to: str
    at: str


class Published(TypedDict):
    """Publication (Art. 32), or the legal basis for not publishing."""

    seq: int
    at: NotRequired[str]
    doc: NotRequired[str]
    adoption_explanation: NotRequired[str | None]
    not_published_basis: NotRequired[str]


class ExecutionEvent(TypedDict):
    """An execution report (`status`) or an issue or feedback received (`type`)."""

    seq: int
    status: NotRequired[str]
    type: NotRequired[str]


class Execution(TypedDict):
    """Execution (Art. 33–34): the units, their reports, the issues raised."""

    seq: int
    units: list[str]
    reports: list[ExecutionEvent]
    issues: list[ExecutionEvent]


class Evaluation(TypedDict):
    """A post-decision evaluation (Art. 35, G14)."""

    seq: int
    evaluator: str
    trigger: str
    concluded: Obj | None


class Suspension(TypedDict):
    """A suspension by the head (Art. 36)."""

    seq: int
    reason: str


class Adjustment(TypedDict):
    """A modification, stop or supersession (Art. 36–37) and the decision that does it."""

    seq: int
    kind: str
    by: str | None


class Transfer(TypedDict):
    seq: int
    to: str


class Archive(TypedDict):
    """An archive filing (Art. 39, G16): days after the decision, and its later transfer."""

    seq: int
    no: str
    complete: bool
    days: int
    transferred: NotRequired[Transfer]


class Decision(TypedDict):
    """A major decision, proposal to archive. The status moves along decision-procedure.md §4.4;
    `profile`/`profile_version` name the rule profile in force when it was proposed;
    `steps` holds each procedural step (Art. 13–26), completed or exempted, by name."""

    id: str
    first_seq: int
    last_seq: NotRequired[int]
    title: str
    organ: str
    year: int
    status: str
    profile: str
    profile_version: int
    scope: Obj
    applicability: str
    confidentiality: str
    flags: list[str]
    item_class: str
    amount_fen: int | None
    personnel: list[str]
    links: list[Obj]
    planned_by: str | None
    hearing_required: bool
    proposed_at: str
    proposed_seq: int
    proposal_doc: str | None
    initiated_seq: NotRequired[int]
    closed: NotRequired[Closed]
    unit: Unit | None
    drafts: dict[str, Draft]
    draft_order: list[str]
    legal_basis_seq: int | None
    legal_basis_items: NotRequired[int]
    steps: dict[str, Obj]
    review: Review
    agenda: Agenda | None
    deliberations: list[Agenda]
    decided: Decided | None
    party_report: PartyReport | None
    party_answer: NotRequired[PartyAnswer]
    npc_report: NotRequired[NpcReport]
    published: Published | None
    execution: Execution | None
    suspension: NotRequired[Suspension]
    evaluations: list[Evaluation]
    completed_seq: NotRequired[int]
    archives: list[Archive]
    exceptions: list[GateException]
    corrections: list[Correction]
    adjustment: Adjustment | None


# -- meetings (Art. 30) ----------------------------------------------------------------------


class Absence(TypedDict):
    """A member due who is absent, excused or not, and why."""

    person: str
    excused: bool
    reason: NotRequired[str]


class Minutes(TypedDict):
    """The final minutes (Art. 30 ¶3): the document and its number."""

    doc: str
    number: str
    seq: int


class Confirmation(TypedDict):
    """A participant's confirmation of the final minutes."""

    person: str
    seq: int


class MeetingItem(TypedDict):
    """A decision taken up at the meeting, in agenda order."""

    decision: str
    item: int
    seq: int


class Meeting(TypedDict):
    """A meeting of a deliberating organ (G7): the members `due` on its day, attendance
    (`present` None until recorded), its items and minutes."""

    id: str
    first_seq: int
    last_seq: NotRequired[int]
    organ: str
    kind: str
    year: int
    number: str
    at: str
    chair: str
    recorder: str
    due: list[str]
    present: list[str] | None
    absent: list[Absence]
    non_voting: list[str]
    minutes: Minutes | None
    confirmations: list[Confirmation]
    items: list[MeetingItem]
    status: str
    corrections: NotRequired[list[Correction]]


# -- catalogs, normative documents, accountability, rule profiles ----------------------------


class Removal(TypedDict):
    seq: int
    reason: str


class Catalog(TypedDict):
    """A published catalog of major decisions for a year (Art. 4), items by id."""

    id: str
    first_seq: int
    last_seq: NotRequired[int]
    organ: str
    year: int
    status: str
    items: dict[str, Obj]
    removed: dict[str, Removal]
    published_at: str
    corrections: NotRequired[list[Correction]]


class Filing(TypedDict):
    """The filing of a normative document and whether it met the deadline."""

    seq: int
    at: str
    days: int
    on_time: bool


class NormativeDoc(TypedDict):
    """A normative document (规范性文件): issue, legality review before issue, filing."""

    id: str
    first_seq: int
    last_seq: NotRequired[int]
    title: str
    doc_no: str
    year: int
    organ: str
    published_at: str
    reviewed_before_issue: bool
    decision: str | None
    deadline_days: int
    status: str
    filed: Filing | None
    outcome: str | None
    review_result: NotRequired[str | None]
    corrections: NotRequired[list[Correction]]


class Case(TypedDict):
    """An accountability case (Art. 38–41): the decisions and the persons it concerns."""

    id: str
    first_seq: int
    last_seq: NotRequired[int]
    kind: str
    decisions: list[str]
    subjects: list[str]
    status: str
    year: int
    opened_by: str
    closed_seq: NotRequired[int]
    corrections: NotRequired[list[Correction]]


class ProfileVersion(TypedDict):
    """A version of the rule profile and the day it applies from."""

    name: str
    version: int
    effective_from: str
    rules: Obj
    seq: int


class Profiles(TypedDict):
    """Every rule profile version, oldest first."""

    id: str
    first_seq: int
    last_seq: NotRequired[int]
    versions: list[ProfileVersion]


State = Decision | Meeting | Catalog | NormativeDoc | Case | Profiles
"""Any object of the procedure state (one row of `procedure_state`)."""

__all__ = [
    "Agenda",
    "Case",
    "Catalog",
    "Correction",
    "Decided",
    "Decision",
    "Meeting",
    "NormativeDoc",
    "Obj",
    "Opinion",
    "Organ",
    "Position",
    "Profiles",
    "Recusal",
    "State",
]
