"""Property: the floor of an item predicts the ledger. For any attendance, recusals and positions
stated in any order, for every member, `Floor.may_speak` is None exactly when the ledger accepts
that member's next position (recorded by the recorder), and names the refusal it gives otherwise.
The floor is built as a screen builds it, from the stored state and the register."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.errors import GateRefusal, RefusedError
from ledger.procedure.bodies import position_body
from ledger.procedure.floor import Floor, floor_of
from ledger.verification import verify_ledger
from tests.procedure.bureau import ALL, Bureau, open_copy

STANCES = {
    "agree": None,
    "agree_with_modifications": "修改意见",
    "disagree": "理由",
    "defer": "理由",
}


@st.composite
def meetings(draw: st.DrawFn) -> dict[str, object]:
    present = draw(st.lists(st.sampled_from(ALL), unique=True, min_size=1))
    recused = draw(st.lists(st.sampled_from(present), unique=True, max_size=2))
    attempts = draw(
        st.lists(st.tuples(st.sampled_from(ALL), st.booleans(), st.sampled_from(list(STANCES))))
    )
    return {"present": present, "recused": recused, "attempts": attempts}


def _floor(bureau: Bureau) -> Floor:
    with bureau.store.reading() as conn:
        directory = bureau.store.directory(conn)
        decision = directory.procedure.get("decision", "d1")
        meeting = directory.procedure.get("meeting", "m1")
        assert decision is not None and meeting is not None
        return floor_of(decision, meeting, directory)


def _try(bureau: Bureau, person: str, written: bool, stance: str) -> None:
    """Ask the floor, then the ledger, whether `person` may state `stance` now."""
    floor = _floor(bureau)
    bar = floor.may_speak(person, written)
    body = position_body("m1", person, floor.next_order, stance, STANCES[stance])
    if written:
        body["written_opinion_doc"] = bureau.doc(f"{person} 书面意见")
    before = bureau.count()
    try:
        bureau.rec("huang.li", "position.stated", "d1", body)
    except RefusedError as exc:
        assert bar is not None, (person, written, str(exc))
        assert bar.message in str(exc), (str(bar), str(exc))
        assert exc.field == bar.field
        if isinstance(exc, GateRefusal):
            assert (exc.gate, exc.breach.conflicting_seq) == (bar.gate, bar.conflicting_seq)
        else:
            assert bar.gate is None, str(bar)
        assert bureau.count() == before
        event(f"refused: {bar.gate or 'authority'}")
    else:
        assert bar is None, str(bar)
        event("accepted")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=meetings())
def test_the_floor_predicts_every_position(
    bureau_template: Path, tmp_path_factory: object, case: dict[str, object]
) -> None:
    target = tmp_path_factory.mktemp("case") / "ledger.db"  # type: ignore[attr-defined]
    for bureau in open_copy(bureau_template, target):
        bureau.seated(list(case["present"]), list(case["recused"]))  # type: ignore[call-overload]
        for person, written, stance in case["attempts"]:  # type: ignore[attr-defined]
            _try(bureau, person, written, stance)
        for person in ALL:  # then every member, as the state now stands
            _try(bureau, person, False, "agree")
            _try(bureau, person, True, "disagree")
        assert verify_ledger(store=bureau.store).ok
