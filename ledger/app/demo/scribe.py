"""The scribe of the demo's year: the year is declared as events, then recorded in business-time
order, each entry signed by its actor's key at its business time."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from keys import SigningKey
from ledger.append import Draft, append_batch, append_entry
from ledger.errors import RefusedError
from ledger.store import SqlStore

Body = dict[str, Any] | Callable[[dict[str, int]], dict[str, Any]]


@dataclass
class Event:
    at: str
    actor: str
    type: str
    subject: str
    body: Body
    label: str | None = None


class Scribe:
    """Records the year: entries in business-time order, each signed by its actor's key at its
    business time.

    The documents go in first, in one transaction. The entries go one transaction each, as
    recorders append them; or, `batched`, in as few transactions as the story allows (an entry
    the ledger must refuse is tried on its own), which writes the same entries faster.
    """

    def __init__(
        self, store: SqlStore, keys: dict[str, SigningKey], *, batched: bool = False
    ) -> None:
        self.store, self.keys, self.batched = store, keys, batched
        self.events: list[Event] = []
        self.seqs: dict[str, int] = {}
        self.refusals: list[str] = []
        self.pending: dict[str, SigningKey] = {}  # new keys, in use once bound
        self.blobs: dict[str, bytes] = {}

    def doc(self, text: str) -> str:
        """A stored document's hash (the document is stored when the year is recorded)."""
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return digest

    def __call__(
        self, at: str, actor: str, kind: str, subject: str, body: Body, label: str | None = None
    ) -> None:
        self.events.append(Event(at, actor, kind, subject, body, label))

    def attempt(self, at: str, actor: str, kind: str, subject: str, body: Body) -> None:
        """An entry the ledger is expected to refuse; the refusal is kept for the summary."""
        self.events.append(Event(at, actor, kind, subject, body, label="!refused"))

    def run(self) -> None:
        if self.blobs:
            with self.store.writing() as tx:
                for data in self.blobs.values():
                    tx.put_blob(data)
            self.blobs.clear()
        batch: list[tuple[Draft, datetime]] = []
        seq = self.store.count() if self.batched else 0  # the next entry's seq
        for event in sorted(self.events, key=lambda e: e.at):
            body = event.body(self.seqs) if callable(event.body) else event.body
            draft = Draft(
                event.type, event.subject, body, event.actor, self.keys[event.actor], event.at
            )
            moment = datetime.fromisoformat(event.at)
            if event.label == "!refused":
                self._flush(batch, seq)
                try:
                    append_entry(store=self.store, draft=draft, now=moment)
                except RefusedError as exc:
                    self.refusals.append(f"{event.at[:10]} {event.type} {event.subject}: {exc}")
                    continue
                raise AssertionError(f"the demo expected {event.type} to be refused")
            batch.append((draft, moment))
            seq = seq + 1 if self.batched else self._append(batch)
            if event.label is not None:
                self.seqs[event.label] = seq - 1
            waiting = self.pending.get(event.subject)
            if event.type == "key.bound" and waiting and body["key_id"] == waiting.key_id:
                self.keys[event.subject] = self.pending.pop(event.subject)
        self._flush(batch, seq)
        self.events.clear()

    def _flush(self, batch: list[tuple[Draft, datetime]], seq: int) -> None:
        """Append what is waiting; the labels gave its entries the seqs up to `seq`."""
        if batch:
            appended = self._append(batch)
            assert appended == seq, (appended, seq)

    def _append(self, batch: list[tuple[Draft, datetime]]) -> int:
        """Append `batch` in one transaction, each entry recorded at its business time; return
        the seq after it."""
        moments = iter([moment for _, moment in batch])
        sealed = append_batch(
            store=self.store, drafts=[draft for draft, _ in batch], now=lambda: next(moments)
        )
        batch.clear()
        return sealed[-1].seq + 1


__all__ = ["Body", "Event", "Scribe"]
