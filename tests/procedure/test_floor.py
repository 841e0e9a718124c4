"""The floor of an agenda item, read as a screen reads it (the stored state and the register):
who speaks in what order, who may speak now and why not, and when the outcome may be recorded."""

from __future__ import annotations

import pytest

from ledger.errors import InputError
from ledger.procedure.floor import Floor, floor_of
from tests.procedure.bureau import MEMBERS, Bureau


def floor(bureau: Bureau, decision: str = "d1") -> Floor:
    with bureau.store.reading() as conn:
        directory = bureau.store.directory(conn)
        state = directory.procedure.get("decision", decision)
        assert state is not None and state["agenda"] is not None
        meeting = directory.procedure.get("meeting", state["agenda"]["meeting"])
        assert meeting is not None
        return floor_of(state, meeting, directory)


def test_the_head_speaks_last_and_decides_when_every_member_has_spoken(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting("m1")
    bureau.item("d1", "m1", draft)
    item = floor(bureau)
    assert item.rule == "head_decides_after_discussion" and not item.by_vote
    assert item.waiting == [*MEMBERS, "zhang.wei"] and item.next_speaker == "liu.yang"
    assert item.unheard == MEMBERS and not item.ready
    bar = item.may_speak("zhang.wei")
    assert bar is not None and (bar.gate, bar.field) == ("G9", "person")
    assert str(bar) == "G9 (Art. 30): the head speaks last; still to speak: " + ", ".join(MEMBERS)
    assert item.may_speak("liu.yang") is None
    bureau.speak("d1", "m1", {"liu.yang": "disagree", "chen.jing": "agree", "zhou.min": "defer"})
    item = floor(bureau)
    assert item.ready and item.waiting == ["zhang.wei"] and item.next_order == 4
    assert item.majority == "not_approve" and item.diverges("approve")
    assert not item.diverges("reject")
    spoke = item.speaker("liu.yang")
    bar = item.may_speak("liu.yang")
    assert bar is not None and bar.gate is None
    assert str(bar) == f"liu.yang has already stated a position (seq {spoke.seq})"
    head = bureau.position("d1", "m1", "zhang.wei", 4, "agree")
    item = floor(bureau)
    assert item.head_spoke and item.speaker("zhang.wei").seq == head.seq and item.waiting == []


def test_recusal_and_absence_shape_the_floor(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting("m1", present=["zhang.wei", "liu.yang", "chen.jing"])
    bureau.item("d1", "m1", draft)
    recusal = bureau.rec(
        "huang.li",
        "recusal.declared",
        "d1",
        {"meeting": "m1", "person": "chen.jing", "reason": "relative", "declared_by": "self"},
    )
    item = floor(bureau)
    assert item.waiting == ["liu.yang", "zhang.wei"]
    assert [s.person for s in item.speakers][-2:] == ["chen.jing", "zhou.min"]
    assert (
        str(item.may_speak("chen.jing")) == f"chen.jing recused from this item (seq {recusal.seq})"
    )
    assert "absent" in str(item.may_speak("zhou.min"))
    assert item.may_speak("zhou.min", written=True) is None  # a written opinion, at any point
    assert item.absent_silent == ["zhou.min"]
    with pytest.raises(InputError, match="not a member due"):
        item.speaker("huang.li")
    assert str(item.may_speak("huang.li")) == "huang.li is not a member due at m1"
