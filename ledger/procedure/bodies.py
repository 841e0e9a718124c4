"""The procedure's entry types (decision-procedure.md §4.3): their body schemas, collected by
`ledger.registry`.

Conventions, so that a reader of any body knows what its fields mean:
- the subject of a decision's entries is the decision id; of a meeting's own entries the meeting
  id; of a catalog, a normative document or an accountability case, its id;
- `draft` is the hash of a draft version recorded by `draft.versioned` for that decision: it binds
  a review, an opinion or a deliberation to exactly the text it concerned;
- a field called `doc` or ending in `_doc` (one hash) or `_docs` (a list) names a stored blob;
- `exceptions` maps a soft gate to the recorded reason for departing from it (`{"G3": "…"}`);
- dates are `YYYY-MM-DD`; amounts are integer fen; persons, organs, decisions and meetings by id.

It is long because it is declarations: every entry type's body, each field stated once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ledger.procedure.profile import RuleProfile
from ledger.types import (
    Body,
    Day,
    DecisionId,
    DraftHash,
    EntryType,
    Hash,
    Id,
    MeetingId,
    Name,
    OrganId,
    PersonId,
    Text,
)

Seq = Annotated[int, Field(ge=0)]
Gate = Literal["G3", "G4", "G6", "G16"]  # the soft gates
Exceptions = dict[Gate, Text]

StepKind = Literal[
    "inter_unit_consultation",  # Art. 13
    "public_participation",  # Art. 14, 18
    "public_comment",  # Art. 15
    "hearing",  # Art. 16–17
    "expert_argumentation",  # Art. 19–21
    "risk_assessment",  # Art. 22–24
    "fair_competition_review",  # Art. 29(1)
    "integrity_review",  # local extra step
    "group_consultation",  # Art. 14 ¶2
    "npc_report",  # Art. 8
]
Flag = Literal[
    "technical",
    "stability_risk",
    "vital_interests",
    "specific_group",
    "affects_market_entities",
    "npc_remit",
    "urgent",
    "exploratory_reform",
]
SanzhongYida = Literal["major_matter", "cadre_appointment", "major_project", "large_fund"]
Stance = Literal["agree", "agree_with_modifications", "disagree", "defer", "abstain"]
HeadOutcome = Literal[
    "approve",
    "approve_with_editorial_changes",
    "approve_pending_substantive_changes",
    "reject",
    "defer",
    "rediscuss",
]


# -- rule profile and catalog ----------------------------------------------------------------


class RuleProfileVersioned(Body):
    """A new version of the rule profile: the rules that differ from Decree 713's defaults."""

    version: Annotated[int, Field(ge=2)]
    effective_from: Day
    rules: RuleProfile
    reason: Text


class CatalogItem(Body):
    id: Id
    title: Name
    art3_category: Annotated[int, Field(ge=1, le=5)] | None = None
    sanzhong_yida: SanzhongYida | None = None
    undertaking_unit: OrganId
    hearing_required: bool = False
    planned_procedures: list[StepKind] = []
    planned_decision_by: Day


class PartyApproval(Body):
    approved_at: Day
    ref: Name


class CatalogPublished(Body):
    """The organ's annual catalog of major decision matters (Art. 3 ¶3), Party-approved."""

    organ: OrganId
    year: Annotated[int, Field(ge=2000, le=2999)]
    items: Annotated[list[CatalogItem], Field(min_length=1, max_length=500)]
    party_approval: PartyApproval
    published_at: Day
    publication_ref: Name


class CatalogAdjusted(Body):
    """Items added to or removed from a published catalog, with the reason and approval."""

    add: list[CatalogItem] = []
    remove: list[Id] = []
    reason: Text
    party_approval: PartyApproval


# -- the decision: proposal, initiation, drafting ----------------------------------------------


class Scope(Body):
    catalog: Id | None = None
    item: Id | None = None
    art3_category: Annotated[int, Field(ge=1, le=5)] | None = None
    sanzhong_yida: SanzhongYida | None = None
    normative_document: bool = False
    outside_catalog_reason: Text | None = None


class Confidentiality(Body):
    level: Literal["public", "not_disclosable_by_law"]
    legal_basis: Text | None = None


class Link(Body):
    type: Literal["supersedes", "amends", "adjusts", "implements", "related_normative_document"]
    target: DecisionId


class DecisionProposed(Body):
    """A matter is proposed for major-decision procedure (Art. 10)."""

    title: Name
    summary: Text
    organ: OrganId  # the deciding organ
    scope: Scope
    applicability: Literal["direct", "by_reference_art42", "sanzhong_yida_only", "excluded"]
    excluded_reason: (
        Literal[
            "macro_control",
            "government_legislation",
            "emergency_response",
            "special_statutory_procedure",
        ]
        | None
    ) = None
    confidentiality: Confidentiality
    source: Literal[
        "leadership",
        "department_or_lower_government",
        "npc_deputy_or_cppcc_member",
        "citizen_or_organization_written",
    ]
    proposal_doc: Hash | None = None
    flags: list[Flag] = []
    amount_fen: Annotated[int, Field(ge=0)] | None = None
    personnel: list[PersonId] = []
    item_class: Literal["general", "cadre"] = "general"
    links: list[Link] = []


class DecisionInitiated(Body):
    """The organ decides to take the matter up (Art. 10)."""

    by: Literal["meeting", "head"]
    meeting: MeetingId | None = None
    note: Text | None = None


class DecisionNotInitiated(Body):
    reason: Text


class UndertakingUnitAssigned(Body):
    """The undertaking unit that drafts (Art. 11), its leaders and drafters."""

    lead: OrganId
    co_units: list[OrganId] = []
    leaders: Annotated[list[PersonId], Field(min_length=1)]
    drafters: list[PersonId] = []


class DraftVersioned(Body):
    """A draft version, bound by the hash of its document (a blob)."""

    version: Annotated[int, Field(ge=1)]
    doc: Hash
    summary: Text
    option_docs: list[Hash] = []  # Art. 12 ¶4: two or more options where views diverge
    responds_to_review: DraftHash | None = (
        None  # the reviewed draft whose required changes this applies
    )
    editorial_of: DraftHash | None = None  # an editorial revision of the approved draft


class LegalBasisItem(Body):
    title: Name
    article: Name | None = None
    version_date: Day | None = None


class LegalBasisRecorded(Body):
    """The inventory of laws, regulations, rules and policies (Art. 12)."""

    items: Annotated[list[LegalBasisItem], Field(min_length=1)]
    cost_benefit_doc: Hash | None = None


class StepDetermined(Body):
    """Whether a procedure step is required, not applicable (with a reason) or exempt (with
    a legal basis)."""

    step: StepKind
    determination: Literal["required", "not_applicable", "exempt"]
    reason: Text | None = None
    legal_basis: Text | None = None


# -- consultation steps --------------------------------------------------------------------------


class UnitPosition(Body):
    organ: OrganId
    position: Literal["agree", "agree_with_comments", "disagree"]
    summary: Text


class Dispute(Body):
    point: Text
    positions: Text  # each unit's view
    undertaking_view: Text  # the undertaking unit's view, reasons and basis


class ConsultationCompleted(Body):
    """Inter-unit consultation (Art. 13); disputes recorded when a unit disagrees."""

    draft: DraftHash
    units: Annotated[list[UnitPosition], Field(min_length=1)]
    disputes: list[Dispute] = []
    doc: Hash | None = None


Channel = Literal[
    "gazette",
    "government_website",
    "local_newspaper",
    "new_media",
    "radio_tv",
    "press_conference",
    "interview",
]


class PublicCommentOpened(Body):
    """The draft published for public comment (Art. 15)."""

    draft: DraftHash
    channels: Annotated[list[Channel], Field(min_length=1)]
    published_at: Day
    deadline: Day
    explanation_doc: Hash
    exceptions: Exceptions = {}


class Disposition(Body):
    summary: Text
    source: Name | None = None
    disposition: Literal["adopted", "partly_adopted", "not_adopted"]
    reason: Text | None = None


class PublicParticipationCompleted(Body):
    """Public participation and how each opinion was disposed of (Art. 14, 18)."""

    draft: DraftHash
    methods: Annotated[
        list[
            Literal[
                "symposium",
                "hearing",
                "field_visit",
                "written_solicitation",
                "public_comment",
                "questionnaire",
                "opinion_poll",
                "group_consultation",
            ]
        ],
        Field(min_length=1),
    ]
    opinions_received: Annotated[int, Field(ge=0)]
    dispositions: list[Disposition] = []
    adoption_report_doc: Hash


class HearingHeld(Body):
    """A hearing (Art. 16–17): what was published when, and the signed hearing record."""

    draft: DraftHash
    notice_published_at: Day
    selection_published_at: Day
    participants_published_at: Day
    materials_delivered_at: Day
    held_at: Day
    record_doc: Hash
    exceptions: Exceptions = {}


class Expert(Body):
    name: Name
    institution: Name | None = None
    pool_source: Name | None = None
    no_direct_interest: bool  # Art. 20: experts with a direct interest are excluded
    dissenting_view: bool = False


class ExpertArgumentationCompleted(Body):
    """Expert argumentation (Art. 19–21) with signed, sealed opinions."""

    draft: DraftHash
    method: Literal["meeting", "written_consultation", "commissioned"]
    experts: Annotated[list[Expert], Field(min_length=1)]
    opinion_docs: Annotated[list[Hash], Field(min_length=1)]
    adoption_report_doc: Hash


class RiskAssessmentCompleted(Body):
    """Social-stability risk assessment (Art. 22–24)."""

    draft: DraftHash
    already_assessed_ref: Text | None = None
    methods: list[Name] = []
    departments_heard: list[Name] = []
    risk_points: list[Text] = []
    prevention_measures: list[Text] = []
    contingency_plan: Text | None = None
    third_party: Name | None = None
    conclusion: Literal["controllable", "controllable_after_adjustment", "not_controllable"]
    report_doc: Hash | None = None


class FairCompetitionReviewCompleted(Body):
    """Fair-competition review when market actors are affected (Art. 29(1))."""

    draft: DraftHash
    conclusion: Literal["passes", "passes_after_changes", "fails"]
    opinion_doc: Hash


class StepCompleted(Body):
    """Any other step (integrity review, group consultation, report to the NPC)."""

    step: StepKind
    draft: DraftHash
    outcome: Text
    docs: list[Hash] = []


# -- legality review -----------------------------------------------------------------------------


class Check(Body):
    ok: bool
    note: Text | None = None


class Checks(Body):
    """The three checks of Art. 27."""

    authority: Check
    procedure: Check
    content: Check


class AdviserOpinion(Body):
    name: Name
    kind: Literal["legal_adviser", "public_lawyer"]
    doc: Hash


class LegalityReviewSubmitted(Body):
    """The draft goes to the legality-review unit with its materials (Art. 25–26)."""

    draft: DraftHash
    procedure_statement: Text
    materials_docs: list[Hash] = []


class LegalityReviewReturned(Body):
    draft: DraftHash
    reason: Text


class LegalityReviewOpinion(Body):
    """The legality-review unit's opinion on one draft (Art. 27–28)."""

    draft: DraftHash
    checks: Checks
    opinion: Literal[
        "lawful", "lawful_subject_to_changes", "unlawful", "exploratory_with_disclosed_legal_risk"
    ]
    risk_statement: Text | None = None
    required_changes: Text | None = None
    adviser_opinions: list[AdviserOpinion] = []
    opinion_doc: Hash
    exceptions: Exceptions = {}


# -- the meeting ---------------------------------------------------------------------------------


class MeetingConvened(Body):
    """A meeting of a collective organ (Art. 30)."""

    organ: OrganId
    form: Literal["meeting", "circulation", "countersign", "individual_consultation"] = "meeting"
    number: Name
    place: Name
    chair: PersonId
    recorder: PersonId


class Absence(Body):
    person: PersonId
    excused: bool
    reason: Text | None = None


class AttendanceRecorded(Body):
    """Who of the members due was present; non-voting attendees and invited experts."""

    present: Annotated[list[PersonId], Field(min_length=1)]
    absent: list[Absence] = []
    non_voting: list[PersonId] = []
    invited: list[Name] = []


class AgendaMaterial(Body):
    """An Art. 29 material laid before the meeting with the item, as a stored document."""

    kind: Literal[
        "draft",
        "explanation",
        "legality_opinion",
        "public_participation",
        "expert_argumentation",
        "risk_assessment",
        "hearing",
        "fair_competition_review",
        "consultation",
        "other",
    ]
    doc: Hash


class AgendaItemOpened(Body):
    """The decision comes before the meeting with its draft and Art. 29 materials."""

    meeting: MeetingId
    item: Annotated[int, Field(ge=1)]
    draft: DraftHash
    presenter: PersonId
    material_docs: list[Hash] = []
    materials: list[AgendaMaterial] = []  # Art. 29: each material by kind


class RecusalDeclared(Body):
    meeting: MeetingId
    person: PersonId
    reason: Literal["self_interest", "relative", "other"]
    declared_by: Literal["self", "chair"]
    note: Text | None = None


class PositionStated(Body):
    """One member's position on the item, in speaking order (Art. 30)."""

    meeting: MeetingId
    person: PersonId
    order: Annotated[int, Field(ge=1)]
    stance: Stance
    reason: Text | None = None
    written_opinion_doc: Hash | None = None  # an absent member's written opinion


class PositionConfirmed(Body):
    """A member confirms, with their own key, the position the recorder wrote for them."""

    meeting: MeetingId
    person: PersonId
    position_seq: Seq


class Counts(Body):
    yes: Annotated[int, Field(ge=0)]
    no: Annotated[int, Field(ge=0)]
    abstain: Annotated[int, Field(ge=0)] = 0
    invalid: Annotated[int, Field(ge=0)] = 0


class NamedVote(Body):
    person: PersonId
    vote: Literal["yes", "no", "abstain"]


class VoteTaken(Body):
    """A vote, where the organ decides by vote (cadre items, Party group)."""

    meeting: MeetingId
    method: Literal["oral", "show_of_hands", "secret_ballot"]
    counts: Counts
    named: list[NamedVote] = []
    result: Literal["passed", "failed", "deferred"]


class HeadDecisionMade(Body):
    """The head decides after the discussion (Art. 30)."""

    meeting: MeetingId
    outcome: HeadOutcome
    divergence_reason: Text | None = None
    note: Text | None = None


class MinutesFinalized(Body):
    number: Name
    doc: Hash


class MinutesConfirmed(Body):
    doc: Hash


# -- after the decision --------------------------------------------------------------------------


class PartyCommitteeReported(Body):
    """Reported to the Party committee before issue (Art. 31)."""

    to: OrganId
    reported_at: Day
    outcome: Text
    doc: Hash | None = None


class DecisionPublished(Body):
    """Publication (Art. 32) of exactly the approved document."""

    channels: Annotated[list[Channel], Field(min_length=1)]
    published_at: Day
    published_doc: Hash
    ref: Name
    adoption_explanation_doc: Hash | None = None


class DecisionNotPublished(Body):
    legal_basis: Text


class ExecutionAssigned(Body):
    """The execution unit(s) and tasks (Art. 34)."""

    units: Annotated[list[OrganId], Field(min_length=1)]
    tasks: list[Text] = []


class ExecutionReported(Body):
    period: Name
    status: Literal["on_track", "delayed", "completed"]
    summary: Text
    problems: Text | None = None
    doc: Hash | None = None


class ExecutionIssueReported(Body):
    """A problem, major change or force majeure in execution (Art. 35)."""

    kind: Literal["problem", "major_change", "force_majeure"]
    summary: Text


class PublicFeedbackReceived(Body):
    channel: Literal["letter", "phone", "email", "online", "visit"]
    received_at: Day
    summary: Text
    disposition: Text


class PostEvaluationStarted(Body):
    """A post-evaluation (Art. 36) and who does it."""

    trigger: Literal["expected_effect_not_met", "many_opinions", "deemed_necessary"]
    evaluator: Name
    evaluator_unit: OrganId | None = None
    third_party: bool = False


class PostEvaluationConcluded(Body):
    findings: Text
    recommendation: Literal["continue", "adjust", "suspend", "terminate"]
    report_doc: Hash


class DecisionSuspended(Body):
    """The head's emergency suspension (Art. 37) on Art. 35 grounds (earlier entries' seqs)."""

    reason: Text
    grounds: Annotated[list[Seq], Field(min_length=1)]


class DecisionAdjusted(Body):
    """The decision is modified or stopped by a new decision that re-ran the procedure."""

    kind: Literal["modify", "stop"]
    new_decision: DecisionId
    reason: Text
    triggered_by: list[Seq] = []


class DecisionSuperseded(Body):
    by: Id
    reason: Text


class DecisionCompleted(Body):
    summary: Text


class ArchiveFiled(Body):
    """The decision's file goes to the archive (Art. 33)."""

    archive_no: Name
    retention: Literal["permanent", "y30", "y10"]
    archived_at: Day
    complete: bool
    docs: list[Hash] = []
    note: Text | None = None
    exceptions: Exceptions = {}


class ArchiveTransferred(Body):
    to: Name
    transferred_at: Day


# -- accountability and normative documents -----------------------------------------------------


class CaseOpened(Body):
    """An accountability case (Art. 38–41); responsibility is traced for life."""

    kind: Literal[
        "serious_mistake",
        "undue_delay",
        "procedure_violation",
        "execution_failure",
        "expert_misconduct",
    ]
    opened_by: Name
    decisions: Annotated[list[DecisionId], Field(min_length=1)]
    subjects: Annotated[list[PersonId], Field(min_length=1)]
    summary: Text


class CaseFinding(Body):
    person: PersonId
    result: Text


class CaseClosed(Body):
    outcome: Text
    findings: list[CaseFinding] = []


class NormativeDocRegistered(Body):
    """A normative document issued: registration, number, legality review, publication."""

    title: Name
    doc_no: Name
    registration_no: Name
    drafting_unit: OrganId
    decision: DecisionId | None = None
    legality_reviewed_at: Day
    legality_opinion_doc: Hash | None = None
    published_at: Day
    effective_at: Day | None = None


class NormativeDocFiled(Body):
    filed_to: Name
    filed_at: Day
    material_docs: list[Hash] = []


class NormativeDocFilingOutcome(Body):
    outcome: Literal["registered", "deferred_for_supplement", "refused"]
    review_result: Literal["no_issue", "correction_ordered", "revoked"] | None = None
    decided_at: Day
    note: Text | None = None


class EntryCorrected(Body):
    """A correction of an earlier entry's content; the earlier entry stays as it was."""

    corrects: Seq
    reason: Text
    correction: Text


def position_body(
    meeting: str, person: str, order: int, stance: str, reason: str | None = None
) -> dict[str, Any]:
    """A `position.stated` body as its author would write it (no reason field when none)."""
    body: dict[str, Any] = {"meeting": meeting, "person": person, "order": order, "stance": stance}
    if reason is not None:
        body["reason"] = reason
    return body


def head_decision_body(meeting: str, outcome: str, reason: str | None = None) -> dict[str, Any]:
    """A `head_decision.made` body; `reason` is the divergence reason, when there is one."""
    body: dict[str, Any] = {"meeting": meeting, "outcome": outcome}
    if reason is not None:
        body["divergence_reason"] = reason
    return body


# -- entry types --------------------------------------------------------------------------------


def doc_refs(body: dict[str, Any]) -> list[str]:
    """Blob hashes named in a body: fields `doc`, `*_doc` and `*_docs`, at any depth."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if (key == "doc" or key.endswith("_doc")) and isinstance(item, str):
                    found.append(item)
                elif key.endswith("_docs") and isinstance(item, list):
                    found.extend(x for x in item if isinstance(x, str))
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return found


TYPES: list[tuple[str, type[Body], str]] = [
    ("rule_profile.versioned", RuleProfileVersioned, "a new version of the rule profile"),
    ("catalog.published", CatalogPublished, "the annual catalog of major decision matters"),
    ("catalog.adjusted", CatalogAdjusted, "items added to or removed from a catalog"),
    ("decision.proposed", DecisionProposed, "a matter proposed for decision (Art. 10)"),
    ("decision.initiated", DecisionInitiated, "the organ takes the matter up (Art. 10)"),
    ("decision.not_initiated", DecisionNotInitiated, "the organ declines the matter"),
    ("undertaking_unit.assigned", UndertakingUnitAssigned, "the drafting unit (Art. 11)"),
    ("draft.versioned", DraftVersioned, "a draft version, bound by its hash"),
    ("legal_basis.recorded", LegalBasisRecorded, "the legal-basis inventory (Art. 12)"),
    ("step.determined", StepDetermined, "a step required, not applicable, or exempt"),
    ("consultation.completed", ConsultationCompleted, "inter-unit consultation (Art. 13)"),
    ("public_comment.opened", PublicCommentOpened, "public comment opened (Art. 15)"),
    (
        "public_participation.completed",
        PublicParticipationCompleted,
        "public participation with dispositions (Art. 14, 18)",
    ),
    ("hearing.held", HearingHeld, "a hearing (Art. 16–17)"),
    (
        "expert_argumentation.completed",
        ExpertArgumentationCompleted,
        "expert argumentation (Art. 19–21)",
    ),
    ("risk_assessment.completed", RiskAssessmentCompleted, "risk assessment (Art. 22–24)"),
    (
        "fair_competition_review.completed",
        FairCompetitionReviewCompleted,
        "fair-competition review (Art. 29)",
    ),
    ("step.completed", StepCompleted, "another procedure step completed"),
    ("legality_review.submitted", LegalityReviewSubmitted, "a draft sent for legality review"),
    ("legality_review.returned", LegalityReviewReturned, "the reviewer returns the draft"),
    ("legality_review.opinion", LegalityReviewOpinion, "the legality opinion (Art. 27–28)"),
    ("meeting.convened", MeetingConvened, "a meeting of a collective organ"),
    ("attendance.recorded", AttendanceRecorded, "who was present"),
    ("agenda_item.opened", AgendaItemOpened, "a decision comes before a meeting"),
    ("recusal.declared", RecusalDeclared, "a member recuses from an item"),
    ("position.stated", PositionStated, "a member's position (Art. 30)"),
    ("position.confirmed", PositionConfirmed, "a member confirms the recorded position"),
    ("vote.taken", VoteTaken, "a vote"),
    ("head_decision.made", HeadDecisionMade, "the head's decision (Art. 30)"),
    ("minutes.finalized", MinutesFinalized, "the minutes are final"),
    ("minutes.confirmed", MinutesConfirmed, "a member or the chair confirms the minutes"),
    ("party_committee.reported", PartyCommitteeReported, "reported to the Party committee"),
    ("decision.published", DecisionPublished, "the decision is published (Art. 32)"),
    ("decision.not_published", DecisionNotPublished, "not published, on a legal basis"),
    ("execution.assigned", ExecutionAssigned, "the execution unit (Art. 34)"),
    ("execution.reported", ExecutionReported, "an execution report"),
    ("execution.issue_reported", ExecutionIssueReported, "an execution issue (Art. 35)"),
    ("public_feedback.received", PublicFeedbackReceived, "public feedback (Art. 35)"),
    ("post_evaluation.started", PostEvaluationStarted, "post-evaluation begins (Art. 36)"),
    ("post_evaluation.concluded", PostEvaluationConcluded, "post-evaluation concludes"),
    ("decision.suspended", DecisionSuspended, "the head suspends execution (Art. 37)"),
    ("decision.adjusted", DecisionAdjusted, "modified or stopped by a new decision (Art. 37)"),
    ("decision.superseded", DecisionSuperseded, "replaced by a new decision"),
    ("decision.completed", DecisionCompleted, "execution completed"),
    ("archive.filed", ArchiveFiled, "the file is archived (Art. 33)"),
    ("archive.transferred", ArchiveTransferred, "the file moves to the archives"),
    ("accountability.case_opened", CaseOpened, "an accountability case (Art. 38–41)"),
    ("accountability.case_closed", CaseClosed, "an accountability case closes"),
    ("normative_doc.registered", NormativeDocRegistered, "a normative document issued"),
    ("normative_doc.filed", NormativeDocFiled, "a normative document filed"),
    ("normative_doc.filing_outcome", NormativeDocFilingOutcome, "the filing authority's answer"),
    ("entry.corrected", EntryCorrected, "a correction of an earlier entry"),
]

REGISTRAR_TYPES = {"rule_profile.versioned"}

ENTRY_TYPES = tuple(
    EntryType(
        name,
        schema,
        "registrar" if name in REGISTRAR_TYPES else "any",
        summary,
        blob_refs=doc_refs,
    )
    for name, schema, summary in TYPES
)
