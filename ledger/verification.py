"""The whole ledger's check, in one snapshot: the schema, every entry (`ledger.verify`), the
blobs, the derived tables against a replay, the Merkle tree, every stored checkpoint and those an
auditor kept (`ledger.tree_verify`), and entries recorded in the verifier's future.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from ledger.entry import format_utc
from ledger.errors import FutureTimeError, SequenceError
from ledger.note import SignedCheckpoint
from ledger.procedure.profile import RuleProfile
from ledger.store import SqlStore
from ledger.store.repository import Head
from ledger.store.schema import check_schema
from ledger.tree_verify import TreeRebuild, verify_tree
from ledger.verify import (
    PARALLEL_THRESHOLD,
    VerifyReport,
    report_schema,
    verify_blobs,
    verify_derived,
    verify_entries,
)


def verify_ledger(
    *,
    store: SqlStore,
    progress: Callable[[int, int], None] | None = None,
    parallel: bool | None = None,
    checkpoints: Sequence[tuple[str, SignedCheckpoint]] = (),
    withheld: Collection[str] = (),
    now: datetime | None = None,
) -> VerifyReport:
    """Recompute and check everything in the ledger (see `ledger.verify`), then the Merkle
    tree, every stored checkpoint and each of `checkpoints` (see `ledger.tree_verify`), in one
    snapshot.

    Args:
        progress: called now and then with (entries checked, entries in all).
        checkpoints: (name, checkpoint) pairs an auditor kept: the ledger must extend each.
        withheld: hashes of blobs an export left out on purpose: references to them are not
            failures (the caller reports them as withheld).
        now: the verifier's clock; if given, an entry recorded later than it (beyond the
            profile's clock tolerance) is a failure of kind `future`.

    Returns:
        The report; `report.ok` is False when anything failed. It never raises for a failed
        check, so that every failure class is reported.

    Raises:
        StoreError: the database cannot be read.
    """
    report = VerifyReport()
    with store.reading() as conn:
        # (0) the tables, keys, constraints and triggers are those the application creates
        schema = check_schema(conn, store.recorded.schema)
        report_schema(schema, report)
        if schema.unreadable & {"entries", "blobs"}:
            return report  # nothing can be checked; the schema failures say why
        head = store.head(conn)
        total = 0 if head is None else head.seq + 1 if type(head.seq) is int else store.count(conn)
        if total == 0:
            report.add(SequenceError("the ledger has no entries, not even a genesis", seq=0))
            return report
        referenced: dict[str, int] = {}
        tree = not schema.unreadable & {"merkle_nodes", "checkpoints", "cosignatures"}
        rebuild = TreeRebuild(conn, report, checkpoints) if tree else None
        directory = verify_entries(
            store.rows(conn=conn),
            blob_hashes=store.blob_hashes(conn) | set(withheld),
            report=report,
            referenced=referenced,
            parallel=total >= PARALLEL_THRESHOLD if parallel is None else parallel,
            progress=None if progress is None else (lambda seq: progress(seq, total)),
            leaves=None if rebuild is None else rebuild.feed,
        )
        verify_blobs(store.blobs(conn), report, referenced)
        # A replay past a failed entry differs from the stored rows as a consequence of that
        # failure; comparing would only blame an earlier, innocent seq.
        compare = report.ok or set(report.failures) == {"db_schema"}
        if now is not None and head is not None:
            _check_future(store, conn, head, now, directory.procedure.profile()[2], report)
        if compare:
            rebuilt = directory.table_rows()
            stored = store.derived_rows(conn, skip=schema.unreadable)
            verify_derived(stored, {name: rebuilt[name] for name in stored}, report)
        if rebuild is not None:
            report.tree = verify_tree(
                store=store,
                report=report,
                external=checkpoints,
                conn=conn,
                directory=directory,
                rebuild=rebuild,
            )
    return report


def _check_future(
    store: SqlStore, conn: Any, head: Head, now: datetime, rules: RuleProfile, report: VerifyReport
) -> None:
    """Report the first entry recorded later than `now` plus the clock tolerance. recorded_at
    never decreases along a chain that verifies, so only the head need be compared, and the
    first such entry is found by bisection (from the columns, which verify proves equal to the
    statements)."""
    limit = format_utc(now + timedelta(seconds=rules.clock_tolerance_seconds))
    if head.recorded_at <= limit:
        return
    low, high, first = 0, head.seq, head
    while low <= high:
        middle = (low + high) // 2
        row = next(store.rows(conn=conn, since=middle, limit=1), None)
        if row is not None and row.recorded_at > limit:
            first, high = Head(row.seq, row.leaf_hash, row.recorded_at), middle - 1
        else:
            low = middle + 1
    report.add(
        FutureTimeError(
            f"recorded_at {first.recorded_at} is ahead of this verifier's clock "
            f"({format_utc(now)}) by more than the profile's clock tolerance of "
            f"{rules.clock_tolerance_seconds} s: the machine that appended it had a clock "
            "running ahead (or this machine's clock is behind), and every later entry carries "
            "at least that time",
            seq=first.seq,
        )
    )


__all__ = ["verify_ledger"]
