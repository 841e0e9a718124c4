"""App-wide messages, past tense, posted to the app (`self.app.post_message(...)`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ledger.app.checkpoints import CheckpointInfo
from ledger.app.verification import VerifyResult


@dataclass
class Unlocked(Message):
    """Someone unlocked their key (`person`), or chose to browse read-only (None)."""

    person: str | None


@dataclass
class EntriesAppended(Message):
    """Entries were appended to the ledger (screens showing the ledger refresh)."""

    seqs: list[int]


@dataclass
class VerificationFinished(Message):
    """A verify run finished."""

    result: VerifyResult


@dataclass
class CheckpointSigned(Message):
    """A checkpoint was signed (`new` is False when one of that size existed)."""

    checkpoint: CheckpointInfo
    new: bool
