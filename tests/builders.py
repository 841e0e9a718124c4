"""Build real ledgers for tests: real SQLite files, real Ed25519 keys from fixed seeds."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keys import KeyStore, SigningKey
from ledger.app import Ledger, entries
from ledger.app.identity import LedgerIdentity, init_ledger
from ledger.append import Draft, append_entry
from ledger.entry import SignedEntry, possession_message
from ledger.procedure.profile import DEFAULT_PROFILE_NAME
from ledger.store import SqlStore, open_store

if TYPE_CHECKING:
    from tests.backends import Backend

ORIGIN = "edu.example-district.gov.cn/decisions"
T0 = datetime(2020, 1, 6, 1, 0, tzinfo=UTC)


def seeded_key(label: str) -> SigningKey:
    """A deterministic key for `label`."""
    return SigningKey.from_seed(hashlib.sha256(label.encode()).digest())


class Clock:
    """A fixed clock that moves one second per reading."""

    def __init__(self, start: datetime = T0) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


class SystemClock(Clock):
    """This machine's clock, for tests in which other processes append with it too."""

    def __call__(self) -> datetime:
        self.moment = datetime.now(UTC)
        return self.moment


@dataclass
class LedgerFixture:
    """A ledger on disk and the keys of its people."""

    db: str
    store: SqlStore
    keys: dict[str, SigningKey] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)

    def append(
        self, entry_type: str, subject: str, body: dict[str, Any], actor: str = "li.na"
    ) -> SignedEntry:
        draft = Draft(entry_type, subject, body, actor, self.keys[actor])
        return append_entry(store=self.store, draft=draft, now=self.clock())

    def register(self, person: str, name: str) -> SigningKey:
        """Register `person` and bind a fresh seeded key; return the key."""
        self.append("person.registered", person, {"name": name})
        return self.bind(person, seeded_key(person))

    def bind(self, person: str, key: SigningKey) -> SigningKey:
        self.append("key.bound", person, binding_body(key, person))
        self.keys[person] = key
        return key

    def note(self, actor: str, text: str, subject: str = "meeting-1") -> SignedEntry:
        return self.append("note", subject, {"text": text}, actor=actor)


def binding_body(key: SigningKey, person: str, origin: str = ORIGIN) -> dict[str, Any]:
    proof = key.sign(possession_message(origin, person, key.key_id))
    return {
        "key_id": key.key_id,
        "public_key": base64.b64encode(key.public_key).decode(),
        "proof_of_possession": base64.b64encode(proof).decode(),
    }


def new_ledger(
    directory: Path, name: str = "ledger.db", backend: Backend | None = None
) -> LedgerFixture:
    """A ledger with a registrar (li.na) and nothing else: a SQLite file in `directory`, or
    a new ledger of `backend`, used from then on as its recorders would."""
    db = str(directory / name) if backend is None else backend.new_db(directory)
    clock = Clock()
    registrar = seeded_key("li.na")
    # release 0.1.0's profile name, as the pinned vectors of the entry format were made with
    identity = LedgerIdentity(ORIGIN, "示例区教育局", "li.na", "李娜", DEFAULT_PROFILE_NAME)
    store, _ = init_ledger(db=db, identity=identity, registrar_key=registrar, now=clock())
    recorder = db if backend is None else backend.recorder_db(db)
    if recorder != db:
        store.close()
        db, store = recorder, open_store(recorder)
    return LedgerFixture(db=db, store=store, keys={"li.na": registrar}, clock=clock)


def sample_ledger(directory: Path, backend: Backend | None = None) -> LedgerFixture:
    """A small but complete ledger: people, keys, an organ, memberships, a revocation,
    notes with a blob. Every entry type of the foundation appears."""
    ledger = new_ledger(directory, backend=backend)
    ledger.register("wang.fang", "王芳")
    ledger.register("zhao.lei", "赵磊")
    ledger.append(
        "organ.created", "bureau-meeting", {"name": "局务会议", "kind": "executive_meeting"}
    )
    ledger.append(
        "membership.started",
        "wang.fang",
        {"organ": "bureau-meeting", "role": "head", "from": "2020-01-01"},
    )
    ledger.append(
        "membership.started",
        "zhao.lei",
        {"organ": "bureau-meeting", "role": "member", "from": "2020-01-01"},
    )
    digest = entries.add_blob(Ledger(ledger.store), "会议材料 v1".encode())
    ledger.append(
        "note", "meeting-1", {"text": "材料已分发", "attachments": [digest]}, actor="wang.fang"
    )
    ledger.note("zhao.lei", "同意。")
    old = ledger.keys["zhao.lei"]
    ledger.bind("zhao.lei", seeded_key("zhao.lei/2"))
    ledger.append(
        "key.revoked",
        "zhao.lei",
        {"key_id": old.key_id, "effective_at": ledger.clock.moment.isoformat(), "reason": "轮换"},
    )
    ledger.append(
        "membership.ended",
        "zhao.lei",
        {"organ": "bureau-meeting", "role": "member", "to": "2020-06-30"},
    )
    ledger.note("zhao.lei", "新密钥签名。")
    return ledger


def unlock(
    *, store: SqlStore, keystore: KeyStore, person: str, passphrase: Callable[[], str]
) -> SigningKey:
    """`person`'s newest valid key in `keystore` (see `Ledger.key_for`)."""
    from ledger.app import Ledger

    return Ledger(store, keystore=keystore).key_for(person, passphrase)
