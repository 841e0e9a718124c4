"""`ledger demo`: a small, realistic ledger a newcomer can explore in one command.

A district education bureau: its registrar, leadership, legal office and recorder, each with an
encrypted key under one demo passphrase; the bureau's organs and memberships; a few notes with a
document attached. Real keys, real signatures, a real SQLite file.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from keys import KeyStore, SigningKey
from ledger import service
from ledger.entry import possession_message
from ledger.errors import InputError

DEMO_PASSPHRASE = "demo-713"
MARKER = ".ledger-demo"
ORIGIN = "edu.example-district.gov.cn/decisions"
ORGANISATION = "示例区教育局"
REGISTRAR = ("li.na", "李娜")

PEOPLE = [
    ("zhang.wei", "张伟"),  # 局长 (head of the bureau)
    ("liu.yang", "刘洋"),  # 副局长
    ("chen.jing", "陈静"),  # 副局长
    ("zhou.min", "周敏"),  # 党组成员
    ("sun.hao", "孙浩"),  # 法制科科长 (head of the legal office)
    ("wu.xia", "吴霞"),  # 法制科 legality reviewer
    ("huang.li", "黄丽"),  # 办公室 meeting recorder
]

ORGANS = [
    ("party-group", "中共示例区教育局党组", "party_group"),
    ("bureau-meeting", "局长办公会议", "executive_meeting"),
    ("legal-office", "法制科", "internal_unit"),
    ("general-office", "办公室", "internal_unit"),
]

MEMBERSHIPS = [
    ("zhang.wei", "party-group", "head", "2018-09-01"),
    ("zhang.wei", "bureau-meeting", "head", "2018-09-01"),
    ("liu.yang", "party-group", "member", "2019-03-01"),
    ("liu.yang", "bureau-meeting", "deputy", "2019-03-01"),
    ("chen.jing", "bureau-meeting", "deputy", "2017-06-01"),
    ("zhou.min", "party-group", "member", "2016-01-01"),
    ("zhou.min", "bureau-meeting", "member", "2016-01-01"),
    ("sun.hao", "legal-office", "head", "2019-07-01"),
    ("sun.hao", "bureau-meeting", "non_voting_attendee", "2019-07-01"),
    ("wu.xia", "legal-office", "member", "2020-01-01"),
    ("huang.li", "general-office", "member", "2015-09-01"),
    ("huang.li", "bureau-meeting", "recorder", "2020-01-01"),
]

AGENDA = """示例区教育局局长办公会议（2020年第3次）议题材料
一、关于《示例区中小学校舍维修三年行动计划（2020—2022年）》（征求意见稿）的说明
二、关于2020年教育经费预算调整的请示
"""


@dataclass(frozen=True)
class Demo:
    """Where the demo was built."""

    db: Path
    key_dir: Path
    passphrase: str
    entries: int


def build(directory: Path, *, now: datetime) -> Demo:
    """Build the demo ledger in `directory` (replacing an earlier demo there).

    Raises:
        InputError: `directory` exists and is not an earlier demo (nothing is touched).
    """
    directory = directory.expanduser()
    if directory.exists():
        if not (directory / MARKER).exists():
            if any(directory.iterdir()):
                raise InputError(
                    "exists and is not a ledger demo; choose another --dir", where=str(directory)
                )
        else:
            shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("built by `ledger demo`; safe to delete\n", encoding="utf-8")
    db, key_dir = directory / "ledger.db", directory / "keys"
    keystore = KeyStore(key_dir)

    keys: dict[str, SigningKey] = {}
    for person, _ in [REGISTRAR, *PEOPLE]:
        keys[person] = SigningKey.generate()
        keystore.save(keys[person], DEMO_PASSPHRASE)

    registrar = REGISTRAR[0]
    identity = service.LedgerIdentity(ORIGIN, ORGANISATION, registrar, REGISTRAR[1])
    store, _ = service.init_ledger(
        db=str(db), identity=identity, registrar_key=keys[registrar], now=now
    )

    def by_registrar(kind: str, subject: str, body: Mapping[str, object]) -> service.Draft:
        return service.Draft(kind, subject, dict(body), registrar, keys[registrar])

    drafts = []
    for person, name in PEOPLE:
        drafts.append(by_registrar("person.registered", person, {"name": name}))
        drafts.append(by_registrar("key.bound", person, _binding(keys[person], person)))
    for organ, name, kind in ORGANS:
        drafts.append(by_registrar("organ.created", organ, {"name": name, "kind": kind}))
    for person, organ, role, start in MEMBERSHIPS:
        started = {"organ": organ, "role": role, "from": start}
        drafts.append(by_registrar("membership.started", person, started))
    service.append_batch(store=store, drafts=drafts, now=now)

    agenda = service.add_blob(store=store, data=AGENDA.encode("utf-8"))
    notes: list[tuple[str, str, dict[str, Any]]] = [
        ("huang.li", "2020-03-12T15:00:00+08:00", {
            "text": "局长办公会议（2020年第3次）议题材料已于会前三日分送参会人员。",
            "attachments": [agenda],
        }),
        ("sun.hao", "2020-03-10T10:00:00+08:00", {
            "text": "法制科已收到《校舍维修三年行动计划》送审稿，按规定启动合法性审查。",
        }),
    ]  # fmt: skip
    for actor, occurred, body in notes:
        draft = service.Draft("note", "meeting-2020-03", body, actor, keys[actor], occurred)
        service.append_entry(store=store, draft=draft, now=now)
    total = store.count()
    store.close()
    return Demo(db=db, key_dir=key_dir, passphrase=DEMO_PASSPHRASE, entries=total)


def _binding(key: SigningKey, person: str) -> dict[str, object]:
    proof = key.sign(possession_message(ORIGIN, person, key.key_id))
    return {
        "key_id": key.key_id,
        "public_key": base64.b64encode(key.public_key).decode(),
        "proof_of_possession": base64.b64encode(proof).decode(),
    }
