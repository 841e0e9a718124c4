"""The ledger's witnesses (the bureau's side): the list and the policy kept on this machine, and
collecting cosignatures of a stored checkpoint (the work is `ledger.checkpoints.witnesses`')."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.app.ledger import Ledger
from ledger.checkpoints import stored_checkpoint
from ledger.checkpoints import witnesses as work
from ledger.checkpoints.witnesses import Collection, Outcome, Witnesses, policy_words
from ledger.note import VerifierKey


@dataclass(frozen=True)
class WitnessStatus:
    """A witness as the dashboard shows it: name, URL, key, the last size it cosigned."""

    name: str
    url: str
    key: str
    cosigned: int


def _path(ledger: Ledger) -> Path:
    return work.config_path(ledger.state_dir(), ledger.store)


def listed(ledger: Ledger) -> Witnesses:
    """The witnesses and the policy (none listed: an empty list, quorum 0)."""
    return work.load(_path(ledger))


def add(ledger: Ledger, key: VerifierKey, url: str) -> Witnesses:
    """Add a witness (or give it a new URL)."""
    return work.add_witness(_path(ledger), key, url)


def remove(ledger: Ledger, name: str) -> Witnesses:
    """Remove a witness by name."""
    return work.remove_witness(_path(ledger), name)


def policy(ledger: Ledger, quorum: int) -> Witnesses:
    """Require `quorum` cosignatures on each checkpoint."""
    return work.set_quorum(_path(ledger), quorum)


def status(ledger: Ledger) -> tuple[list[WitnessStatus], int]:
    """Each witness with the last size it cosigned, and the quorum."""
    config = listed(ledger)
    rows = [
        WitnessStatus(w.name, w.url, w.key.encode(), work.last_cosigned(ledger.store, w.key))
        for w in config.witnesses
    ]
    return rows, config.quorum


def collect(ledger: Ledger, size: int | None = None) -> Collection | None:
    """Submit the stored checkpoint of `size` (default: the latest) to every witness and store
    the cosignatures that verify; None when the ledger lists no witnesses."""
    config = listed(ledger)
    if not config.witnesses:
        return None
    checkpoint = stored_checkpoint(store=ledger.store, size=size)
    return work.collect(store=ledger.store, checkpoint=checkpoint, witnesses=config)


__all__ = [
    "Collection",
    "Outcome",
    "WitnessStatus",
    "Witnesses",
    "add",
    "collect",
    "listed",
    "policy",
    "policy_words",
    "remove",
    "status",
]
