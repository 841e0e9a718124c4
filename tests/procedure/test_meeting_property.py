"""Property: for any attendance, recusals, stances and head outcome, the meeting gates (G8 quorum,
G9 everyone speaks, G10 divergence reason) accept exactly what an independent reading of the
rules accepts, and a refusal writes nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.app import Ledger, decisions
from ledger.errors import RefusedError
from ledger.verification import verify_ledger
from tests.procedure.bureau import ALL, MEMBERS, open_copy

STANCES = ["agree", "agree_with_modifications", "disagree", "defer"]
OUTCOMES = ["approve", "reject", "defer", "approve_with_editorial_changes"]


@st.composite
def meetings(draw: st.DrawFn) -> dict[str, object]:
    present = ["zhang.wei", *draw(st.lists(st.sampled_from(MEMBERS), unique=True, min_size=2))]
    recused = draw(st.lists(st.sampled_from(present[1:]), unique=True, max_size=2))
    voters = [p for p in present[1:] if p not in recused]
    everyone = draw(st.integers(0, 3)) > 0  # most meetings hear every member
    speakers = voters if everyone or not voters else draw(st.permutations(voters))[1:]
    stances = {p: draw(st.sampled_from(STANCES)) for p in speakers}
    return {
        "present": present,
        "recused": recused,
        "stances": stances,
        "outcome": draw(st.sampled_from(OUTCOMES)),
        "reason": draw(st.integers(0, 3)) == 0,
    }


def expected_gate(case: dict[str, object]) -> str | None:
    """The rules, read independently of the implementation."""
    present, recused = list(case["present"]), list(case["recused"])  # type: ignore[call-overload]
    stances: dict[str, str] = case["stances"]  # type: ignore[assignment]
    due = [p for p in ALL if p not in recused]
    counted = [p for p in present if p not in recused]
    if not 2 * len(counted) > len(due):
        return "G8"
    if any(p not in stances for p in counted if p != "zhang.wei"):
        return "G9"
    yes = sum(1 for s in stances.values() if s.startswith("agree"))
    no = len(stances) - yes
    majority = "approve" if 2 * yes > len(stances) else "not" if 2 * no > len(stances) else None
    side = "approve" if str(case["outcome"]).startswith("approve") else "not"
    if majority is not None and majority != side and not case["reason"]:
        return "G10"
    return None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=meetings())
def test_meeting_gates_match_the_rules(
    bureau_template: Path, tmp_path_factory: object, case: dict[str, object]
) -> None:
    target = tmp_path_factory.mktemp("case") / "ledger.db"  # type: ignore[attr-defined]
    for bureau in open_copy(bureau_template, target):
        bureau.seated(list(case["present"]), list(case["recused"]))  # type: ignore[call-overload]
        stances: dict[str, str] = case["stances"]  # type: ignore[assignment]
        for order, (person, stance) in enumerate(stances.items(), start=1):
            reason = None if stance == "agree" else "理由"
            bureau.position("d1", "m1", person, order, stance, reason)
        before = bureau.count()
        gate = expected_gate(case)
        event(f"expected {gate}")
        try:
            bureau.head("d1", "m1", str(case["outcome"]), "说明理由" if case["reason"] else None)
        except RefusedError as exc:
            assert gate is not None and str(exc).startswith(f"{gate} ("), (gate, str(exc))
            assert bureau.count() == before
        else:
            assert gate is None, gate
            state = decisions.get_decision(Ledger(bureau.store), "d1")
            assert state["agenda"] is None and state["deliberations"][-1]["outcome"]
        assert verify_ledger(store=bureau.store).ok
