"""Gates G1–G17: each refuses (hard) or demands a reason (soft), naming the gate and article,
writes nothing when it refuses, and lets the compliant path through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.app import Ledger, accountability, decisions
from ledger.errors import GateRefusal, RefusedError
from ledger.procedure.gates import CADRE_REGULATION, GATES
from ledger.verification import verify_ledger
from tests.procedure.bureau import ALL, MEMBERS, Bureau


def refused(
    bureau: Bureau,
    gate: str,
    step: Callable[[], Any],
    *,
    field: str | None,
    conflicting_seq: int | None = None,
) -> str:
    """Run `step`, expect `gate` to refuse it with the gate's article, rule and remedy code
    from its table entry, naming `field` and `conflicting_seq`, and check that nothing was
    written. Guards the refusal's fields against drifting from the gate's definition."""
    before = bureau.count()
    with pytest.raises(GateRefusal) as caught:
        step()
    refusal = caught.value
    tabled, breach = GATES[gate], refusal.breach
    assert (breach.gate, breach.article, breach.instrument) == (
        gate,
        tabled.article,
        tabled.instrument,
    )
    assert (breach.rule, breach.strength, breach.remedy) == (
        tabled.rule,
        tabled.strength,
        tabled.remedy,
    )
    assert (breach.field, breach.conflicting_seq) == (field, conflicting_seq), breach
    assert refusal.field == field and refusal.seq == before
    message = str(refusal)
    assert message.startswith(f"{gate} ({tabled.citation}): "), message
    assert message.endswith("nothing was written")
    assert bureau.count() == before
    return message


def report(bureau: Bureau, ident: str = "d1") -> dict[str, Any]:
    (result,) = accountability.check(Ledger(bureau.store), ident)
    return result


def test_every_gate_is_tabled_with_an_article() -> None:
    assert list(GATES) == [f"G{n}" for n in range(1, 18)]
    assert all(g.citation and g.rule and g.remedy for g in GATES.values())
    assert {g.instrument for g in GATES.values()} == {"Decree 713", CADRE_REGULATION}
    assert GATES["G11"].citation == f"Art. 37, {CADRE_REGULATION}"
    assert GATES["G5"].citation == "Art. 25"


def test_g1_no_drafting_before_initiation_and_unit(bureau: Bureau) -> None:
    bureau.propose()
    message = refused(bureau, "G1", lambda: bureau.draft(), field=None)
    assert "decision.initiated and undertaking_unit.assigned" in message
    bureau.rec("zhang.wei", "decision.initiated", "d1", {"by": "head"})
    message = refused(bureau, "G1", lambda: bureau.draft(), field=None)
    assert "record undertaking_unit.assigned" in message
    bureau.rec(
        "huang.li",
        "undertaking_unit.assigned",
        "d1",
        {"lead": "basic-edu", "leaders": ["zhao.lei"]},
    )
    bureau.draft()
    assert decisions.get_decision(Ledger(bureau.store), "d1")["status"] == "drafting"


def test_g2_no_legality_review_before_required_steps(bureau: Bureau) -> None:
    bureau.propose(flags=["technical", "stability_risk"])
    bureau.initiate()
    draft = bureau.draft()
    bureau.participate("d1", draft)
    message = refused(bureau, "G2", lambda: bureau.submit("d1", draft), field=None)
    assert "expert_argumentation (flag technical)" in message
    assert "risk_assessment (flag stability_risk)" in message
    bureau.rec(
        "zhao.lei",
        "expert_argumentation.completed",
        "d1",
        {
            "draft": draft,
            "method": "meeting",
            "experts": [
                {"name": "李教授", "institution": "示例师范大学", "no_direct_interest": True}
            ],
            "opinion_docs": [bureau.doc("专家意见")],
            "adoption_report_doc": bureau.doc("采纳"),
        },
    )
    bureau.rec(
        "zhao.lei",
        "step.determined",
        "d1",
        {
            "step": "risk_assessment",
            "determination": "exempt",
            "legal_basis": "已按《示例区社会稳定风险评估办法》另行评估（第二十二条）",
        },
    )
    bureau.submit("d1", draft)
    exceptions = report(bureau)["exceptions"]
    assert [e["finding"] for e in exceptions] == ["risk_assessment exempt"]


def test_g2_a_required_step_cannot_be_waved_off_as_not_applicable(bureau: Bureau) -> None:
    bureau.propose(flags=["technical"])
    bureau.initiate()
    before = bureau.count()
    with pytest.raises(RefusedError, match="required here .flag technical.; it can only be exempt"):
        bureau.rec(
            "zhao.lei",
            "step.determined",
            "d1",
            {"step": "expert_argumentation", "determination": "not_applicable", "reason": "不需要"},
        )
    assert bureau.count() == before


def test_g3_short_comment_period_needs_a_reason(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    draft = bureau.draft()
    message = refused(
        bureau, "G3", lambda: bureau.participate("d1", draft, days=20), field="deadline"
    )
    assert "20 days, shorter than the 30" in message
    assert "exceptions.G3" in message
    bureau.participate("d1", draft, days=20, exceptions={"G3": "开学在即，依第十五条说明缩短理由"})
    bureau.submit("d1", draft)
    bureau.opinion("d1", draft)
    flagged = report(bureau)["exceptions"]
    assert [(e["gate"], e["reason"]) for e in flagged] == [
        ("G3", "开学在即，依第十五条说明缩短理由")
    ]


def _hearing(bureau: Bureau, draft: str, delivered: str, **over: Any) -> None:
    bureau.rec(
        "zhao.lei",
        "hearing.held",
        "d1",
        {
            "draft": draft,
            "notice_published_at": "2021-03-01",
            "selection_published_at": "2021-03-01",
            "participants_published_at": "2021-03-02",
            "materials_delivered_at": delivered,
            "held_at": "2021-03-12",
            "record_doc": bureau.doc("听证笔录"),
            **over,
        },
    )


def test_g4_hearing_materials_late_need_a_reason(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    draft = bureau.draft()
    message = refused(
        bureau, "G4", lambda: _hearing(bureau, draft, "2021-03-09"), field="materials_delivered_at"
    )
    assert "3 days before the hearing, fewer than 7" in message
    _hearing(bureau, draft, "2021-03-09", exceptions={"G4": "补充材料系应参加人要求提供"})
    state = decisions.get_decision(Ledger(bureau.store), "d1")
    assert "completed_seq" in state["steps"]["hearing"]
    assert [(e["gate"], e["reason"]) for e in state["exceptions"]] == [
        ("G4", "补充材料系应参加人要求提供")
    ]


def test_g4_passes_with_seven_days(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    _hearing(bureau, bureau.draft(), "2021-03-05")
    state = decisions.get_decision(Ledger(bureau.store), "d1")
    assert "completed_seq" in state["steps"]["hearing"]
    assert state["exceptions"] == []


def test_g5_unreviewed_draft_stays_off_the_agenda(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    draft = bureau.draft()
    bureau.participate("d1", draft)
    bureau.meeting()
    message = refused(bureau, "G5", lambda: bureau.item("d1", "m1", draft), field="draft")
    assert f"draft {draft[:12]}… has no legality opinion" in message
    assert "cannot go on the agenda" in message


def test_g5_unlawful_then_fixed_and_reviewed_again(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    first = bureau.draft()
    bureau.participate("d1", first)
    bureau.submit("d1", first)
    unlawful = bureau.opinion("d1", first, "unlawful")
    bureau.meeting("m1")
    message = refused(
        bureau,
        "G5",
        lambda: bureau.item("d1", "m1", first),
        field="draft",
        conflicting_seq=unlawful.seq,
    )
    assert "legality opinion of unlawful" in message
    second = bureau.draft(version=2)
    bureau.submit("d1", second)
    bureau.opinion("d1", second)
    bureau.meeting("m2")
    bureau.item("d1", "m2", second)
    assert decisions.get_decision(Ledger(bureau.store), "d1")["status"] == ("under_deliberation")


def test_g5_a_newer_unreviewed_draft_cannot_replace_the_reviewed_one(bureau: Bureau) -> None:
    bureau.ready()
    newer = bureau.draft(version=2)
    bureau.meeting()
    refused(bureau, "G5", lambda: bureau.item("d1", "m1", newer), field="draft")


def test_g5_lawful_subject_to_changes_clears_the_draft_that_applies_them(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    first = bureau.draft()
    bureau.participate("d1", first)
    bureau.submit("d1", first)
    opinion = bureau.opinion(
        "d1", first, "lawful_subject_to_changes", required_changes="删除第五条"
    )
    bureau.meeting("m1")
    refused(
        bureau,
        "G5",
        lambda: bureau.item("d1", "m1", first),
        field="draft",
        conflicting_seq=opinion.seq,
    )
    second = bureau.draft(version=2, responds_to_review=first)
    bureau.meeting("m2")
    bureau.item("d1", "m2", second)


def test_g5_a_meeting_before_the_review_it_depends_on(bureau: Bureau) -> None:
    draft = bureau.ready()
    opinion_seq = bureau.count() - 1
    opinion_day = bureau.day
    bureau.meeting("m1", days=0)
    convened = bureau.store.get(bureau.count() - 2)
    assert convened.statement.type == "meeting.convened"
    # A meeting dated before the opinion, recorded afterwards:
    earlier = f"{(opinion_day.replace(day=opinion_day.day - 1)).isoformat()}T09:00:00+08:00"
    bureau.rec(
        "huang.li",
        "meeting.convened",
        "m0",
        {
            "organ": "bureau-meeting",
            "number": "第0次",
            "place": "会议室",
            "chair": "zhang.wei",
            "recorder": "huang.li",
        },
        at=earlier,
        recorded=bureau.at(),
    )
    bureau.rec("huang.li", "attendance.recorded", "m0", {"present": ALL})
    message = refused(
        bureau,
        "G5",
        lambda: bureau.item("d1", "m0", draft),
        field="meeting",
        conflicting_seq=opinion_seq,
    )
    assert "is before the legality opinion it depends on" in message


def test_g6_short_legality_review_needs_a_reason(bureau: Bureau) -> None:
    bureau.propose()
    bureau.initiate()
    draft = bureau.draft()
    bureau.participate("d1", draft)
    submitted = bureau.count()
    bureau.submit("d1", draft)
    message = refused(
        bureau,
        "G6",
        lambda: bureau.opinion("d1", draft, days=3),
        field=None,
        conflicting_seq=submitted,
    )
    assert "working days, fewer than 7" in message
    bureau.opinion("d1", draft, days=0, exceptions={"G6": "上级限期报送，经分管领导同意加快审查"})
    assert [e["gate"] for e in report(bureau)["exceptions"]] == ["G6"]


def test_g7_no_decision_by_circulation(bureau: Bureau) -> None:
    message = refused(
        bureau,
        "G7",
        lambda: bureau.rec(
            "huang.li",
            "meeting.convened",
            "m1",
            {
                "organ": "bureau-meeting",
                "form": "circulation",
                "number": "传阅",
                "place": "-",
                "chair": "zhang.wei",
                "recorder": "huang.li",
            },
        ),
        field="form",
    )
    assert "cannot be taken by circulation" in message


def test_g7_only_the_deciding_organ_deliberates(bureau: Bureau) -> None:
    draft = bureau.ready()
    convened = bureau.count()
    bureau.meeting("pg1", organ="party-group", present=ALL)
    message = refused(
        bureau,
        "G7",
        lambda: bureau.item("d1", "pg1", draft),
        field="meeting",
        conflicting_seq=convened,
    )
    assert "is for bureau-meeting to decide" in message


def test_g8_quorum(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting("m1", present=["zhang.wei", "liu.yang"])
    bureau.item("d1", "m1", draft)
    bureau.speak("d1", "m1", {"liu.yang": "agree"})
    message = refused(bureau, "G8", lambda: bureau.head("d1", "m1"), field=None)
    assert "2 of 4 members due are present after recusals; the quorum is more than 1/2" in message


def test_g8_quorum_counts_recusals(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting("m1", present=["zhang.wei", "liu.yang", "zhou.min"])
    bureau.item("d1", "m1", draft)
    for person in ("liu.yang", "zhou.min"):
        bureau.rec(
            "huang.li",
            "recusal.declared",
            "d1",
            {"meeting": "m1", "person": person, "reason": "relative", "declared_by": "self"},
        )
    message = refused(bureau, "G8", lambda: bureau.head("d1", "m1"), field=None)
    assert "1 of 2 members due are present after recusals" in message


def test_g8_passes_with_three_of_four(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting("m1", present=["zhang.wei", "liu.yang", "zhou.min"])
    bureau.item("d1", "m1", draft)
    bureau.speak("d1", "m1", {"liu.yang": "agree", "zhou.min": "agree"})
    bureau.head("d1", "m1")
    assert decisions.get_decision(Ledger(bureau.store), "d1")["status"] == "awaiting_issue"


def test_g9_the_head_speaks_last(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting()
    bureau.item("d1", "m1", draft)
    bureau.position("d1", "m1", "liu.yang", 1, "agree")
    message = refused(
        bureau,
        "G9",
        lambda: bureau.position("d1", "m1", "zhang.wei", 2, "agree"),
        field="person",
    )
    assert "still to speak: chen.jing, zhou.min" in message
    message = refused(bureau, "G9", lambda: bureau.head("d1", "m1"), field=None)
    assert "no position recorded yet for chen.jing, zhou.min" in message
    bureau.position("d1", "m1", "chen.jing", 2, "agree")
    bureau.position("d1", "m1", "zhou.min", 3, "agree")
    bureau.position("d1", "m1", "zhang.wei", 4, "agree")
    bureau.head("d1", "m1")


def test_g9_an_absent_members_written_opinion_may_come_after_the_head(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting("m1", present=["zhang.wei", "liu.yang", "zhou.min"])
    bureau.item("d1", "m1", draft)
    bureau.speak("d1", "m1", {"liu.yang": "agree", "zhou.min": "agree"})
    bureau.position("d1", "m1", "zhang.wei", 3, "agree")
    bureau.rec(
        "huang.li",
        "position.stated",
        "d1",
        {
            "meeting": "m1",
            "person": "chen.jing",
            "order": 4,
            "stance": "disagree",
            "reason": "书面意见：建议缓议",
            "written_opinion_doc": bureau.doc("陈静书面意见"),
        },
    )
    bureau.head("d1", "m1")


def test_g10_the_head_departs_from_the_majority_only_with_a_reason(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting()
    bureau.item("d1", "m1", draft)
    bureau.speak("d1", "m1", {"liu.yang": "disagree", "chen.jing": "disagree", "zhou.min": "agree"})
    message = refused(
        bureau, "G10", lambda: bureau.head("d1", "m1", "approve"), field="divergence_reason"
    )
    assert "majority of members' positions is to not approve" in message
    bureau.head("d1", "m1", "approve", reason="时间紧迫，已责成补充调研")
    result = report(bureau)
    assert result["head_divergence"][0]["reason"] == "时间紧迫，已责成补充调研"


def test_g10_aligned_head_needs_no_reason(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting()
    bureau.item("d1", "m1", draft)
    bureau.speak("d1", "m1", {"liu.yang": "disagree", "chen.jing": "disagree", "zhou.min": "agree"})
    bureau.head("d1", "m1", "reject")
    assert decisions.get_decision(Ledger(bureau.store), "d1")["status"] == "closed"


def _cadre_meeting(bureau: Bureau, present: list[str]) -> str:
    draft = bureau.ready(
        item_class="cadre",
        organ="party-group",
        scope={"sanzhong_yida": "cadre_appointment", "outside_catalog_reason": "干部任免"},
    )
    bureau.meeting("pg1", organ="party-group", present=present)
    bureau.item("d1", "pg1", draft)
    bureau.speak("d1", "pg1", dict.fromkeys([*present[1:], present[0]], "agree"))
    return draft


def _vote(bureau: Bureau, yes: int, no: int, result: str) -> None:
    bureau.rec(
        "huang.li",
        "vote.taken",
        "d1",
        {
            "meeting": "pg1",
            "method": "secret_ballot",
            "counts": {"yes": yes, "no": no},
            "result": result,
        },
    )


def test_g8_cadre_items_need_two_thirds_present(bureau: Bureau) -> None:
    _cadre_meeting(bureau, ["zhang.wei", "liu.yang"])
    message = refused(bureau, "G8", lambda: _vote(bureau, 2, 0, "passed"), field=None)
    assert "the quorum is at least 2/3" in message


def test_g11_a_cadre_vote_passes_only_with_more_than_half_of_members_due(bureau: Bureau) -> None:
    _cadre_meeting(bureau, ["zhang.wei", "liu.yang", "zhou.min"])
    message = refused(bureau, "G11", lambda: _vote(bureau, 2, 1, "passed"), field="result")
    assert "2 yes of 4 members due is not more than 1/2" in message
    _vote(bureau, 3, 0, "passed")
    assert decisions.get_decision(Ledger(bureau.store), "d1")["status"] == "awaiting_issue"


def test_g12_publication_waits_for_the_party_committee(bureau: Bureau) -> None:
    draft = bureau.decided()
    publish = {
        "channels": ["government_website"],
        "published_at": "2021-05-01",
        "published_doc": draft,
        "ref": "示教发〔2021〕1号",
    }
    refused(
        bureau,
        "G12",
        lambda: bureau.rec("huang.li", "decision.published", "d1", publish),
        field=None,
    )
    bureau.rec(
        "huang.li",
        "party_committee.reported",
        "d1",
        {"to": "party-group", "reported_at": "2021-04-30", "outcome": "同意"},
    )
    bureau.rec("huang.li", "decision.published", "d1", publish)


def test_g13_only_the_approved_text_is_published(bureau: Bureau) -> None:
    bureau.decided()
    bureau.rec(
        "huang.li",
        "party_committee.reported",
        "d1",
        {"to": "party-group", "reported_at": "2021-04-30", "outcome": "同意"},
    )
    other = bureau.doc("另一个文本")
    publish = {
        "channels": ["gazette"],
        "published_at": "2021-05-01",
        "published_doc": other,
        "ref": "示教发〔2021〕1号",
    }
    decided = decisions.get_decision(Ledger(bureau.store), "d1")["decided"]
    assert decided is not None
    approval = decided["seq"]
    message = refused(
        bureau,
        "G13",
        lambda: bureau.rec("huang.li", "decision.published", "d1", publish),
        field="published_doc",
        conflicting_seq=approval,
    )
    assert "is not the approved draft" in message


def test_g13_an_editorial_revision_may_be_published(bureau: Bureau) -> None:
    draft = bureau.ready()
    bureau.meeting()
    bureau.item("d1", "m1", draft)
    bureau.speak("d1", "m1", dict.fromkeys(MEMBERS, "agree"))
    bureau.head("d1", "m1", "approve_with_editorial_changes")
    edited = bureau.draft(version=2, editorial_of=draft)
    bureau.rec(
        "huang.li",
        "party_committee.reported",
        "d1",
        {"to": "party-group", "reported_at": "2021-04-30", "outcome": "同意"},
    )
    bureau.rec(
        "huang.li",
        "decision.published",
        "d1",
        {
            "channels": ["gazette"],
            "published_at": "2021-05-01",
            "published_doc": edited,
            "ref": "示教发〔2021〕1号",
        },
    )


def test_g14_the_evaluator_did_not_argue_the_decision(bureau: Bureau) -> None:
    bureau.executing()
    start = {
        "trigger": "deemed_necessary",
        "evaluator": "基础教育科",
        "evaluator_unit": "basic-edu",
    }
    message = refused(
        bureau,
        "G14",
        lambda: bureau.rec("huang.li", "post_evaluation.started", "d1", start),
        field="evaluator_unit",
    )
    assert "basic-edu was the undertaking unit" in message
    bureau.rec(
        "huang.li",
        "post_evaluation.started",
        "d1",
        {"trigger": "deemed_necessary", "evaluator": "示例区教育评估中心", "third_party": True},
    )


def test_g14_an_expert_institution_does_not_evaluate_its_own_argument(bureau: Bureau) -> None:
    bureau.propose(flags=["technical"])
    bureau.initiate()
    draft = bureau.draft()
    bureau.participate("d1", draft)
    bureau.rec(
        "zhao.lei",
        "expert_argumentation.completed",
        "d1",
        {
            "draft": draft,
            "method": "commissioned",
            "experts": [
                {"name": "王研究员", "institution": "示例教育研究院", "no_direct_interest": True}
            ],
            "opinion_docs": [bureau.doc("论证意见")],
            "adoption_report_doc": bureau.doc("采纳"),
        },
    )
    bureau.submit("d1", draft)
    bureau.opinion("d1", draft)
    bureau.meeting()
    bureau.item("d1", "m1", draft)
    bureau.speak("d1", "m1", dict.fromkeys(MEMBERS, "agree"))
    bureau.head("d1", "m1")
    bureau.rec(
        "huang.li",
        "party_committee.reported",
        "d1",
        {"to": "party-group", "reported_at": "2021-04-30", "outcome": "同意"},
    )
    bureau.rec("huang.li", "decision.not_published", "d1", {"legal_basis": "内部管理事项"})
    bureau.rec("huang.li", "execution.assigned", "d1", {"units": ["basic-edu"]})
    refused(
        bureau,
        "G14",
        lambda: bureau.rec(
            "huang.li",
            "post_evaluation.started",
            "d1",
            {"trigger": "many_opinions", "evaluator": "示例教育研究院"},
        ),
        field="evaluator",
    )


def test_g15_adjustment_needs_a_decided_new_decision(bureau: Bureau) -> None:
    bureau.executing("d1")
    bureau.propose("d2", links=[{"type": "adjusts", "target": "d1"}])
    adjust = {"kind": "modify", "new_decision": "d2", "reason": "评估后调整"}
    message = refused(
        bureau,
        "G15",
        lambda: bureau.rec("huang.li", "decision.adjusted", "d1", adjust),
        field="new_decision",
    )
    assert "the new decision d2 has not passed its own procedure (it is proposed)" in message
    bureau.initiate("d2")
    draft = bureau.draft("d2")
    bureau.participate("d2", draft)
    bureau.submit("d2", draft)
    bureau.opinion("d2", draft)
    bureau.meeting("m2")
    bureau.item("d2", "m2", draft)
    bureau.speak("d2", "m2", dict.fromkeys(MEMBERS, "agree"))
    bureau.head("d2", "m2")
    bureau.rec("huang.li", "decision.adjusted", "d1", adjust)
    assert decisions.get_decision(Ledger(bureau.store), "d1")["status"] == "adjusted"


def test_g15_emergency_suspension_needs_art35_grounds(bureau: Bureau) -> None:
    bureau.executing()
    unrelated = bureau.count() - 1
    suspend = {"reason": "紧急情况", "grounds": [unrelated]}
    message = refused(
        bureau,
        "G15",
        lambda: bureau.rec("zhang.wei", "decision.suspended", "d1", suspend),
        field="grounds.0",
        conflicting_seq=unrelated,
    )
    assert f"grounds seq {unrelated} is not an execution issue" in message
    issue = bureau.rec(
        "zhao.lei",
        "execution.issue_reported",
        "d1",
        {"kind": "force_majeure", "summary": "校舍受暴雨损毁"},
    )
    bureau.rec(
        "zhang.wei", "decision.suspended", "d1", {"reason": "紧急情况", "grounds": [issue.seq]}
    )
    assert decisions.get_decision(Ledger(bureau.store), "d1")["status"] == "suspended"


def test_g16_late_archive_needs_a_reason(bureau: Bureau) -> None:
    bureau.decided()
    decided_day = bureau.day
    late = (decided_day.replace(month=decided_day.month + 2)).isoformat()
    archive = {
        "archive_no": "WS·2021·Y·0001",
        "retention": "permanent",
        "archived_at": late,
        "complete": True,
    }
    message = refused(
        bureau,
        "G16",
        lambda: bureau.rec("huang.li", "archive.filed", "d1", archive),
        field="archived_at",
    )
    assert "later than 30" in message
    bureau.rec("huang.li", "archive.filed", "d1", {**archive, "exceptions": {"G16": "档案室搬迁"}})
    assert [e["gate"] for e in report(bureau)["exceptions"]] == ["G16"]


def test_g17_undecided_catalog_matters_are_reported(bureau: Bureau) -> None:
    bureau.rec(
        "li.na",
        "catalog.published",
        "catalog-2021",
        {
            "organ": "bureau-meeting",
            "year": 2021,
            "items": [
                {
                    "id": "a",
                    "title": "甲事项",
                    "undertaking_unit": "basic-edu",
                    "planned_decision_by": "2021-04-30",
                },
                {
                    "id": "b",
                    "title": "乙事项",
                    "undertaking_unit": "basic-edu",
                    "planned_decision_by": "2021-04-30",
                },
                {
                    "id": "c",
                    "title": "丙事项",
                    "undertaking_unit": "basic-edu",
                    "planned_decision_by": "2021-12-31",
                },
            ],
            "party_approval": {"approved_at": "2021-02-20", "ref": "教党组〔2021〕1号"},
            "published_at": "2021-03-01",
            "publication_ref": "门户网站",
        },
    )
    bureau.decided("d1", scope={"catalog": "catalog-2021", "item": "a"})
    bureau.propose("d2", scope={"catalog": "catalog-2021", "item": "b"})
    late = accountability.overdue(Ledger(bureau.store), "2021-06-30")
    assert [(r["item"], r["status"], r["days_overdue"]) for r in late] == [("b", "proposed", 61)]
    assert late[0]["gate"] == "G17"
    assert accountability.overdue(Ledger(bureau.store), "2021-04-30") == []


def test_the_gated_path_verifies(bureau: Bureau) -> None:
    bureau.executing()
    assert verify_ledger(store=bureau.store).ok
