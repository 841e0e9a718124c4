"""The demo's bureau: its people, organs and posts, the district's 2020 rules, and the deputy
who changes posts and keys in October."""

from __future__ import annotations

import base64
from typing import Any

from keys import SigningKey
from ledger.app.demo.scribe import Scribe
from ledger.entry import possession_message
from ledger.procedure.calendars import CHINA_2020

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


def binding(key: SigningKey, person: str) -> dict[str, Any]:
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
# The demo's year is held to edition 2 (the checks of substance) under the same district rules,
# counting working days by the State Council's 2020 arrangement (holidays and the weekend days
# worked instead).
DEMO_RULES: dict[str, Any] = {**DISTRICT_RULES, "edition": 2, "calendar": {"2020": CHINA_2020}}
# The same rules under edition 1, for the demo a person opens (see `build`).
DEMO_RULES_EDITION_1: dict[str, Any] = {**DISTRICT_RULES, "calendar": {"2020": CHINA_2020}}


def setup(s: Scribe, keys: dict[str, SigningKey], rules: dict[str, Any] = DISTRICT_RULES) -> None:
    """The bureau's people, keys, organs, posts and its 2020 rule profile (`rules`)."""
    reg, at = REGISTRAR[0], "2020-01-02T09:00:00+08:00"
    for person, name in PEOPLE:
        s(at, reg, "person.registered", person, {"name": name})
        s(at, reg, "key.bound", person, binding(keys[person], person))
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
            "rules": rules,
            "reason": "依据《示例区重大行政决策程序实施办法》：合法性审查由局法制科承担，"
            "重大事项出台前报局党组；大额资金标准为100万元。",
        },
    )


def rotation(s: Scribe, old: SigningKey, new: SigningKey) -> None:
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
    s("2020-10-09T09:05:00+08:00", reg, "key.bound", "chen.jing", binding(new, "chen.jing"))
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
    s("2020-10-09T09:10:00+08:00", reg, "key.bound", gao, binding(s.keys[gao], gao))
    for organ, role in (("bureau-meeting", "deputy"), ("party-group", "member")):
        s(
            "2020-10-09T09:10:00+08:00",
            reg,
            "membership.started",
            gao,
            {"organ": organ, "role": role, "from": "2020-10-09"},
        )


__all__ = [
    "DEMO_RULES",
    "DEMO_RULES_EDITION_1",
    "DISTRICT_RULES",
    "HOLIDAYS_2020",
    "LATER",
    "ORGANISATION",
    "ORIGIN",
    "PEOPLE",
    "REGISTRAR",
    "rotation",
    "setup",
]
