"""The dashboard's overview: the ledger's name and size, its head, the last checkpoint and
verify, decisions by status, overdue matters and the filing rates of the latest year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.app import checkpoints
from ledger.app.accountability import filing_rates, overdue
from ledger.app.checkpoints import CheckpointInfo
from ledger.app.ledger import Ledger
from ledger.app.verification import VerifyResult, last_verify
from ledger.store import reads


@dataclass(frozen=True)
class Overview:
    """Everything the dashboard shows."""

    origin: str
    organisation: str
    size: int
    head_seq: int | None
    head_hash: str | None
    head_recorded_at: str | None
    checkpoint: CheckpointInfo | None
    last_verify: VerifyResult | None
    by_status: dict[str, int]
    overdue: list[dict[str, Any]]
    filing: dict[str, Any] | None
    year: int


def overview(ledger: Ledger) -> Overview:
    """Origin, size, head, last checkpoint, last verify, decisions by status, overdue matters
    and the filing rates of the latest year; a few indexed queries, whatever the size."""
    directory = ledger.store.directory()
    head = ledger.store.head()
    # The filing rates of the latest year with normative documents (this year's, once any).
    latest = reads.latest_year(ledger.store, "normative_doc")
    year = latest if latest is not None else int(ledger.today()[:4])
    rates = filing_rates(ledger, year)
    return Overview(
        origin=directory.origin or "",
        organisation=directory.organisation or "",
        size=0 if head is None else head.seq + 1,
        head_seq=None if head is None else head.seq,
        head_hash=None if head is None else head.leaf_hash,
        head_recorded_at=None if head is None else head.recorded_at,
        checkpoint=checkpoints.last(ledger),
        last_verify=last_verify(ledger),
        by_status=reads.status_counts(ledger.store, "decision"),
        overdue=overdue(ledger),
        filing=rates if rates["filing_rate"]["denominator"] else None,
        year=year,
    )


__all__ = ["Overview", "overview"]
