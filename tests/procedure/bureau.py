"""A real bureau ledger for procedure tests, and steps that walk a decision along its path.

The bureau is the demo's (people, organs, posts, rule profile, seeded keys), built once per test
session and copied for each test. Every step appends a real, signed entry at its business time;
the helpers move a decision to a stage so a test can try the one entry it is about.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from keys import SigningKey
from ledger.app import Ledger, demo, entries
from ledger.app.identity import LedgerIdentity, init_ledger
from ledger.append import Draft, append_entry
from ledger.entry import SignedEntry
from ledger.procedure.bodies import head_decision_body, position_body
from ledger.procedure.profile import DEFAULT_PROFILE_NAME
from ledger.store import SqlStore, open_store
from tests.builders import seeded_key

ALL = ["zhang.wei", "liu.yang", "chen.jing", "zhou.min"]
MEMBERS = ["liu.yang", "chen.jing", "zhou.min"]  # everyone due but the head
START = date(2021, 3, 1)  # a Monday, after the demo profile's 2020 holidays


def _keys() -> dict[str, SigningKey]:
    people = [demo.REGISTRAR, *demo.PEOPLE, *demo.LATER]
    return {person: seeded_key(person) for person, _ in people}


def build_template(db: Path | str) -> None:
    """The bureau with its people, posts and rule profile, closed so a file can be copied."""
    keys = _keys()
    identity = LedgerIdentity(
        demo.ORIGIN, demo.ORGANISATION, *demo.REGISTRAR, rule_profile=DEFAULT_PROFILE_NAME
    )
    store, _ = init_ledger(
        db=str(db),
        identity=identity,
        registrar_key=keys["li.na"],
        now=datetime.fromisoformat("2020-01-02T08:30:00+08:00"),
    )
    scribe = demo._Scribe(store, dict(keys))
    demo._setup(scribe, keys)
    scribe.run()
    store.close()


class Bureau:
    """The bureau's ledger and a business clock that moves forward one step at a time.

    `db` is where it lives: a SQLite file's path, or a PostgreSQL URL.
    """

    def __init__(self, store: SqlStore, db: Path | str) -> None:
        self.store, self.db = store, db
        self.keys = _keys()
        self.day = START
        self.minute = 0

    # -- time and recording ----------------------------------------------------------------

    def at(self, days: int = 0) -> str:
        """Business time after moving `days` forward (and a minute, to keep order)."""
        self.day += timedelta(days=days)
        self.minute += 1
        return f"{self.day.isoformat()}T{9 + self.minute // 60:02d}:{self.minute % 60:02d}:00+08:00"

    def rec(
        self,
        actor: str,
        kind: str,
        subject: str,
        body: dict[str, Any],
        at: str | None = None,
        recorded: str | None = None,
    ) -> SignedEntry:
        """Record at business time `at` (default: the next step), on a machine whose clock
        says `recorded` (default: `at`)."""
        at = at or self.at()
        draft = Draft(kind, subject, body, actor, self.keys[actor], at)
        now = datetime.fromisoformat(recorded or at)
        return append_entry(store=self.store, draft=draft, now=now)

    def doc(self, text: str) -> str:
        return entries.add_blob(Ledger(self.store), text.encode("utf-8"))

    def count(self) -> int:
        return self.store.count()

    # -- a decision's path -----------------------------------------------------------------

    def propose(self, ident: str = "d1", **over: Any) -> None:
        body: dict[str, Any] = {
            "title": "示例区中小学课后服务实施方案",
            "summary": "提请局长办公会议研究。",
            "organ": "bureau-meeting",
            "scope": {"art3_category": 1, "outside_catalog_reason": "年中新增事项"},
            "applicability": "by_reference_art42",
            "confidentiality": {"level": "public"},
            "source": "leadership",
            **over,
        }
        self.rec("zhao.lei", "decision.proposed", ident, body)

    def initiate(self, ident: str = "d1") -> None:
        self.rec("zhang.wei", "decision.initiated", ident, {"by": "head"})
        self.rec(
            "huang.li",
            "undertaking_unit.assigned",
            ident,
            {"lead": "basic-edu", "leaders": ["zhao.lei"], "drafters": ["zhao.lei"]},
        )

    def draft(self, ident: str = "d1", version: int = 1, **over: Any) -> str:
        doc = self.doc(f"{ident} 第{version}稿")
        self.rec(
            "zhao.lei",
            "draft.versioned",
            ident,
            {"version": version, "doc": doc, "summary": f"第{version}稿", **over},
        )
        return doc

    def participate(self, ident: str, draft: str, days: int = 30, **over: Any) -> None:
        opened = self.day.isoformat()
        deadline = (self.day + timedelta(days=days)).isoformat()
        body = {
            "draft": draft,
            "channels": ["government_website"],
            "published_at": opened,
            "deadline": deadline,
            "explanation_doc": self.doc("说明"),
            **over,
        }
        self.rec("zhao.lei", "public_comment.opened", ident, body)
        self.rec(
            "zhao.lei",
            "public_participation.completed",
            ident,
            {
                "draft": draft,
                "methods": ["public_comment"],
                "opinions_received": 3,
                "adoption_report_doc": self.doc("采纳情况"),
            },
            at=self.at(days),
        )

    def submit(self, ident: str, draft: str) -> None:
        self.rec(
            "zhao.lei",
            "legality_review.submitted",
            ident,
            {"draft": draft, "procedure_statement": "已履行公众参与程序"},
            at=self.at(1),
        )

    def opinion_body(self, draft: str, opinion: str = "lawful", **over: Any) -> dict[str, Any]:
        ok = opinion != "unlawful"
        return {
            "draft": draft,
            "checks": {"authority": {"ok": True}, "procedure": {"ok": True}, "content": {"ok": ok}},
            "opinion": opinion,
            "opinion_doc": self.doc("审查意见"),
            "adviser_opinions": [
                {"name": "法律顾问", "kind": "legal_adviser", "doc": self.doc("法律意见")}
            ],
            **over,
        }

    def opinion(
        self, ident: str, draft: str, opinion: str = "lawful", days: int = 14, **over: Any
    ) -> SignedEntry:
        return self.rec(
            "wu.xia",
            "legality_review.opinion",
            ident,
            self.opinion_body(draft, opinion, **over),
            at=self.at(days),
        )

    def ready(self, ident: str = "d1", **over: Any) -> str:
        """Propose, initiate, draft, consult the public, pass legality review."""
        self.propose(ident, **over)
        self.initiate(ident)
        draft = self.draft(ident)
        self.rec(
            "zhao.lei",
            "legal_basis.recorded",
            ident,
            {"items": [{"title": "《中华人民共和国教育法》"}]},
        )
        self.participate(ident, draft)
        self.submit(ident, draft)
        self.opinion(ident, draft)
        return draft

    def meeting(
        self,
        ident: str = "m1",
        present: list[str] | None = None,
        organ: str = "bureau-meeting",
        days: int = 2,
    ) -> None:
        present = ALL if present is None else present
        due = ALL
        absent = [{"person": p, "excused": True} for p in due if p not in present]
        at = self.at(days)
        self.rec(
            "huang.li",
            "meeting.convened",
            ident,
            {
                "organ": organ,
                "number": "第1次",
                "place": "会议室",
                "chair": "zhang.wei",
                "recorder": "huang.li",
            },
            at=at,
        )
        self.rec("huang.li", "attendance.recorded", ident, {"present": present, "absent": absent})

    def materials(self, draft: str) -> list[dict[str, str]]:
        """The Art. 29 materials of a draft walked by `ready`: the draft, an explanation, the
        legality opinion and the public participation's adoption report (the same texts, so
        the same stored documents, as those steps recorded)."""
        return [
            {"kind": "draft", "doc": draft},
            {"kind": "explanation", "doc": self.doc("起草说明")},
            {"kind": "legality_opinion", "doc": self.doc("审查意见")},
            {"kind": "public_participation", "doc": self.doc("采纳情况")},
        ]

    def item(self, ident: str, meeting: str, draft: str) -> SignedEntry:
        body = {"meeting": meeting, "item": 1, "draft": draft, "presenter": "zhao.lei"}
        return self.rec(
            "huang.li", "agenda_item.opened", ident, {**body, "materials": self.materials(draft)}
        )

    def issuable(self, ident: str = "d1", meeting: str = "m1") -> None:
        """After the approval: the meeting's final minutes, the report to the Party committee and
        its agreement, all dated the current day."""
        self.rec(
            "huang.li", "minutes.finalized", meeting, {"number": "纪要1", "doc": self.doc("纪要")}
        )
        day = self.day.isoformat()
        self.rec(
            "huang.li",
            "party_committee.reported",
            ident,
            {"to": "party-group", "reported_at": day, "outcome": "同意"},
        )
        answer = {"answer": "agreed", "answered_at": day, "doc": self.doc("党组意见")}
        self.rec("zhang.wei", "party_committee.answered", ident, answer)

    def seated(self, present: list[str], recused: list[str]) -> None:
        """d1, ready, on the agenda of meeting m1 with `present` there, `recused` recused (as
        the chair declared it)."""
        draft = self.ready()
        self.meeting("m1", present=present)
        self.item("d1", "m1", draft)
        for person in recused:
            body = {"meeting": "m1", "person": person, "reason": "other", "declared_by": "chair"}
            self.rec("huang.li", "recusal.declared", "d1", body)

    def position(
        self,
        ident: str,
        meeting: str,
        person: str,
        order: int,
        stance: str,
        reason: str | None = None,
        by: str | None = None,
    ) -> SignedEntry:
        body = position_body(meeting, person, order, stance, reason)
        return self.rec(by or person, "position.stated", ident, body)

    def speak(self, ident: str, meeting: str, stances: dict[str, str]) -> None:
        for order, (person, stance) in enumerate(stances.items(), start=1):
            reason = None if stance in ("agree", "abstain") else "理由"
            self.position(ident, meeting, person, order, stance, reason)

    def head(
        self, ident: str, meeting: str, outcome: str = "approve", reason: str | None = None
    ) -> SignedEntry:
        body = head_decision_body(meeting, outcome, reason)
        return self.rec("zhang.wei", "head_decision.made", ident, body)

    def decided(self, ident: str = "d1", meeting: str = "m1", **over: Any) -> str:
        """Everything up to the head's approval; returns the approved draft."""
        draft = self.ready(ident, **over)
        self.meeting(meeting)
        self.item(ident, meeting, draft)
        self.speak(ident, meeting, dict.fromkeys(MEMBERS, "agree"))
        self.head(ident, meeting)
        return draft

    def published(self, ident: str = "d1", **over: Any) -> str:
        draft = self.decided(ident, **over)
        self.issuable(ident)
        self.rec(
            "huang.li",
            "decision.published",
            ident,
            {
                "channels": ["government_website"],
                "published_at": self.day.isoformat(),
                "published_doc": draft,
                "ref": "示教发〔2021〕1号",
                "adoption_explanation_doc": self.doc("采纳说明"),
            },
        )
        return draft

    def executing(self, ident: str = "d1", **over: Any) -> str:
        draft = self.published(ident, **over)
        self.rec("huang.li", "execution.assigned", ident, {"units": ["basic-edu"]})
        return draft


def open_copy(template: Path, target: Path) -> Iterator[Bureau]:
    shutil.copyfile(template, target)
    store = open_store(str(target))
    try:
        yield Bureau(store, target)
    finally:
        store.close()
