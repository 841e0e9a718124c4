"""The gates G1–G17 of decision-procedure.md §4.4: what each checks, how hard, and on what basis.

A hard gate refuses the entry. A soft gate accepts it only when the body carries a reason for that
gate under `exceptions` (`"exceptions": {"G3": "…"}`), and the decision is then flagged in its
compliance report. G17 is a report, not a gate at append time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ledger.errors import DECREE_713, GateBreach, GateError, citation

# 《党政领导干部选拔任用工作条例》, cited by its 2014 text, whose article numbers are confirmed
# (the 2019 revision keeps these rules; its numbering is not: collective-decision-and-documents.md
# §3, CAD-02 and CAD-09).
CADRE_REGULATION = "Regulations on the Selection and Appointment of Leading Cadres (2014)"


@dataclass(frozen=True)
class Gate:
    """A gate: its rule, its basis (an article of `instrument`, or the instrument alone), how
    hard it is, and the code of the remedy that satisfies it (`remedy.<code>` in the message
    catalogs holds its words)."""

    id: str
    article: str | None
    strength: Literal["hard", "soft", "report"]
    rule: str
    remedy: str
    instrument: str = DECREE_713

    @property
    def citation(self) -> str:
        """`Art. 25`, or the article with its instrument when that is not Decree 713."""
        return citation(self.article, self.instrument)

    def breach(
        self, finding: str, *, field: str | None = None, conflicting_seq: int | None = None
    ) -> GateBreach:
        """What this gate found wrong, with the field and earlier entry it concerns."""
        return GateBreach(
            gate=self.id,
            rule=self.rule,
            article=self.article,
            instrument=self.instrument,
            strength=self.strength,
            remedy=self.remedy,
            finding=finding,
            field=field,
            conflicting_seq=conflicting_seq,
        )


GATES: dict[str, Gate] = {
    gate.id: gate
    for gate in (
        Gate(
            "G1",
            "Art. 10–11",
            "hard",
            "no drafting before the decision is initiated and an undertaking unit assigned",
            remedy="initiate_and_assign_unit_first",
        ),
        Gate(
            "G2",
            "Art. 27(2), 29",
            "hard",
            "no legality review before every required consultation step is completed or "
            "validly exempted",
            remedy="complete_or_exempt_each_step",
        ),
        Gate(
            "G3",
            "Art. 15",
            "soft",
            "public comment lasts at least the profile's minimum days",
            remedy="lengthen_comment_or_give_reason",
        ),
        Gate(
            "G4",
            "Art. 16",
            "soft",
            "hearing materials reach participants the profile's minimum days before",
            remedy="deliver_materials_earlier_or_give_reason",
        ),
        Gate(
            "G5",
            "Art. 25",
            "hard",
            "only a draft with a lawful (or exploratory, risk-disclosed) legality opinion on "
            "that very draft goes on the agenda",
            remedy="agenda_only_a_cleared_draft",
        ),
        Gate(
            "G6",
            "Art. 26",
            "soft",
            "legality review takes at least the profile's minimum working days",
            remedy="full_review_or_give_reason",
        ),
        Gate(
            "G7",
            "Art. 30",
            "hard",
            "deliberation only in a meeting of the deciding organ; no circulation or "
            "countersigning",
            remedy="deliberate_in_a_meeting_of_the_organ",
        ),
        Gate(
            "G8",
            "Art. 30",
            "hard",
            "quorum met for the item after recusals (for a cadre item, the profile's cadre quorum "
            f"of the members due: Art. 37, {CADRE_REGULATION})",
            remedy="meet_the_quorum",
        ),
        Gate(
            "G9",
            "Art. 30",
            "hard",
            "a position from every present, non-recused member; the head speaks last",
            remedy="every_position_head_last",
        ),
        Gate(
            "G10",
            "Art. 30",
            "hard",
            "the head states the reason when deciding against the majority",
            remedy="state_the_divergence_reason",
        ),
        Gate(
            "G11",
            "Art. 37",
            "hard",
            "a vote passes only with the share of members due the profile requires",
            remedy="record_the_result_the_counts_give",
            instrument=CADRE_REGULATION,
        ),
        Gate(
            "G12",
            "Art. 31",
            "hard",
            "published only after the report to the Party committee",
            remedy="report_to_the_party_committee_first",
        ),
        Gate(
            "G13",
            "Art. 30, 32",
            "hard",
            "the published document is the approved draft",
            remedy="publish_the_approved_draft",
        ),
        Gate(
            "G14",
            "Art. 36",
            "hard",
            "the post-evaluator did not do the main pre-decision argumentation or evaluation",
            remedy="choose_an_independent_evaluator",
        ),
        Gate(
            "G15",
            "Art. 37",
            "hard",
            "an adjustment or stop needs a new decision that passed the gates; an emergency "
            "suspension needs a reason and Art. 35 grounds",
            remedy="decide_the_new_decision_first",
        ),
        Gate(
            "G16",
            "Art. 33",
            "soft",
            "archived within the profile's deadline",
            remedy="archive_in_time_or_give_reason",
        ),
        Gate(
            "G17",
            "Art. 38",
            "report",
            "matters not decided by their planned date are reported as undue delay",
            remedy="decide_or_give_reason",
        ),
    )
}


# Remedies a refusal names instead of its gate's own when the gate refuses for several reasons
# and this one says more exactly what to do (`refuse(..., remedy=code)`).
REFINED_REMEDIES = frozenset(
    {
        "draft_by_the_undertaking_unit",  # G1: who records a drafting step (Art. 11)
        "ground_the_exemption",  # G2: an exemption's ground (Art. 14, 22)
        "conclude_otherwise_first",  # G2, G5: a conclusion that forbids going on (Art. 24)
        "keep_the_comment_period",  # G3: participation after the comment period (Art. 15)
        "date_the_hearing_in_order",  # G4: a hearing's dates in order (Art. 16)
        # G12 (Art. 31, 8, 30, 33): the Party committee, its answer, the NPC report, the minutes
        "name_the_party_committee_in_the_profile",
        "report_to_the_profiles_party_committee",
        "record_the_party_committees_answer",
        "report_again_once_revised",
        "publish_the_revision_the_party_committee_asked_for",
        "report_to_the_npc_standing_committee_first",
        "finalize_the_minutes_first",
        "table_the_art29_materials",  # G5: the agenda item's materials (Art. 29)
        "link_the_new_decision_to_this_one",  # G15: the new decision names this one (Art. 37)
        "claim_completeness_only_when_complete",  # G16: completeness is derived (Art. 33)
    }
)


def refuse(
    gate: str,
    finding: str,
    *,
    seq: int | None = None,
    field: str | None = None,
    conflicting_seq: int | None = None,
    remedy: str | None = None,
    article: str | None = None,
    rule: str | None = None,
) -> GateError:
    """The error of gate `gate` finding `finding` in the entry at `seq`; its message starts with
    the gate and its article. `field` is the body field the finding concerns (`draft`,
    `named.2`), `conflicting_seq` the earlier entry it conflicts with, `remedy` one of
    `REFINED_REMEDIES` in place of the gate's own. A check of substance that applies a gate on a
    narrower basis may also name its `article` and `rule` (the rule as it reads for this check).
    Either way the refusal is hard, whatever the gate: it finds a record that cannot be true,
    which no recorded reason lets through."""
    breach = GATES[gate].breach(finding, field=field, conflicting_seq=conflicting_seq)
    if remedy is not None:
        # a check of substance: a record that cannot be true, which no reason lets through
        assert remedy in REFINED_REMEDIES, remedy
        breach = replace(breach, remedy=remedy, strength="hard")
    if article is not None or rule is not None:
        breach = replace(
            breach,
            article=article or breach.article,
            rule=rule or breach.rule,
            strength="hard",
        )
    return GateError(breach, seq=seq)


def remedy_codes() -> set[str]:
    """Every remedy code a refusal can carry."""
    return {gate.remedy for gate in GATES.values()} | REFINED_REMEDIES


__all__ = ["CADRE_REGULATION", "GATES", "REFINED_REMEDIES", "Gate", "refuse", "remedy_codes"]
