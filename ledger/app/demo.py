"""`ledger demo`: the bureau's 2020, recorded step by step as it happened.

A district education bureau: its people (each with an encrypted key under one demo passphrase),
organs and posts; its 2020 catalog of major decisions; six decisions walked through Decree 713's
procedure — one with a recorded dissent, one where the head departs from the majority and states
why, one refused at the legality gate then fixed and reviewed again, one adjusted after
post-evaluation by a new decision, one still undecided past its planned date — an accountability
case that traces back to a deputy who has since changed posts and keys, and the year's 63
normative documents with their filing dates. Real keys, real signatures, a real SQLite file; each
entry is recorded at its business time, as a recorder would have done in 2020.

The module is long because it is the year itself: its people, posts and decisions, declared one
after another as data; the little logic it has is at the top.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from keys import KeyStore, SigningKey
from ledger import checkpoints
from ledger.app.identity import LedgerIdentity, init_ledger
from ledger.append import Draft, append_entry
from ledger.entry import possession_message
from ledger.errors import InputError, RefusedError
from ledger.procedure.bodies import head_decision_body, position_body
from ledger.procedure.profile import DEFAULT_PROFILE_NAME
from ledger.store import SqlStore

DEMO_PASSPHRASE = "demo-713"
MARKER = ".ledger-demo"
ORIGIN = "edu.example-district.gov.cn/decisions"
ORGANISATION = "示例区教育局"
REGISTRAR = ("li.na", "李娜")  # 法制科, keeps the ledger's register

PEOPLE = [
    ("zhang.wei", "张伟"),  # 局长, 党组书记
    ("liu.yang", "刘洋"),  # 副局长
    ("chen.jing", "陈静"),  # 副局长 until 2020-09-30, then 督导室主任
    ("zhou.min", "周敏"),  # 党组成员
    ("sun.hao", "孙浩"),  # 法制科科长
    ("wu.xia", "吴霞"),  # 法制科, legality reviewer
    ("huang.li", "黄丽"),  # 办公室, meeting recorder
    ("wang.qiang", "王强"),  # 计划财务科科长
    ("zhao.lei", "赵磊"),  # 基础教育科科长
]
LATER = [("gao.fei", "高飞")]  # 副局长 from 2020-10-01

ORGANS = [
    ("party-group", "中共示例区教育局党组", "party_group"),
    ("bureau-meeting", "局长办公会议", "executive_meeting"),
    ("legal-office", "法制科", "internal_unit"),
    ("general-office", "办公室", "internal_unit"),
    ("finance-office", "计划财务科", "internal_unit"),
    ("basic-edu", "基础教育科", "internal_unit"),
    ("supervision-office", "督导室", "internal_unit"),
]

MEMBERSHIPS = [
    ("zhang.wei", "party-group", "head", "2018-09-01"),
    ("zhang.wei", "bureau-meeting", "head", "2018-09-01"),
    ("liu.yang", "party-group", "member", "2019-03-01"),
    ("liu.yang", "bureau-meeting", "deputy", "2019-03-01"),
    ("chen.jing", "party-group", "member", "2017-06-01"),
    ("chen.jing", "bureau-meeting", "deputy", "2017-06-01"),
    ("zhou.min", "party-group", "member", "2016-01-01"),
    ("zhou.min", "bureau-meeting", "member", "2016-01-01"),
    ("sun.hao", "legal-office", "head", "2019-07-01"),
    ("sun.hao", "bureau-meeting", "non_voting_attendee", "2019-07-01"),
    ("wu.xia", "legal-office", "member", "2020-01-01"),
    ("li.na", "legal-office", "member", "2018-03-01"),
    ("huang.li", "general-office", "member", "2015-09-01"),
    ("huang.li", "bureau-meeting", "recorder", "2020-01-01"),
    ("wang.qiang", "finance-office", "head", "2016-05-01"),
    ("zhao.lei", "basic-edu", "head", "2018-01-01"),
]

HOLIDAYS_2020 = [
    "2020-01-01",
    "2020-01-24",
    "2020-01-27",
    "2020-01-28",
    "2020-01-29",
    "2020-01-30",
    "2020-01-31",
    "2020-04-06",
    "2020-05-01",
    "2020-05-04",
    "2020-05-05",
    "2020-06-25",
    "2020-06-26",
    "2020-10-01",
    "2020-10-02",
    "2020-10-05",
    "2020-10-06",
    "2020-10-07",
    "2020-10-08",
]

# The year's normative documents: 63 issued; one never filed, two filed late, one ordered to
# be corrected on review. So the filing, timeliness and legality rates come out of the data.
NORMATIVE_TOPICS = [
    "中小学校安全管理",
    "校外培训机构管理",
    "教师招聘",
    "学生资助",
    "校园食品安全",
    "学前教育收费",
    "义务教育招生入学",
    "课后服务",
    "教育督导",
    "教师继续教育",
    "校舍维修资金管理",
    "体育场馆开放",
    "学籍管理",
    "民办学校年检",
    "特殊教育随班就读",
    "劳动教育",
    "中小学作业管理",
    "教育统计",
    "教育装备采购",
    "校园欺凌防治",
    "家庭经济困难学生认定",
]
NORMATIVE_COUNT = 63
NOT_FILED = {40}
LATE = {17: 36, 51: 41}  # document number: days after publication it was filed
# Nothing in the demo happens after this day: it is looked at on 2021-01-15 (the TUI's tests
# and screenshots), and an entry recorded later than the clock of the machine that looks is
# one from the future (`ledger verify` reports it, and an append there is refused).
LAST_DAY = "2021-01-14"
CORRECTION_ORDERED = {22}
DECISION_DOCUMENT = 23  # 示教规〔2020〕23号 is decision d2020-03's text


# What the year's story comes to, decision by decision: (status, compliance status).
SCRIPTED = {
    "d2020-01": ("in_execution", "compliant"),  # approved over zhou.min's dissent
    "d2020-02": ("in_execution", "compliant"),  # the head departs from the majority, with reason
    "d2020-03": ("in_execution", "compliant"),  # unlawful, kept off the agenda, fixed, approved
    "d2020-04": ("adjusted", "compliant"),  # evaluated, then adjusted by d2020-05
    "d2020-05": ("published", "compliant_with_documented_exceptions"),  # shortened comment (G3)
    "d2020-07": ("drafting", "in_progress"),  # past its planned date: undue delay (G17)
}


@dataclass(frozen=True)
class Demo:
    """Where the demo was built, and what it shows."""

    db: Path
    key_dir: Path
    passphrase: str
    entries: int
    refusals: list[str] = field(default_factory=list)
    checkpoint: str = ""  # the signed checkpoint of the whole year (a C2SP signed note)


Body = dict[str, Any] | Callable[[dict[str, int]], dict[str, Any]]


@dataclass
class _Event:
    at: str
    actor: str
    type: str
    subject: str
    body: Body
    label: str | None = None


class _Scribe:
    """Records the year: entries in business-time order, each signed by its actor's key."""

    def __init__(self, store: SqlStore, keys: dict[str, SigningKey]) -> None:
        self.store, self.keys = store, keys
        self.events: list[_Event] = []
        self.seqs: dict[str, int] = {}
        self.refusals: list[str] = []
        self.pending: dict[str, SigningKey] = {}  # new keys, in use once bound

    def doc(self, text: str) -> str:
        with self.store.writing() as tx:
            return tx.put_blob(text.encode("utf-8"))

    def __call__(
        self, at: str, actor: str, kind: str, subject: str, body: Body, label: str | None = None
    ) -> None:
        self.events.append(_Event(at, actor, kind, subject, body, label))

    def attempt(self, at: str, actor: str, kind: str, subject: str, body: Body) -> None:
        """An entry the ledger is expected to refuse; the refusal is kept for the summary."""
        self.events.append(_Event(at, actor, kind, subject, body, label="!refused"))

    def run(self) -> None:
        for event in sorted(self.events, key=lambda e: e.at):
            body = event.body(self.seqs) if callable(event.body) else event.body
            draft = Draft(
                event.type, event.subject, body, event.actor, self.keys[event.actor], event.at
            )
            moment = datetime.fromisoformat(event.at)
            if event.label == "!refused":
                try:
                    append_entry(store=self.store, draft=draft, now=moment)
                except RefusedError as exc:
                    self.refusals.append(f"{event.at[:10]} {event.type} {event.subject}: {exc}")
                    continue
                raise AssertionError(f"the demo expected {event.type} to be refused")
            entry = append_entry(store=self.store, draft=draft, now=moment)
            if event.label is not None:
                self.seqs[event.label] = entry.seq
            waiting = self.pending.get(event.subject)
            if event.type == "key.bound" and waiting and body["key_id"] == waiting.key_id:
                self.keys[event.subject] = self.pending.pop(event.subject)


def build(directory: Path, *, seed: bytes | None = None) -> Demo:
    """Build the demo ledger in `directory` (replacing an earlier demo there).

    Args:
        seed: derive every key from it (for tests and screenshots that must be the same on
            every run); by default the keys are random.

    Raises:
        InputError: `directory` exists and is not an earlier demo (nothing is touched).
    """
    directory = directory.expanduser()
    if directory.exists() and not directory.is_dir():
        raise InputError("is not a directory; choose another --dir", where=str(directory))
    if directory.exists():
        if not (directory / MARKER).exists():
            if any(directory.iterdir()):
                raise InputError(
                    "exists and is not a ledger demo; choose another --dir", where=str(directory)
                )
        else:
            shutil.rmtree(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MARKER).write_text(
            "built by `ledger demo`; safe to delete\n", encoding="utf-8"
        )
    except OSError as exc:
        raise InputError(f"cannot create: {exc.strerror}", where=str(directory)) from None
    db, key_dir = directory / "ledger.db", directory / "keys"
    keystore = KeyStore(key_dir)

    def new_key(label: str) -> SigningKey:
        if seed is None:
            return SigningKey.generate()
        return SigningKey.from_seed(hashlib.sha256(seed + label.encode()).digest())

    keys: dict[str, SigningKey] = {}
    for person, _ in [REGISTRAR, *PEOPLE, *LATER]:
        keys[person] = new_key(person)
        keystore.save(keys[person], DEMO_PASSPHRASE)
    rotated = new_key("chen.jing/2")  # chen.jing's new key after she changes posts
    keystore.save(rotated, DEMO_PASSPHRASE)

    # The year as it was recorded then: under release 0.1.0's profile and its edition-1 checks
    # (`ledger init` now names the edition-2 profile for a new ledger).
    identity = LedgerIdentity(
        ORIGIN, ORGANISATION, REGISTRAR[0], REGISTRAR[1], rule_profile=DEFAULT_PROFILE_NAME
    )
    start = datetime.fromisoformat("2020-01-02T08:30:00+08:00")
    store, _ = init_ledger(
        db=str(db), identity=identity, registrar_key=keys[REGISTRAR[0]], now=start
    )
    scribe = _Scribe(store, keys)
    scribe.pending = {"chen.jing": rotated}
    _setup(scribe, keys)
    _rotation(scribe, keys["chen.jing"], rotated)
    _year(scribe)
    scribe.run()
    # The year closes with a checkpoint signed by the registrar, as handed to the auditors.
    signed, _ = checkpoints.sign_checkpoint(store=store, keys=[keys[REGISTRAR[0]]])
    total = store.count()
    store.close()
    return Demo(db, key_dir, DEMO_PASSPHRASE, total, scribe.refusals, signed.encode().decode())


def _binding(key: SigningKey, person: str) -> dict[str, Any]:
    proof = key.sign(possession_message(ORIGIN, person, key.key_id))
    return {
        "key_id": key.key_id,
        "public_key": base64.b64encode(key.public_key).decode(),
        "proof_of_possession": base64.b64encode(proof).decode(),
    }


# The district's own rules in 2020 (its implementing measures): who reviews legality, where the
# Art. 31 report goes, what a large fund is, the year's holidays.
DISTRICT_RULES: dict[str, Any] = {
    "legality_review_unit": "legal-office",
    "party_committee": "party-group",
    "large_fund_fen": 100_000_000,
    "holidays": HOLIDAYS_2020,
}


def _setup(s: _Scribe, keys: dict[str, SigningKey]) -> None:
    reg, at = REGISTRAR[0], "2020-01-02T09:00:00+08:00"
    for person, name in PEOPLE:
        s(at, reg, "person.registered", person, {"name": name})
        s(at, reg, "key.bound", person, _binding(keys[person], person))
    for organ, name, kind in ORGANS:
        s(at, reg, "organ.created", organ, {"name": name, "kind": kind})
    for person, organ, role, begin in MEMBERSHIPS:
        s(at, reg, "membership.started", person, {"organ": organ, "role": role, "from": begin})
    s(
        "2020-01-02T09:30:00+08:00",
        reg,
        "rule_profile.versioned",
        "example-district-2020",
        {
            "version": 2,
            "effective_from": "2020-01-01",
            "rules": DISTRICT_RULES,
            "reason": "依据《示例区重大行政决策程序实施办法》：合法性审查由局法制科承担，"
            "重大事项出台前报局党组；大额资金标准为100万元。",
        },
    )


def _rotation(s: _Scribe, old: SigningKey, new: SigningKey) -> None:
    reg = REGISTRAR[0]
    s(
        "2020-09-30T17:00:00+08:00",
        reg,
        "membership.ended",
        "chen.jing",
        {
            "organ": "bureau-meeting",
            "role": "deputy",
            "to": "2020-09-30",
            "reason": "调任区教育局督导室主任",
        },
    )
    s(
        "2020-09-30T17:00:00+08:00",
        reg,
        "membership.ended",
        "chen.jing",
        {
            "organ": "party-group",
            "role": "member",
            "to": "2020-09-30",
            "reason": "调任区教育局督导室主任",
        },
    )
    s(
        "2020-10-09T09:00:00+08:00",
        reg,
        "membership.started",
        "chen.jing",
        {"organ": "supervision-office", "role": "head", "from": "2020-10-09"},
    )
    s("2020-10-09T09:05:00+08:00", reg, "key.bound", "chen.jing", _binding(new, "chen.jing"))
    s(
        "2020-10-09T09:06:00+08:00",
        reg,
        "key.revoked",
        "chen.jing",
        {
            "key_id": old.key_id,
            "effective_at": "2020-10-09T09:06:00+08:00",
            "reason": "岗位调整，启用新密钥",
        },
    )
    gao = LATER[0][0]
    s("2020-10-09T09:10:00+08:00", reg, "person.registered", gao, {"name": LATER[0][1]})
    s("2020-10-09T09:10:00+08:00", reg, "key.bound", gao, _binding(s.keys[gao], gao))
    for organ, role in (("bureau-meeting", "deputy"), ("party-group", "member")):
        s(
            "2020-10-09T09:10:00+08:00",
            reg,
            "membership.started",
            gao,
            {"organ": organ, "role": role, "from": "2020-10-09"},
        )


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


def _year(s: _Scribe) -> None:
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
    _normative_documents(s)


class _Decision:
    """Writes one decision's routine steps; each case adds what makes it special."""

    def __init__(self, s: _Scribe, ident: str, title: str, unit: str, leader: str) -> None:
        self.s, self.id, self.title, self.unit, self.leader = s, ident, title, unit, leader
        self.drafts: dict[int, str] = {}

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

    def item(self, at: str, meeting: str, number: int, version: int) -> None:
        self(
            at,
            "huang.li",
            "agenda_item.opened",
            {
                "meeting": meeting,
                "item": number,
                "draft": self.drafts[version],
                "presenter": self.leader,
            },
        )

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


def _minutes(s: _Scribe, meeting: str, day: str, number: str, present: list[str]) -> None:
    doc = s.doc(f"局长办公会议纪要（{number}）")
    s(
        f"{day}T17:00:00+08:00",
        "huang.li",
        "minutes.finalized",
        meeting,
        {"number": number, "doc": doc},
    )
    for person in present:
        s(f"{day}T17:30:00+08:00", person, "minutes.confirmed", meeting, {"doc": doc})


ALL = ["zhang.wei", "liu.yang", "chen.jing", "zhou.min"]


def _dissent(s: _Scribe) -> None:
    """d2020-01: approved over one member's recorded dissent."""
    d = _Decision(s, "d2020-01", CATALOG_ITEMS[0][1], "finance-office", "wang.qiang")
    d.propose(
        "2020-01-06", "item-01", ["vital_interests", "stability_risk"], amount_fen=3_600_000_000
    )
    d.initiate("2020-01-08")
    d.draft("2020-01-15", 1, "征求意见稿：三年内完成全区62所中小学校舍维修改造。")
    d.basis("2020-01-15", "《中华人民共和国教育法》", "《中小学校舍安全管理办法》")
    d.comment("2020-02-10", "2020-03-11", 1, 126)
    risk = s.doc("《校舍维修三年行动计划》社会稳定风险评估报告")
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


def _divergence(s: _Scribe) -> None:
    """d2020-02: the head approves against the majority and states why; later an
    accountability case traces it back."""
    d = _Decision(s, "d2020-02", CATALOG_ITEMS[1][1], "basic-edu", "zhao.lei")
    d.propose("2020-02-20", "item-02", ["vital_interests", "specific_group"])
    d.initiate("2020-02-24", leaders=["zhao.lei", "chen.jing"])
    d.draft("2020-03-02", 1, "征求意见稿：调整城区12所小学的招生片区。")
    d.basis("2020-03-02", "《中华人民共和国义务教育法》第十二条")
    d.comment("2020-03-09", "2020-04-08", 1, 342)
    record = s.doc("学区划片调整听证会笔录（经参加人签字确认）")
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
            "docs": [],
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
    d.issue("2020-05-11", "2020-05-15", 2, "示教发〔2020〕18号")
    d.execute("2020-05-18", "basic-edu")
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


def _legality_refusal(s: _Scribe) -> None:
    """d2020-03: found unlawful, kept off the agenda by G5, fixed, reviewed again, issued."""
    d = _Decision(s, "d2020-03", CATALOG_ITEMS[2][1], "basic-edu", "zhao.lei")
    d.propose("2020-03-02", "item-03", ["affects_market_entities"], normative=True)
    d.initiate("2020-03-04")
    d.draft("2020-03-10", 1, "征求意见稿：要求培训机构缴纳风险保证金。")
    d.basis("2020-03-10", "《中华人民共和国民办教育促进法》")
    fair = s.doc("《校外培训机构管理办法》公平竞争审查意见")
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
        {
            "meeting": meeting,
            "item": 1,
            "draft": d.drafts[1],
            "presenter": "zhao.lei",
        },
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
    d.issue("2020-06-09", "2020-06-12", 3, f"示教规〔2020〕{DECISION_DOCUMENT}号")
    d.execute("2020-06-15", "basic-edu")


def _adjusted(s: _Scribe) -> None:
    """d2020-04 is evaluated and adjusted by d2020-05, decided with a shortened comment
    period (soft gate G3, reason recorded)."""
    d = _Decision(s, "d2020-04", CATALOG_ITEMS[3][1], "basic-edu", "zhao.lei")
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
    d.issue("2020-03-23", "2020-03-25", 1, "示教发〔2020〕9号")
    d.execute("2020-03-26", "basic-edu")
    d.archive("2020-04-15", "WS·2020·Y·0009")
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
    n = _Decision(
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
    n.issue("2020-12-21", "2020-12-24", 1, "示教发〔2020〕41号")
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


def _overdue(s: _Scribe) -> None:
    """d2020-07: initiated, still drafting after its planned decision date."""
    d = _Decision(s, "d2020-07", CATALOG_ITEMS[4][1], "general-office", "huang.li")
    d.propose("2020-05-06", "item-05", ["technical"], amount_fen=120_000_000)
    d.initiate("2020-05-08")
    d.draft("2020-06-01", 1, "初稿：建设全区教育云平台。")


def _normative_documents(s: _Scribe) -> None:
    for number in range(1, NORMATIVE_COUNT + 1):
        month, day = 1 + (number - 1) * 12 // NORMATIVE_COUNT, 3 + (number * 7) % 25
        published = f"2020-{month:02d}-{day:02d}"
        ident = f"nd-2020-{number:02d}"
        topic = NORMATIVE_TOPICS[(number - 1) % len(NORMATIVE_TOPICS)]
        body: dict[str, Any] = {
            "title": f"示例区{topic}规定" if number != DECISION_DOCUMENT else CATALOG_ITEMS[2][1],
            "doc_no": f"示教规〔2020〕{number}号",
            "registration_no": f"SLQJY-2020-{number:03d}",
            "drafting_unit": "basic-edu" if number % 2 else "general-office",
            "legality_reviewed_at": published,
            "published_at": published,
        }
        if number == DECISION_DOCUMENT:
            body["decision"] = "d2020-03"
            published = body["published_at"] = body["legality_reviewed_at"] = "2020-06-12"
        s(f"{published}T11:00:00+08:00", "sun.hao", "normative_doc.registered", ident, body)
        if number in NOT_FILED:
            continue
        delay = LATE.get(number, 5 + number % 15)
        filed = _add_days(published, delay)
        s(
            f"{filed}T10:00:00+08:00",
            "sun.hao",
            "normative_doc.filed",
            ident,
            {"filed_to": "示例区司法局", "filed_at": filed},
        )
        result = "correction_ordered" if number in CORRECTION_ORDERED else "no_issue"
        answered = min(_add_days(filed, 20), LAST_DAY)
        s(
            f"{answered}T10:00:00+08:00",
            "sun.hao",
            "normative_doc.filing_outcome",
            ident,
            {"outcome": "registered", "review_result": result, "decided_at": answered},
        )


def _add_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()
