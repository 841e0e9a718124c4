"""Records that cannot be true are refused with a clear message and nothing written; the
authority rules; Chinese text round-trips; verify replays the gates and the derived state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.app import Ledger, accountability, decisions, entries
from ledger.entry import Statement, format_utc
from ledger.errors import InputError, LedgerError, RefusedError
from ledger.store import open_store
from ledger.verification import verify_ledger
from tests import tamper
from tests.procedure.bureau import MEMBERS, Bureau


def refused(
    bureau: Bureau,
    match: str,
    kind: str,
    subject: str,
    body: dict[str, Any],
    actor: str = "huang.li",
    error: type[LedgerError] = RefusedError,
) -> None:
    before = bureau.count()
    with pytest.raises(error, match=match):
        bureau.rec(actor, kind, subject, body)
    assert bureau.count() == before


def on_agenda(bureau: Bureau, present: list[str] | None = None) -> str:
    draft = bureau.ready()
    bureau.meeting("m1", present=present)
    bureau.item("d1", "m1", draft)
    return draft


def test_a_position_for_an_absent_member(bureau: Bureau) -> None:
    on_agenda(bureau, present=["zhang.wei", "liu.yang", "zhou.min"])
    refused(
        bureau,
        "chen.jing is absent from m1; an absent member's view is recorded only as a "
        "written opinion",
        "position.stated",
        "d1",
        {"meeting": "m1", "person": "chen.jing", "order": 1, "stance": "agree"},
    )


def test_a_position_for_a_recused_member(bureau: Bureau) -> None:
    on_agenda(bureau)
    recusal = bureau.rec(
        "huang.li",
        "recusal.declared",
        "d1",
        {"meeting": "m1", "person": "zhou.min", "reason": "relative", "declared_by": "self"},
    )
    refused(
        bureau,
        f"zhou.min recused from this item \\(seq {recusal.seq}\\)",
        "position.stated",
        "d1",
        {"meeting": "m1", "person": "zhou.min", "order": 1, "stance": "agree"},
    )


def test_a_vote_by_a_recused_member(bureau: Bureau) -> None:
    draft = bureau.ready(
        item_class="cadre",
        organ="party-group",
        scope={"sanzhong_yida": "cadre_appointment", "outside_catalog_reason": "干部任免"},
    )
    bureau.meeting("pg1", organ="party-group")
    bureau.item("d1", "pg1", draft)
    bureau.rec(
        "huang.li",
        "recusal.declared",
        "d1",
        {"meeting": "pg1", "person": "zhou.min", "reason": "self_interest", "declared_by": "chair"},
    )
    bureau.speak("d1", "pg1", {"liu.yang": "agree", "chen.jing": "agree", "zhang.wei": "agree"})
    refused(
        bureau,
        "zhou.min recused from this item and cannot vote",
        "vote.taken",
        "d1",
        {
            "meeting": "pg1",
            "method": "show_of_hands",
            "counts": {"yes": 3, "no": 1},
            "named": [{"person": p, "vote": "yes"} for p in ("liu.yang", "chen.jing", "zhang.wei")]
            + [{"person": "zhou.min", "vote": "no"}],
            "result": "passed",
        },
    )
    bureau.rec(
        "huang.li",
        "vote.taken",
        "d1",
        {
            "meeting": "pg1",
            "method": "show_of_hands",
            "counts": {"yes": 3, "no": 0},
            "named": [{"person": p, "vote": "yes"} for p in ("liu.yang", "chen.jing", "zhang.wei")],
            "result": "passed",
        },
    )


def test_a_legality_opinion_for_another_drafts_hash(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    first = bureau.draft()
    bureau.participate("d1", first)
    second = bureau.draft(version=2)
    bureau.submit("d1", second)
    refused(
        bureau,
        f"body.draft: {first[:12]}… is not the draft under review \\({second[:12]}…\\)",
        "legality_review.opinion",
        "d1",
        bureau.opinion_body(first),
        actor="wu.xia",
    )


def test_unknown_organ_person_and_decision(bureau: Bureau) -> None:
    bureau.propose()
    proposal = {
        "title": "标题",
        "summary": "摘要",
        "organ": "no-such-organ",
        "scope": {"art3_category": 1},
        "applicability": "direct",
        "confidentiality": {"level": "public"},
        "source": "leadership",
    }
    refused(bureau, "body.organ: no organ 'no-such-organ'", "decision.proposed", "d2", proposal)
    bureau.rec("zhang.wei", "decision.initiated", "d1", {"by": "head"})
    refused(
        bureau,
        "body.leaders.0: 'nobody' is not a registered person",
        "undertaking_unit.assigned",
        "d1",
        {"lead": "basic-edu", "leaders": ["nobody"]},
    )
    refused(
        bureau,
        "no decision 'd9' in this ledger \\(record decision.proposed first\\)",
        "decision.initiated",
        "d9",
        {"by": "head"},
    )


def test_an_amount_as_a_float(bureau: Bureau) -> None:
    with pytest.raises(InputError, match="is a float; an integer is required") as caught:
        bureau.propose(amount_fen=1234.5)
    assert caught.value.where == "body.amount_fen"


def test_a_dissent_needs_its_reason(bureau: Bureau) -> None:
    on_agenda(bureau)
    refused(
        bureau,
        "a disagree position needs its reason",
        "position.stated",
        "d1",
        {"meeting": "m1", "person": "liu.yang", "order": 1, "stance": "disagree"},
        actor="liu.yang",
    )


def test_only_the_legality_unit_gives_an_opinion(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    draft = bureau.draft()
    bureau.participate("d1", draft)
    bureau.submit("d1", draft)
    refused(
        bureau,
        "zhao.lei is not a member of the legality-review unit legal-office",
        "legality_review.opinion",
        "d1",
        bureau.opinion_body(draft),
        actor="zhao.lei",
    )


def test_only_the_head_decides(bureau: Bureau) -> None:
    on_agenda(bureau)
    bureau.speak("d1", "m1", dict.fromkeys(MEMBERS, "agree"))
    refused(
        bureau,
        "liu.yang is not the head of bureau-meeting",
        "head_decision.made",
        "d1",
        {"meeting": "m1", "outcome": "approve"},
        actor="liu.yang",
    )


def test_a_position_is_signed_by_the_member_or_recorded_and_confirmed(bureau: Bureau) -> None:
    on_agenda(bureau)
    refused(
        bureau,
        "a position is signed by the member \\(liu.yang\\) or recorded by the meeting's recorder",
        "position.stated",
        "d1",
        {"meeting": "m1", "person": "liu.yang", "order": 1, "stance": "agree"},
        actor="zhou.min",
    )
    own = bureau.position("d1", "m1", "liu.yang", 1, "agree")
    recorded = bureau.position("d1", "m1", "chen.jing", 2, "agree", by="huang.li")
    bureau.position("d1", "m1", "zhou.min", 3, "agree", by="huang.li")
    bureau.head("d1", "m1")
    confirm = {"meeting": "m1", "person": "chen.jing", "position_seq": recorded.seq}
    refused(
        bureau,
        "only chen.jing confirms their own position",
        "position.confirmed",
        "d1",
        confirm,
        actor="zhou.min",
    )
    refused(
        bureau,
        f"seq {own.seq} is not chen.jing's position",
        "position.confirmed",
        "d1",
        {**confirm, "position_seq": own.seq},
        actor="chen.jing",
    )
    bureau.rec("chen.jing", "position.confirmed", "d1", confirm)
    (report,) = accountability.check(Ledger(bureau.store), "d1")
    signed = {p["person"]: p["signed"] for p in report["positions"]}
    assert signed == {
        "liu.yang": "member",
        "chen.jing": "recorder_confirmed_by_member",
        "zhou.min": "recorder_unconfirmed",
    }
    assert [f["check"] for f in report["findings"]] == ["position_confirmed"]


def test_an_interested_expert_is_excluded(bureau: Bureau) -> None:
    bureau.propose(flags=["technical"])
    bureau.initiate()
    draft = bureau.draft()
    refused(
        bureau,
        "王工 declared a direct interest; Art. 20",
        "expert_argumentation.completed",
        "d1",
        {
            "draft": draft,
            "method": "meeting",
            "experts": [{"name": "王工", "no_direct_interest": False}],
            "opinion_docs": [bureau.doc("意见")],
            "adoption_report_doc": bureau.doc("采纳"),
        },
        actor="zhao.lei",
    )


def test_chinese_text_round_trips_byte_for_byte(bureau: Bureau) -> None:
    title = "关于《示例区中小学“双减”工作实施方案》的决策（第２稿·试行）"
    reason = "学位测算数据需复核——建议暂缓；㐀𠀀 supplementary-plane characters kept as-is"
    draft = bureau.ready(title=title)
    bureau.meeting()
    bureau.item("d1", "m1", draft)
    bureau.speak("d1", "m1", {"liu.yang": "agree", "chen.jing": "agree"})
    bureau.position("d1", "m1", "zhou.min", 3, "disagree", reason)
    bureau.head("d1", "m1")
    proposed = next(entries.list_entries(Ledger(bureau.store), entry_type="decision.proposed"))
    assert title.encode("utf-8") in proposed.statement
    assert json.loads(proposed.statement)["body"]["title"] == title
    (report,) = accountability.check(Ledger(bureau.store), "d1")
    assert report["title"] == title
    trace = accountability.trace_decision(Ledger(bureau.store), "d1")
    dissent = [p for p in trace["people"] if p.get("dissent")]
    assert [(p["person"], p["reason"]) for p in dissent] == [("zhou.min", reason)]
    assert verify_ledger(store=bureau.store).ok


def test_verify_replays_the_gates(bureau: Bureau) -> None:
    """An entry written around the application, validly signed, that breaks G5: verify names
    its gate and seq."""
    bureau.propose()
    bureau.initiate()
    draft = bureau.draft()
    bureau.meeting()
    bureau.store.close()
    head = open_store(str(bureau.db)).head()
    assert head is not None
    stmt = Statement(
        seq=head.seq + 1,
        prev=head.leaf_hash,
        type="agenda_item.opened",
        subject="d1",
        occurred_at="2021-06-01T09:00:00+08:00",
        recorded_at=format_utc(
            __import__("datetime").datetime.fromisoformat("2021-06-01T09:00:00+08:00")
        ),
        actor="huang.li",
        key=bureau.keys["huang.li"].key_id,
        body={"meeting": "m1", "item": 1, "draft": draft, "presenter": "zhao.lei"},
    )
    tamper.forge_append(str(bureau.db), stmt, bureau.keys["huang.li"])
    bureau.store = open_store(str(bureau.db))
    report = verify_ledger(store=bureau.store)
    failure = report.failures["gate"]
    assert failure.seq == head.seq + 1
    assert failure.message.startswith("G5 (Art. 25): draft ")


def test_verify_catches_a_changed_decision_state(bureau: Bureau) -> None:
    bureau.executing()
    state = decisions.get_decision(Ledger(bureau.store), "d1")
    result = tamper.sql(
        str(bureau.db), "UPDATE procedure_state SET status='completed' WHERE id='d1';"
    )
    assert result.returncode == 0, result.stderr
    report = verify_ledger(store=bureau.store)
    failure = report.failures["derived"]
    assert failure.seq == state["last_seq"]
    assert "procedure_state: row decision/d1 differs from the rebuild" in failure.message


def test_verify_catches_a_deleted_involvement(bureau: Bureau) -> None:
    bureau.decided()
    rows = tamper.read(str(bureau.db), "SELECT seq FROM involvements WHERE role='head_decision'")
    (seq,) = rows[0]
    tamper.sql(str(bureau.db), "DELETE FROM involvements WHERE role='head_decision';")
    report = verify_ledger(store=bureau.store)
    assert report.failures["derived"].seq == seq
    assert "is missing" in report.failures["derived"].message
