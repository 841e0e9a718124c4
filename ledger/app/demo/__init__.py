"""`ledger demo`: the bureau's 2020, recorded step by step as it happened.

A district education bureau: its people (each with an encrypted key under one demo passphrase),
organs and posts (`bureau`); its 2020 catalog of major decisions and six decisions walked through
Decree 713's procedure (`year`) — one with a recorded dissent, one where the head departs from the
majority and states why, one refused at the legality gate then fixed and reviewed again, one
adjusted after post-evaluation by a new decision that names it in its own proposal and was taken
with a shortened, justified comment period, one still undecided past its planned date — an
accountability case that traces back to a deputy who has since changed posts and keys, and the
year's 63 normative documents with their filing dates (`normative`). Each decided matter has the
complete record of a model year under edition 2 of the checks: the agenda item's Art. 29
materials, final minutes confirmed before the Party report and the issue, an execution unit that
reports, an archive in time. Real keys, real signatures, a real SQLite file; each entry is
recorded at its business time, as a recorder would have done in 2020 (`scribe`).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from keys import KeyStore, SigningKey
from ledger import checkpoints
from ledger.app.demo.bureau import (
    DEMO_RULES,
    DEMO_RULES_EDITION_1,
    DISTRICT_RULES,
    HOLIDAYS_2020,
    LATER,
    ORGANISATION,
    ORIGIN,
    PEOPLE,
    REGISTRAR,
    rotation,
    setup,
)
from ledger.app.demo.normative import NORMATIVE_COUNT
from ledger.app.demo.scribe import Scribe
from ledger.app.demo.year import PARTY_ANSWER, PARTY_SECRETARY, year
from ledger.app.identity import LedgerIdentity, init_ledger
from ledger.errors import InputError
from ledger.procedure.profile import DEFAULT_PROFILE_NAME, EDITION_2_PROFILE_NAME

DEMO_PASSPHRASE = "demo-713"
MARKER = ".ledger-demo"

# The tests that record the bureau, or its year, as the demo does (the procedure tests' bureau,
# several recorders taking turns) use these.
_Scribe = Scribe
_setup = setup
_rotation = rotation
_year = year


# What the year's story comes to, decision by decision: (status, compliance status).
SCRIPTED = {
    "d2020-01": ("in_execution", "compliant"),  # approved over zhou.min's dissent
    "d2020-02": ("in_execution", "compliant"),  # the head departs from the majority, with reason
    "d2020-03": ("in_execution", "compliant"),  # unlawful, kept off the agenda, fixed, approved
    "d2020-04": ("adjusted", "compliant"),  # evaluated, then adjusted by d2020-05
    "d2020-05": ("in_execution", "compliant_with_documented_exceptions"),  # shortened comment
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


def build(directory: Path, *, seed: bytes | None = None, edition: int = 1) -> Demo:
    """Build the demo ledger in `directory` (replacing an earlier demo there).

    Args:
        seed: derive every key from it (for tests and screenshots that must be the same on
            every run); by default the keys are random.
        edition: the checks the year is held to. The year's record is complete under edition 2
            as well (a test builds it so); the demo a person opens is edition 1 for now, because
            what they record in it today — a comment period opened and closed in one sitting, as
            the tutorials do — edition 2 rightly refuses.

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

    # Under edition 2 the genesis names the edition-2 profile and the district's own rules (its
    # 2020 profile) keep edition 2.
    identity = LedgerIdentity(
        ORIGIN,
        ORGANISATION,
        REGISTRAR[0],
        REGISTRAR[1],
        rule_profile=EDITION_2_PROFILE_NAME if edition == 2 else DEFAULT_PROFILE_NAME,
    )
    start = datetime.fromisoformat("2020-01-02T08:30:00+08:00")
    store, _ = init_ledger(
        db=str(db), identity=identity, registrar_key=keys[REGISTRAR[0]], now=start
    )
    scribe = Scribe(store, keys, batched=True)
    scribe.pending = {"chen.jing": rotated}
    setup(scribe, keys, rules=DEMO_RULES if edition == 2 else DEMO_RULES_EDITION_1)
    rotation(scribe, keys["chen.jing"], rotated)
    year(scribe)
    scribe.run()
    # The year closes with a checkpoint signed by the registrar, as handed to the auditors.
    signed, _ = checkpoints.sign_checkpoint(store=store, keys=[keys[REGISTRAR[0]]])
    total = store.count()
    store.close()
    return Demo(db, key_dir, DEMO_PASSPHRASE, total, scribe.refusals, signed.encode().decode())


__all__ = [
    "DEMO_PASSPHRASE",
    "DEMO_RULES",
    "DEMO_RULES_EDITION_1",
    "DISTRICT_RULES",
    "HOLIDAYS_2020",
    "LATER",
    "MARKER",
    "NORMATIVE_COUNT",
    "ORGANISATION",
    "ORIGIN",
    "PARTY_ANSWER",
    "PARTY_SECRETARY",
    "PEOPLE",
    "REGISTRAR",
    "SCRIPTED",
    "Demo",
    "build",
]
