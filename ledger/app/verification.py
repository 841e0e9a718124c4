"""Verifying the open ledger: the whole check (`ledger.verification`) at the ledger's clock, and
the last result remembered for the dashboard."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from ledger.app.ledger import Ledger
from ledger.note import SignedCheckpoint
from ledger.verification import verify_ledger
from ledger.verify import VerifyReport

Progress = Callable[[int, int], None]


def verify(
    ledger: Ledger,
    *,
    progress: Progress | None = None,
    checkpoints: Sequence[tuple[str, SignedCheckpoint]] = (),
) -> VerifyReport:
    """Verify the whole ledger, including that it extends each kept checkpoint, and that no
    entry was recorded in the ledger's clock's future (see `ledger.verification`)."""
    return verify_ledger(
        store=ledger.store, progress=progress, checkpoints=checkpoints, now=ledger.now()
    )


@dataclass(frozen=True)
class VerifyResult:
    """One run of verify, as the dashboard remembers it."""

    ok: bool
    entries: int
    blobs: int
    head: str | None
    at: str  # when it ran, fixed-width UTC
    failures: list[dict[str, Any]] = field(default_factory=list)  # class, seq, message, count

    @property
    def first_failure(self) -> dict[str, Any] | None:
        return self.failures[0] if self.failures else None


def verify_and_remember(ledger: Ledger, progress: Progress | None = None) -> VerifyResult:
    """Verify the whole ledger (see `verify`) and remember the result for the dashboard."""
    report = verify(ledger, progress=progress)
    result = VerifyResult(
        ok=report.ok,
        entries=report.entries,
        blobs=report.blobs,
        head=report.head,
        at=ledger.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        failures=report.to_json()["failures"],
    )
    path = _state_file(ledger)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result.__dict__, ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass  # remembering is a convenience; the result is still shown
    return result


def last_verify(ledger: Ledger) -> VerifyResult | None:
    """The last verify result remembered for this ledger, if any."""
    try:
        data = json.loads(_state_file(ledger).read_text(encoding="utf-8"))
        return VerifyResult(**data)
    except (OSError, ValueError, TypeError):
        return None


def _state_file(ledger: Ledger) -> Path:
    origin = ledger.store.directory().origin or "ledger"
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in origin)
    return ledger.state_dir() / "verify" / f"{safe}.json"


__all__ = ["VerifyResult", "last_verify", "verify", "verify_and_remember"]
