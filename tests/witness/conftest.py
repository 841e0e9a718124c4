"""Fixtures for publication and witnesses: ledgers of notes, a published directory."""

from __future__ import annotations

from pathlib import Path

from ledger import checkpoints
from ledger.note import SignedCheckpoint, VerifierKey
from tests.builders import LedgerFixture, new_ledger
from tests.cli.conftest import cli

__all__ = ["cli"]


def notes_ledger(directory: Path, count: int) -> LedgerFixture:
    """Genesis, wang.fang registered and bound (seq 1–2), then `count` notes."""
    ledger = new_ledger(directory)
    ledger.register("wang.fang", "王芳")
    add_notes(ledger, count)
    return ledger


def add_notes(ledger: LedgerFixture, count: int, text: str = "原文") -> None:
    head = ledger.store.head()
    start = 0 if head is None else head.seq + 1
    for i in range(count):
        ledger.note("wang.fang", f"{text} {start + i}")


def sign(ledger: LedgerFixture) -> SignedCheckpoint:
    signed, _ = checkpoints.sign_checkpoint(store=ledger.store, keys=[ledger.keys["li.na"]])
    return signed


def log_key(ledger: LedgerFixture) -> VerifierKey:
    (key,) = checkpoints.current_log_keys(ledger.store)
    return key
