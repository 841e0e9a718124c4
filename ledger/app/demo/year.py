"""The demo's decisions: the bureau's 2020 catalog and six matters walked through Decree 713's
procedure, each with the complete record of a model year, and each with its real-life episode.

It is long because it is the year itself: each decision's steps, declared one after another as
data; the little logic it has is in `Decision`.
"""

from __future__ import annotations

from typing import Any

from ledger.app.demo.normative import DECISION_DOCUMENT, normative_documents
from ledger.app.demo.scribe import Body, Scribe
from ledger.procedure.bodies import head_decision_body, position_body
from ledger.registry import REGISTRY

CATALOG_ITEMS = [
    (
        "item-01",
        "示例区中小学校舍维修三年行动计划（2020—2022年）",
        4,
        "major_project",
        "finance-office",
        False,
        "2020-06-30",
    ),
    (
        "item-02",
        "2020年城区小学学区划片调整方案",
        1,
        "major_matter",
        "basic-edu",
        True,
        "2020-05-31",
    ),
    ("item-03", "示例区校外培训机构管理办法", 1, "major_matter", "basic-edu", False, "2020-06-30"),
    (
        "item-04",
        "示例区中小学课后服务实施方案",
        1,
        "major_matter",
        "basic-edu",
        False,
        "2020-03-31",
    ),
    (
        "item-05",
        "示例区教育信息化2.0行动方案",
        2,
        "major_project",
        "general-office",
        False,
        "2020-10-31",
    ),
]


def year(s: Scribe) -> None:
    s(
        "2020-01-03T10:00:00+08:00",
        "li.na",
        "catalog.published",
        "catalog-2020",
        {
            "organ": "bureau-meeting",
            "year": 2020,
            "items": [
                {
                    "id": i,
                    "title": t,
                    "art3_category": c,
                    "sanzhong_yida": z,
                    "undertaking_unit": u,
                    "hearing_required": h,
                    "planned_decision_by": d,
                }
                for i, t, c, z, u, h, d in CATALOG_ITEMS
            ],
            "party_approval": {"approved_at": "2019-12-27", "ref": "教党组〔2019〕41号"},
            "published_at": "2020-01-03",
            "publication_ref": "示例区教育局门户网站 2020-01-03",
        },
    )
    _dissent(s)
    _divergence(s)
    _legality_refusal(s)
    _adjusted(s)
    _overdue(s)
    normative_documents(s, CATALOG_ITEMS[2][1])


class Decision:
    """Writes one decision's routine steps; each case adds what makes it special."""

    def __init__(self, s: Scribe, ident: str, title: str, unit: str, leader: str) -> None:
        self.s, self.id, self.title, self.unit, self.leader = s, ident, title, unit, leader
        self.drafts: dict[int, str] = {}
        self.opinions: dict[int, str] = {}  # draft version: its legality opinion's document
        self.results: list[tuple[str, str]] = []  # (material kind, document) of each step done

    def __call__(
        self, at: str, actor: str, kind: str, body: Body, label: str | None = None
    ) -> None:
        self.s(at, actor, kind, self.id, body, label)

    def propose(
        self, day: str, item: str, flags: list[str], normative: bool = False, **extra: Any
    ) -> None:
        scope: dict[str, Any] = {"catalog": "catalog-2020", "item": item}
        if normative:
            scope["normative_document"] = True
        self(
            f"{day}T09:00:00+08:00",
            self.leader,
            "decision.proposed",
            {
                "title": self.title,
                "summary": f"{self.title}，提请局长办公会议研究决定。",
                "organ": "bureau-meeting",
                "scope": scope,
                "applicability": "by_reference_art42",
                "confidentiality": {"level": "public"},
                "source": "department_or_lower_government",
                "flags": flags,
                **extra,
            },
        )

    def initiate(self, day: str, leaders: list[str] | None = None) -> None:
        self(
            f"{day}T10:00:00+08:00",
            "zhang.wei",
            "decision.initiated",
            {"by": "head", "note": "同意立项，按重大行政决策程序办理。"},
        )
        self(
            f"{day}T10:05:00+08:00",
            "huang.li",
            "undertaking_unit.assigned",
            {"lead": self.unit, "leaders": leaders or [self.leader], "drafters": [self.leader]},
        )

    def draft(self, day: str, version: int, note: str, **extra: Any) -> str:
        doc = self.s.doc(f"《{self.title}》（第{version}稿）\n{note}\n")
        self.drafts[version] = doc
        self(
            f"{day}T11:00:00+08:00",
            self.leader,
            "draft.versioned",
            {"version": version, "doc": doc, "summary": note, **extra},
        )
        return doc

    def basis(self, day: str, *titles: str) -> None:
        self(
            f"{day}T11:30:00+08:00",
            self.leader,
            "legal_basis.recorded",
            {"items": [{"title": t} for t in titles]},
        )

    def comment(
        self,
        opened: str,
        deadline: str,
        version: int,
        received: int,
        exceptions: dict[str, str] | None = None,
    ) -> None:
        explanation = self.s.doc(f"关于《{self.title}》公开征求意见的说明")
        body: dict[str, Any] = {
            "draft": self.drafts[version],
            "channels": ["government_website", "new_media"],
            "published_at": opened,
            "deadline": deadline,
            "explanation_doc": explanation,
        }
        if exceptions:
            body["exceptions"] = exceptions
        self(f"{opened}T09:00:00+08:00", self.leader, "public_comment.opened", body)
        report = self.s.doc(f"《{self.title}》公众意见采纳情况报告：共收到意见{received}条。")
        self(
            f"{deadline}T17:00:00+08:00",
            self.leader,
            "public_participation.completed",
            {
                "draft": self.drafts[version],
                "methods": ["public_comment", "symposium"],
                "opinions_received": received,
                "dispositions": [
                    {"summary": "建议明确实施时间表", "disposition": "adopted"},
                    {
                        "summary": "建议扩大覆盖范围",
                        "disposition": "partly_adopted",
                        "reason": "受财力所限，分年度逐步扩大",
                    },
                    {
                        "summary": "建议取消统一标准",
                        "disposition": "not_adopted",
                        "reason": "与上位规定不一致",
                    },
                ],
                "adoption_report_doc": report,
            },
        )
        self.results.append(("public_participation", report))

    def review(
        self,
        submitted: str,
        opinion_day: str,
        version: int,
        opinion: str = "lawful",
        content_note: str | None = None,
        **extra: Any,
    ) -> None:
        self(
            f"{submitted}T15:00:00+08:00",
            self.leader,
            "legality_review.submitted",
            {
                "draft": self.drafts[version],
                "procedure_statement": "已履行公众参与、风险评估等程序，附意见采纳情况。",
            },
        )
        ok = opinion != "unlawful"
        opinion_doc = self.s.doc(f"关于《{self.title}》（第{version}稿）的合法性审查意见书")
        self.opinions[version] = opinion_doc
        adviser = self.s.doc(f"法律顾问关于《{self.title}》的法律意见")
        self(
            f"{opinion_day}T16:00:00+08:00",
            "wu.xia",
            "legality_review.opinion",
            {
                "draft": self.drafts[version],
                "checks": {
                    "authority": {"ok": True, "note": "属于本局法定职权范围"},
                    "procedure": {"ok": True, "note": "已履行法定程序"},
                    "content": {"ok": ok, "note": content_note or "内容符合法律法规和国家政策"},
                },
                "opinion": opinion,
                "adviser_opinions": [
                    {"name": "示例律师事务所", "kind": "legal_adviser", "doc": adviser}
                ],
                "opinion_doc": opinion_doc,
                **extra,
            },
        )

    def meeting(
        self,
        ident: str,
        at: str,
        number: str,
        present: list[str],
        absent: list[dict[str, Any]] | None = None,
    ) -> None:
        self.s(
            at,
            "huang.li",
            "meeting.convened",
            ident,
            {
                "organ": "bureau-meeting",
                "number": number,
                "place": "局三楼会议室",
                "chair": "zhang.wei",
                "recorder": "huang.li",
            },
        )
        self.s(
            at,
            "huang.li",
            "attendance.recorded",
            ident,
            {
                "present": present,
                "absent": absent or [],
                "non_voting": ["sun.hao"],
            },
        )

    def item_body(self, meeting: str, number: int, version: int) -> dict[str, Any]:
        """The agenda item with its Art. 29 materials: the draft, its explanation, its legality
        opinion and the result of every step done on the way."""
        explanation = self.s.doc(f"关于《{self.title}》（第{version}稿）的起草说明")
        materials = [
            {"kind": "draft", "doc": self.drafts[version]},
            {"kind": "explanation", "doc": explanation},
            {"kind": "legality_opinion", "doc": self.opinions[version]},
            *({"kind": kind, "doc": doc} for kind, doc in self.results),
        ]
        return {
            "meeting": meeting,
            "item": number,
            "draft": self.drafts[version],
            "presenter": self.leader,
            "materials": materials,
        }

    def item(self, at: str, meeting: str, number: int, version: int) -> None:
        self(at, "huang.li", "agenda_item.opened", self.item_body(meeting, number, version))

    def result(self, kind: str, doc: str) -> str:
        """A step's result document, laid before the meeting with the draft (Art. 29)."""
        self.results.append((kind, doc))
        return doc

    def position(
        self,
        at: str,
        meeting: str,
        person: str,
        order: int,
        stance: str,
        reason: str | None = None,
        by: str | None = None,
    ) -> None:
        body = position_body(meeting, person, order, stance, reason)
        self(at, by or person, "position.stated", body, label=f"{self.id}/{person}")

    def decide(self, at: str, meeting: str, outcome: str, reason: str | None = None) -> None:
        body = head_decision_body(meeting, outcome, reason)
        self(at, "zhang.wei", "head_decision.made", body, label=f"{self.id}/decided")

    def issue(self, reported: str, published: str, version: int, ref: str) -> None:
        self(
            f"{reported}T10:00:00+08:00",
            "huang.li",
            "party_committee.reported",
            {
                "to": "party-group",
                "reported_at": reported,
                "outcome": "党组会议同意出台",
            },
        )
        _party_answer(self, reported)
        explanation = self.s.doc(f"《{self.title}》公众和专家意见采纳情况说明")
        self(
            f"{published}T09:00:00+08:00",
            "huang.li",
            "decision.published",
            {
                "channels": ["government_website", "gazette"],
                "published_at": published,
                "published_doc": self.drafts[version],
                "ref": ref,
                "adoption_explanation_doc": explanation,
            },
        )

    def execute(self, day: str, *units: str) -> None:
        self(
            f"{day}T09:00:00+08:00",
            "huang.li",
            "execution.assigned",
            {"units": list(units), "tasks": ["按方案组织实施，按季度报告进展"]},
        )

    def progress(self, day: str, actor: str, period: str, summary: str) -> None:
        """An execution report, signed by a member of the execution unit (Art. 34)."""
        self(
            f"{day}T09:00:00+08:00",
            actor,
            "execution.reported",
            {"period": period, "status": "on_track", "summary": summary},
        )

    def archive(self, day: str, number: str) -> None:
        self(
            f"{day}T16:00:00+08:00",
            "huang.li",
            "archive.filed",
            {
                "archive_no": number,
                "retention": "permanent",
                "archived_at": day,
                "complete": True,
            },
        )


def _minutes(
    s: Scribe, meeting: str, day: str, number: str, present: list[str], note: str = ""
) -> None:
    """The meeting's final minutes (Art. 30), confirmed by each member present."""
    doc = s.doc(f"局长办公会议纪要（{number}）{note}")
    s(
        f"{day}T17:00:00+08:00",
        "huang.li",
        "minutes.finalized",
        meeting,
        {"number": number, "doc": doc},
    )
    for person in present:
        s(f"{day}T17:30:00+08:00", person, "minutes.confirmed", meeting, {"doc": doc})


# The Party committee's structured answer to an Art. 31 report (edition 2), recorded where this
# release's schema knows its entry type; the answer speaks for the Party group, so its secretary
# signs it.
PARTY_ANSWER = "party_committee.answered"
PARTY_SECRETARY = "zhang.wei"


def _party_answer(d: Decision, day: str) -> None:
    if PARTY_ANSWER not in REGISTRY:
        return
    doc = d.s.doc(f"中共示例区教育局党组关于《{d.title}》的意见：同意出台。")
    d(
        f"{day}T15:00:00+08:00",
        PARTY_SECRETARY,
        PARTY_ANSWER,
        {"answer": "agreed", "answered_at": day, "doc": doc, "note": "党组会议研究同意出台"},
    )


ALL = ["zhang.wei", "liu.yang", "chen.jing", "zhou.min"]


def _dissent(s: Scribe) -> None:
    """d2020-01: approved over one member's recorded dissent."""
    d = Decision(s, "d2020-01", CATALOG_ITEMS[0][1], "finance-office", "wang.qiang")
    d.propose(
        "2020-01-06", "item-01", ["vital_interests", "stability_risk"], amount_fen=3_600_000_000
    )
    d.initiate("2020-01-08")
    d.draft("2020-01-15", 1, "征求意见稿：三年内完成全区62所中小学校舍维修改造。")
    d.basis("2020-01-15", "《中华人民共和国教育法》", "《中小学校舍安全管理办法》")
    d.comment("2020-02-10", "2020-03-11", 1, 126)
    risk = d.result("risk_assessment", s.doc("《校舍维修三年行动计划》社会稳定风险评估报告"))
    d(
        "2020-03-18T10:00:00+08:00",
        "wang.qiang",
        "risk_assessment.completed",
        {
            "draft": d.drafts[1],
            "methods": ["舆情跟踪", "走访座谈"],
            "departments_heard": ["区财政局", "区住建局"],
            "risk_points": ["施工期间影响正常教学"],
            "prevention_measures": ["利用寒暑假集中施工"],
            "contingency_plan": "制定施工安全应急预案",
            "conclusion": "controllable",
            "report_doc": risk,
        },
    )
    d.draft("2020-03-20", 2, "送审稿：根据公众意见调整农村学校维修比例。")
    d.review("2020-03-23", "2020-04-02", 2)
    meeting = "mtg-2020-05"
    d.meeting(meeting, "2020-04-10T09:00:00+08:00", "2020年第5次", ALL)
    d.item("2020-04-10T09:10:00+08:00", meeting, 1, 2)
    d.position("2020-04-10T09:40:00+08:00", meeting, "liu.yang", 1, "agree")
    d.position("2020-04-10T09:45:00+08:00", meeting, "chen.jing", 2, "agree", by="huang.li")
    d.position(
        "2020-04-10T09:50:00+08:00",
        meeting,
        "zhou.min",
        3,
        "disagree",
        "维修资金向城区学校倾斜，农村薄弱学校排序靠后，建议调整排序后再议。",
    )
    d.decide("2020-04-10T10:00:00+08:00", meeting, "approve")
    d(
        "2020-04-13T09:00:00+08:00",
        "chen.jing",
        "position.confirmed",
        lambda seqs: {
            "meeting": meeting,
            "person": "chen.jing",
            "position_seq": seqs["d2020-01/chen.jing"],
        },
    )
    _minutes(s, meeting, "2020-04-13", "2020年第5次", ALL)
    d.issue("2020-04-16", "2020-04-20", 2, "示教发〔2020〕12号")
    d.execute("2020-04-22", "finance-office", "basic-edu")
    d(
        "2020-07-15T09:00:00+08:00",
        "wang.qiang",
        "execution.reported",
        {
            "period": "2020年第二季度",
            "status": "on_track",
            "summary": "已完成18所学校维修招标。",
        },
    )
    d.archive("2020-05-08", "WS·2020·Y·0012")


def _divergence(s: Scribe) -> None:
    """d2020-02: the head approves against the majority and states why; later an
    accountability case traces it back."""
    d = Decision(s, "d2020-02", CATALOG_ITEMS[1][1], "basic-edu", "zhao.lei")
    d.propose("2020-02-20", "item-02", ["vital_interests", "specific_group"])
    d.initiate("2020-02-24", leaders=["zhao.lei", "chen.jing"])
    d.draft("2020-03-02", 1, "征求意见稿：调整城区12所小学的招生片区。")
    d.basis("2020-03-02", "《中华人民共和国义务教育法》第十二条")
    d.comment("2020-03-09", "2020-04-08", 1, 342)
    record = d.result("hearing", s.doc("学区划片调整听证会笔录（经参加人签字确认）"))
    symposium = d.result(
        "public_participation", s.doc("学区划片调整方案座谈会纪要（区妇联、家长委员会代表）")
    )
    d(
        "2020-04-10T16:00:00+08:00",
        "zhao.lei",
        "hearing.held",
        {
            "draft": d.drafts[1],
            "notice_published_at": "2020-03-25",
            "selection_published_at": "2020-03-25",
            "participants_published_at": "2020-03-31",
            "materials_delivered_at": "2020-04-02",
            "held_at": "2020-04-10",
            "record_doc": record,
        },
    )
    d(
        "2020-04-13T16:00:00+08:00",
        "zhao.lei",
        "step.completed",
        {
            "step": "group_consultation",
            "draft": d.drafts[1],
            "outcome": "听取区妇联、家长委员会代表意见",
            "docs": [symposium],
        },
    )
    d.draft("2020-04-15", 2, "送审稿：保留3个片区的过渡安排。")
    d.review("2020-04-16", "2020-04-27", 2)
    meeting = "mtg-2020-07"
    d.meeting(meeting, "2020-05-08T09:00:00+08:00", "2020年第7次", ALL)
    d.item("2020-05-08T09:10:00+08:00", meeting, 1, 2)
    d.position(
        "2020-05-08T09:30:00+08:00",
        meeting,
        "liu.yang",
        1,
        "defer",
        "部分片区家长意见较大，建议补充调研后再议。",
    )
    d.position(
        "2020-05-08T09:40:00+08:00",
        meeting,
        "chen.jing",
        2,
        "defer",
        "学位测算数据需复核，建议暂缓。",
    )
    d.position("2020-05-08T09:50:00+08:00", meeting, "zhou.min", 3, "agree")
    d.decide(
        "2020-05-08T10:10:00+08:00",
        meeting,
        "approve",
        "秋季入学登记时间节点紧迫，如暂缓将影响全区约4,200名适龄儿童按时登记；"
        "已责成基础教育科同步开展补充调研并复核学位数据。",
    )
    _minutes(s, meeting, "2020-05-11", "2020年第7次", ALL)
    d.issue("2020-05-12", "2020-05-15", 2, "示教发〔2020〕18号")
    d.execute("2020-05-18", "basic-edu")
    d.progress("2020-07-10", "zhao.lei", "2020年第二季度", "已按新划片方案完成秋季入学登记。")
    d(
        "2020-09-15T09:00:00+08:00",
        "zhao.lei",
        "execution.issue_reported",
        {
            "kind": "problem",
            "summary": "两个片区学位不足，约300名儿童被跨片区调剂。",
        },
        label="d2020-02/issue",
    )
    d(
        "2020-09-16T09:00:00+08:00",
        "huang.li",
        "public_feedback.received",
        {
            "channel": "phone",
            "received_at": "2020-09-16",
            "summary": "12345热线集中投诉学位调剂。",
            "disposition": "转基础教育科核查答复",
        },
    )
    d.archive("2020-06-05", "WS·2020·Y·0015")
    s(
        "2020-12-10T10:00:00+08:00",
        "li.na",
        "accountability.case_opened",
        "case-2020-01",
        {
            "kind": "serious_mistake",
            "opened_by": "区纪委监委派驻第三纪检监察组",
            "decisions": ["d2020-02"],
            "subjects": ["zhang.wei", "chen.jing", "zhao.lei"],
            "summary": "学区划片调整方案学位测算失误，造成约300名儿童跨片区调剂，倒查决策责任。",
        },
    )
    s(
        "2020-12-28T15:00:00+08:00",
        "li.na",
        "accountability.case_closed",
        "case-2020-01",
        {
            "outcome": "责任已查清",
            "findings": [
                {
                    "person": "zhang.wei",
                    "result": "在多数成员主张暂缓的情况下作出决定，予以诫勉谈话",
                },
                {
                    "person": "chen.jing",
                    "result": "会上明确主张暂缓并说明理由，依第三十八条免予追责",
                },
                {"person": "zhao.lei", "result": "学位测算不准确，予以批评教育"},
            ],
        },
    )


def _legality_refusal(s: Scribe) -> None:
    """d2020-03: found unlawful, kept off the agenda by G5, fixed, reviewed again, issued."""
    d = Decision(s, "d2020-03", CATALOG_ITEMS[2][1], "basic-edu", "zhao.lei")
    d.propose("2020-03-02", "item-03", ["affects_market_entities"], normative=True)
    d.initiate("2020-03-04")
    d.draft("2020-03-10", 1, "征求意见稿：要求培训机构缴纳风险保证金。")
    d.basis("2020-03-10", "《中华人民共和国民办教育促进法》")
    fair = d.result("fair_competition_review", s.doc("《校外培训机构管理办法》公平竞争审查意见"))
    d(
        "2020-03-20T10:00:00+08:00",
        "zhao.lei",
        "fair_competition_review.completed",
        {"draft": d.drafts[1], "conclusion": "passes", "opinion_doc": fair},
    )
    d.comment("2020-03-23", "2020-04-22", 1, 58)
    d.review(
        "2020-04-27",
        "2020-05-12",
        1,
        opinion="unlawful",
        content_note="设定风险保证金缺乏法律、法规依据",
    )
    meeting = "mtg-2020-08"
    d.meeting(meeting, "2020-05-14T09:00:00+08:00", "2020年第8次", ALL)
    s.attempt(
        "2020-05-14T09:10:00+08:00",
        "huang.li",
        "agenda_item.opened",
        d.id,
        d.item_body(meeting, 1, 1),
    )
    _minutes(
        s,
        meeting,
        "2020-05-14",
        "2020年第8次",
        ALL,
        "：《示例区校外培训机构管理办法》经合法性审查认定不合法，未列入本次会议议题。",
    )
    d.draft("2020-05-20", 2, "修改稿：删除风险保证金条款，改为资金监管。")
    d.review("2020-05-21", "2020-06-02", 2)
    meeting = "mtg-2020-09"
    d.meeting(meeting, "2020-06-05T09:00:00+08:00", "2020年第9次", ALL)
    d.item("2020-06-05T09:10:00+08:00", meeting, 1, 2)
    for order, person in enumerate(["liu.yang", "chen.jing", "zhou.min"], start=1):
        d.position(f"2020-06-05T09:{20 + order}:00+08:00", meeting, person, order, "agree")
    d.decide("2020-06-05T09:40:00+08:00", meeting, "approve_with_editorial_changes")
    d.draft("2020-06-08", 3, "文字修改稿（不涉及实质内容）", editorial_of=d.drafts[2])
    _minutes(s, meeting, "2020-06-08", "2020年第9次", ALL)
    d.issue("2020-06-09", "2020-06-12", 3, f"示教规〔2020〕{DECISION_DOCUMENT}号")
    d.execute("2020-06-15", "basic-edu")
    d.archive("2020-06-30", "WS·2020·Y·0021")
    d.progress("2020-09-28", "zhao.lei", "2020年第三季度", "全区培训机构已开设资金监管账户。")


def _adjusted(s: Scribe) -> None:
    """d2020-04 is evaluated and adjusted by d2020-05, decided with a shortened comment
    period (soft gate G3, reason recorded)."""
    d = Decision(s, "d2020-04", CATALOG_ITEMS[3][1], "basic-edu", "zhao.lei")
    d.propose("2020-01-10", "item-04", ["vital_interests"])
    d.initiate("2020-01-13")
    d.draft("2020-01-20", 1, "征求意见稿：课后服务时间至17:30。")
    d.basis("2020-01-20", "《教育部办公厅关于做好中小学生课后服务工作的指导意见》")
    d.comment("2020-02-03", "2020-03-04", 1, 215)
    d.review("2020-03-05", "2020-03-16", 1)
    meeting = "mtg-2020-04"
    d.meeting(meeting, "2020-03-20T09:00:00+08:00", "2020年第4次", ALL)
    d.item("2020-03-20T09:10:00+08:00", meeting, 1, 1)
    for order, person in enumerate(["liu.yang", "chen.jing", "zhou.min"], start=1):
        d.position(f"2020-03-20T09:{20 + order}:00+08:00", meeting, person, order, "agree")
    d.decide("2020-03-20T09:40:00+08:00", meeting, "approve")
    _minutes(s, meeting, "2020-03-20", "2020年第4次", ALL)
    d.issue("2020-03-23", "2020-03-25", 1, "示教发〔2020〕9号")
    d.execute("2020-03-26", "basic-edu")
    d.archive("2020-04-15", "WS·2020·Y·0009")
    d.progress("2020-07-10", "zhao.lei", "2020年春季学期", "课后服务覆盖全区中小学，参与率41%。")
    d(
        "2020-09-21T09:00:00+08:00",
        "huang.li",
        "post_evaluation.started",
        {
            "trigger": "expected_effect_not_met",
            "evaluator": "示例区教育评估中心",
            "third_party": True,
        },
    )
    evaluation = s.doc(
        "《课后服务实施方案》实施效果评估报告：参与率仅41%，时间安排与家长需求不匹配。"
    )
    d(
        "2020-11-05T09:00:00+08:00",
        "huang.li",
        "post_evaluation.concluded",
        {
            "findings": "参与率41%，低于预期；建议延长服务时间并增加托管内容。",
            "recommendation": "adjust",
            "report_doc": evaluation,
        },
        label="d2020-04/evaluated",
    )
    s(
        "2020-11-06T09:00:00+08:00",
        "li.na",
        "catalog.adjusted",
        "catalog-2020",
        {
            "add": [
                {
                    "id": "item-06",
                    "title": "示例区中小学课后服务实施方案（2020年修订）",
                    "art3_category": 1,
                    "sanzhong_yida": "major_matter",
                    "undertaking_unit": "basic-edu",
                    "planned_decision_by": "2020-12-31",
                }
            ],
            "reason": "根据课后服务实施效果评估结果，增补修订事项。",
            "party_approval": {"approved_at": "2020-11-04", "ref": "教党组〔2020〕33号"},
        },
    )
    n = Decision(
        s, "d2020-05", "示例区中小学课后服务实施方案（2020年修订）", "basic-edu", "zhao.lei"
    )
    n.propose(
        "2020-11-09",
        "item-06",
        ["vital_interests"],
        links=[{"type": "adjusts", "target": "d2020-04"}],
    )
    n.initiate("2020-11-10")
    n.draft("2020-11-13", 1, "修订稿：服务时间延长至18:00，增加作业辅导。")
    n.basis("2020-11-13", "《教育部办公厅关于做好中小学生课后服务工作的指导意见》")
    n.comment(
        "2020-11-16",
        "2020-12-01",
        1,
        97,
        exceptions={
            "G3": "寒假前须完成修订并于2021年春季学期实施，依第十五条在征求意见时说明缩短理由。"
        },
    )
    n.review("2020-12-02", "2020-12-11", 1)
    meeting = "mtg-2020-15"
    n.meeting(
        meeting,
        "2020-12-18T09:00:00+08:00",
        "2020年第15次",
        ["zhang.wei", "liu.yang", "gao.fei", "zhou.min"],
    )
    n.item("2020-12-18T09:10:00+08:00", meeting, 1, 1)
    for order, person in enumerate(["liu.yang", "gao.fei", "zhou.min"], start=1):
        n.position(f"2020-12-18T09:{20 + order}:00+08:00", meeting, person, order, "agree")
    n.decide("2020-12-18T09:40:00+08:00", meeting, "approve")
    _minutes(
        s, meeting, "2020-12-18", "2020年第15次", ["zhang.wei", "liu.yang", "gao.fei", "zhou.min"]
    )
    n.issue("2020-12-21", "2020-12-24", 1, "示教发〔2020〕41号")
    n.execute("2020-12-25", "basic-edu")
    n.progress("2021-01-08", "zhao.lei", "2021年1月", "已完成春季学期课后服务排班和托管人员培训。")
    n.archive("2021-01-08", "WS·2021·Y·0002")
    d(
        "2020-12-24T10:00:00+08:00",
        "huang.li",
        "decision.adjusted",
        lambda seqs: {
            "kind": "modify",
            "new_decision": "d2020-05",
            "reason": "依据后评估结论，以修订后的实施方案调整原决策。",
            "triggered_by": [seqs["d2020-04/evaluated"]],
        },
    )


def _overdue(s: Scribe) -> None:
    """d2020-07: initiated, still drafting after its planned decision date."""
    d = Decision(s, "d2020-07", CATALOG_ITEMS[4][1], "general-office", "huang.li")
    d.propose("2020-05-06", "item-05", ["technical"], amount_fen=120_000_000)
    d.initiate("2020-05-08")
    d.draft("2020-06-01", 1, "初稿：建设全区教育云平台。")


__all__ = ["CATALOG_ITEMS", "PARTY_ANSWER", "PARTY_SECRETARY", "year"]
