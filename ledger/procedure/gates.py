"""The gates G1–G17 of decision-procedure.md §4.4: what each checks, how hard, and on what basis.

A hard gate refuses the entry. A soft gate accepts it only when the body carries a reason for that
gate under `exceptions` (`"exceptions": {"G3": "…"}`), and the decision is then flagged in its
compliance report. G17 is a report, not a gate at append time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ledger.errors import GateError


@dataclass(frozen=True)
class Gate:
    id: str
    article: str
    strength: Literal["hard", "soft", "report"]
    rule: str


GATES: dict[str, Gate] = {
    gate.id: gate
    for gate in (
        Gate(
            "G1",
            "Art. 10–11",
            "hard",
            "no drafting before the decision is initiated and an undertaking unit assigned",
        ),
        Gate(
            "G2",
            "Art. 27(2), 29",
            "hard",
            "no legality review before every required consultation step is completed or "
            "validly exempted",
        ),
        Gate("G3", "Art. 15", "soft", "public comment lasts at least the profile's minimum days"),
        Gate(
            "G4",
            "Art. 16",
            "soft",
            "hearing materials reach participants the profile's minimum days before",
        ),
        Gate(
            "G5",
            "Art. 25",
            "hard",
            "only a draft with a lawful (or exploratory, risk-disclosed) legality opinion on "
            "that very draft goes on the agenda",
        ),
        Gate(
            "G6",
            "Art. 26",
            "soft",
            "legality review takes at least the profile's minimum working days",
        ),
        Gate(
            "G7",
            "Art. 30",
            "hard",
            "deliberation only in a meeting of the deciding organ; no circulation or "
            "countersigning",
        ),
        Gate(
            "G8", "Art. 30; local and cadre rules", "hard", "quorum met for the item after recusals"
        ),
        Gate(
            "G9",
            "Art. 30",
            "hard",
            "a position from every present, non-recused member; the head speaks last",
        ),
        Gate(
            "G10",
            "Art. 30",
            "hard",
            "the head states the reason when deciding against the majority",
        ),
        Gate(
            "G11",
            "cadre rules",
            "hard",
            "a vote passes only with the share of members due the profile requires",
        ),
        Gate("G12", "Art. 31", "hard", "published only after the report to the Party committee"),
        Gate("G13", "Art. 30, 32", "hard", "the published document is the approved draft"),
        Gate(
            "G14",
            "Art. 36",
            "hard",
            "the post-evaluator did not do the main pre-decision argumentation or evaluation",
        ),
        Gate(
            "G15",
            "Art. 37",
            "hard",
            "an adjustment or stop needs a new decision that passed the gates; an emergency "
            "suspension needs a reason and Art. 35 grounds",
        ),
        Gate("G16", "Art. 33", "soft", "archived within the profile's deadline"),
        Gate(
            "G17",
            "Art. 38",
            "report",
            "matters not decided by their planned date are reported as undue delay",
        ),
    )
}


def refuse(gate: str, message: str, *, seq: int | None = None) -> GateError:
    """A gate error whose message starts with the gate and its article."""
    return GateError(gate, f"{gate} ({GATES[gate].article}): {message}", seq=seq)


__all__ = ["GATES", "Gate", "refuse"]
