"""`ledger verify`: recompute everything from stored bytes and compare.

No stored "verified" flag is trusted. First (0) every table is as the application creates it
(keys, constraints, column types, append-only triggers: `ledger.store.schema`). Then, for each
entry, in seq order (the steps are numbered as in the README's "How an auditor verifies"):

 (0) each value has the class the application writes (a tampered SQLite file may hold TEXT or
 NULL where bytes belong: a `storage` failure, and the entry is read as well as it can be);
 (1) seq is gap-free from 0;  (2) the bytes are canonical RFC 8785 of a well-formed statement;
 (3) the leaf hash column is SHA-256(0x00 ‖ bytes);  (4) every denormalised column equals the
 statement;  (5) `prev` is the leaf hash of the entry before;  (6) `recorded_at` never goes
 backwards;  (7) the body fits its schema, the key was bound to the actor and unrevoked at
 `recorded_at`, and the actor may author the type;  (8) the signature verifies;  (9) referenced
 blobs exist. Then every blob matches its hash (10), and every derived table holds exactly the
 rows of its rebuild, each as many times (11). Signatures are checked in worker processes so
that all cores work. Failures go to a `VerifyReport` (`ledger.verify_report`).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import Any

from keys import short_id, verify_many
from ledger.authority import Directory, Row
from ledger.entry import HEX64, ZERO_HASH, decode_statement, leaf_hash, signing_message
from ledger.errors import (
    BlobError,
    ChainLinkError,
    ClockError,
    ColumnError,
    DatabaseSchemaError,
    DerivedStateError,
    EntryHashError,
    SequenceError,
    SignatureError,
    StorageError,
    VerificationError,
)
from ledger.registry import lookup
from ledger.store.repository import StoredRow
from ledger.store.schema import SchemaReport
from ledger.verify_report import Failure as Failure
from ledger.verify_report import VerifyReport as VerifyReport
from ledger.verify_report import as_bytes as as_bytes
from ledger.verify_report import kind_of as kind_of
from ledger.verify_report import shown as shown

BATCH = 2048
PARALLEL_THRESHOLD = 4096  # below this, worker start-up costs more than it saves

Progress = Callable[[int], None]


_COLUMNS = ("prev", "type", "subject", "occurred_at", "recorded_at", "actor", "key_id")


class _Signatures:
    """Checks signatures in batches, in worker processes when the ledger is large."""

    def __init__(self, report: VerifyReport, parallel: bool) -> None:
        self.report = report
        self.batch: list[tuple[bytes, bytes, bytes]] = []
        self.seqs: list[int] = []
        self.keys: list[str] = []
        self.pending: list[tuple[Future[list[int]], list[int], list[str]]] = []
        workers = os.cpu_count() or 1
        self.pool = (
            ProcessPoolExecutor(workers, mp_context=_context())
            if parallel and workers > 1
            else None
        )
        self.limit = 2 * workers

    def add(self, seq: int, kid: str, public: bytes, message: bytes, signature: bytes) -> None:
        self.batch.append((public, message, signature))
        self.seqs.append(seq)
        self.keys.append(kid)
        if len(self.batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        batch, seqs, kids = self.batch, self.seqs, self.keys
        self.batch, self.seqs, self.keys = [], [], []
        if self.pool is None:
            self._record(verify_many(batch), seqs, kids)
            return
        self.pending.append((self.pool.submit(verify_many, batch), seqs, kids))
        while len(self.pending) >= self.limit:
            self._collect_one()

    def _collect_one(self) -> None:
        future, seqs, kids = self.pending.pop(0)
        self._record(future.result(), seqs, kids)

    def _record(self, failed: list[int], seqs: list[int], kids: list[str]) -> None:
        for index in failed:
            self.report.add(
                SignatureError(
                    f"signature does not verify (key {short_id(kids[index])})", seq=seqs[index]
                )
            )

    def finish(self) -> None:
        try:
            self._flush()
            while self.pending:
                self._collect_one()
        finally:
            if self.pool is not None:
                self.pool.shutdown()


def _context() -> BaseContext:
    # Workers only run keys.verify_many on plain bytes, so fork is safe and starts in
    # milliseconds; spawn would re-import the caller's main module.
    methods = get_all_start_methods()
    return get_context("fork" if "fork" in methods else methods[0])


@dataclass(frozen=True)
class Resume:
    """Where a check of entries goes on from: the next seq, the leaf hash (hex) and
    `recorded_at` of the entry before it, and the register the entries before it built."""

    seq: int
    prev: str
    time: str
    directory: Directory


def verify_entries(
    rows: Iterable[StoredRow],
    *,
    blob_hashes: set[str],
    report: VerifyReport,
    referenced: dict[str, int] | None = None,
    parallel: bool = False,
    progress: Progress | None = None,
    resume: Resume | None = None,
    leaves: Callable[[object, object], None] | None = None,
) -> Directory:
    """Check every entry, in order, and return the identity register they build.

    `referenced`, if given, is filled with the first seq that references each blob. `resume`,
    if given, says where `rows` start (else at seq 0, the genesis, with an empty register).
    `leaves`, if given, is called with each row's seq and leaf hash as stored, before anything
    is checked (the tree pass's `TreeRebuild.feed`, so that the tree is built while the
    signature workers run rather than after them).

    Failures are added to `report`; checking goes on after a failure so that each class's first
    failing seq is found.
    """
    directory = Directory() if resume is None else resume.directory
    signatures = _Signatures(report, parallel)
    expected_seq, prev_hash, prev_time = (
        (0, ZERO_HASH, "") if resume is None else (resume.seq, resume.prev, resume.time)
    )
    try:
        for row in rows:
            if leaves is not None:
                leaves(row.seq, row.leaf_hash)
            # (0) values of the classes the application writes (the database takes any)
            readable = True
            if (
                type(row.statement) is not bytes
                or type(row.signature) is not bytes
                or type(row.seq) is not int
                or type(row.leaf_hash) is not str
            ):
                row, readable = _readable(row, expected_seq, report)
            # (1) positions are gap-free
            if row.seq != expected_seq:
                report.add(_gap(expected_seq, row.seq))
                if row.seq < expected_seq:
                    continue  # a row out of order or again: the chain goes on without it
            expected_seq = row.seq + 1
            if not readable:
                # The next entry is checked against the stored leaf hash: the chain goes on.
                stored = row.leaf_hash
                prev_hash = stored if isinstance(stored, str) and HEX64.fullmatch(stored) else ""
                continue
            leaf = leaf_hash(row.statement)
            leaf_hex = leaf.hex()
            try:
                # (2) canonical bytes of a well-formed statement
                stmt = decode_statement(row.statement)
            except VerificationError as exc:
                exc.seq = row.seq
                report.add(exc)
                prev_hash = leaf_hex
                continue
            # (3) the stored leaf hash
            if row.leaf_hash != leaf_hex:
                report.add(
                    EntryHashError(
                        f"stored leaf hash {shown(row.leaf_hash, 12)}… is not the hash of the "
                        f"statement ({leaf_hex[:12]}…)",
                        seq=row.seq,
                    )
                )
            # (4) denormalised columns
            if stmt.seq != row.seq:
                report.add(
                    SequenceError(
                        f"row is at seq {row.seq} but its statement says seq {stmt.seq}",
                        seq=row.seq,
                    )
                )
            signed = (
                stmt.prev,
                stmt.type,
                stmt.subject,
                stmt.occurred_at,
                stmt.recorded_at,
                stmt.actor,
                stmt.key,
            )
            if row[2:9] != signed:  # StoredRow's prev … key_id, compared at once
                for column, stored, value in zip(_COLUMNS, row[2:9], signed, strict=True):
                    if stored != value:
                        report.add(
                            ColumnError(
                                f"column {column} is {shown(stored)} but the statement says "
                                f"{shown(value)}",
                                seq=row.seq,
                            )
                        )
            # (5) the chain link
            if stmt.prev != prev_hash:
                report.add(
                    ChainLinkError(
                        f"prev is {stmt.prev[:12]}… but the entry before hashes to "
                        f"{prev_hash[:12]}…",
                        seq=row.seq,
                    )
                )
            prev_hash = leaf_hex
            # (6) the system clock only moves forward along the chain
            if stmt.recorded_at < prev_time:
                report.add(
                    ClockError(
                        f"recorded_at {stmt.recorded_at} is before the previous entry's "
                        f"{prev_time}",
                        seq=row.seq,
                    )
                )
            prev_time = max(prev_time, stmt.recorded_at)
            # (7) schema, key validity, authority
            try:
                key = directory.check(stmt)
            except VerificationError as exc:
                report.add(exc)
                continue
            # (8) the signature, in a worker
            signatures.add(
                row.seq, key.key_id, key.public_key, signing_message(leaf), row.signature
            )
            # (9) referenced blobs exist
            for ref in lookup(stmt.type).blob_refs(stmt.body):
                if referenced is not None:
                    referenced.setdefault(ref, row.seq)
                if ref not in blob_hashes:
                    report.add(
                        BlobError(f"references blob {ref[:12]}…, which is not stored", seq=row.seq)
                    )
            directory.apply(stmt)
            if progress is not None and row.seq % 1000 == 0:
                progress(row.seq)
        signatures.finish()
    finally:
        if signatures.pool is not None:
            signatures.pool.shutdown(cancel_futures=True)
    report.entries = expected_seq
    report.head = prev_hash if expected_seq else None
    return directory


def _readable(row: StoredRow, expected_seq: int, report: VerifyReport) -> tuple[StoredRow, bool]:
    """The row with an integer seq and bytes where bytes belong, each value of another class
    reported as a `StorageError`; and whether its statement can be read at all."""
    seq = row.seq
    if type(seq) is not int:
        report.add(
            StorageError(
                f"column seq holds {kind_of(seq)} {shown(seq, 30)}, not an INTEGER",
                seq=expected_seq,
            )
        )
        seq = expected_seq
    if not isinstance(row.leaf_hash, str):
        report.add(
            StorageError(f"column leaf_hash holds {kind_of(row.leaf_hash)}, not TEXT", seq=seq)
        )
    statement = as_bytes(row.statement, "statement", seq, report)
    signature = as_bytes(row.signature, "signature", seq, report)
    fixed = row._replace(seq=seq, statement=statement or b"", signature=signature or b"")
    return fixed, statement is not None


def _gap(expected: int, found: int) -> SequenceError:
    if found > expected:
        missing = f"seq {expected}" if found == expected + 1 else f"seq {expected}–{found - 1}"
        return SequenceError(
            f"{missing} missing: the entry before is followed by seq {found}", seq=expected
        )
    return SequenceError(f"seq {found} appears again, or out of order", seq=found)


def verify_blobs(
    blobs: Iterator[tuple[str, int, bytes]],
    report: VerifyReport,
    referenced: dict[str, int],
) -> None:
    """(10) Every stored blob's bytes hash to its name, and its size is right.

    Args:
        referenced: the first seq that references each blob, named in a failure.
    """
    for digest, size, stored in blobs:
        report.blobs += 1
        seq = referenced.get(digest)
        name = shown(digest, 12)
        content = as_bytes(stored, f"data of blob {name}…", seq, report)
        if content is None:
            continue
        actual = hashlib.sha256(content).hexdigest()
        if actual != digest or size != len(content) or type(size) is not int:
            report.add(
                BlobError(
                    f"blob {name}… is altered: its bytes hash to {actual[:12]}… "
                    f"({len(content)} bytes, size column {shown(size, 30)})",
                    seq=seq,
                )
            )


# Where each derived table's primary key and source seqs sit in its rows: a failure names the
# last entry that shaped the row (a revocation rather than the binding, say).
_PRIMARY = {
    "persons": (0,),
    "keys": (0,),
    "organs": (0,),
    "memberships": (0, 1, 2, 4),
    "procedure_state": (0, 1),
    "involvements": (0, 1, 2, 3),
}
_SOURCES = {
    "persons": (2,),
    "keys": (5, 3),
    "organs": (3,),
    "memberships": (6, 4),
    "procedure_state": (6,),
    "involvements": (3,),
}


def _source_seq(name: str, row: Row, entries: int) -> int | None:
    for index in _SOURCES[name]:
        value = row[index]
        if value is not None:
            # A stored row may hold anything: only a seq of this ledger names an entry.
            return value if type(value) is int and 0 <= value < entries else None
    return None


def _label(key: tuple[Any, ...]) -> str:
    return "/".join(
        part if isinstance(part, str) and part.isprintable() else shown(part, 40) for part in key
    )


def verify_derived(
    stored: dict[str, list[Row]], rebuilt: dict[str, list[Row]], report: VerifyReport
) -> None:
    """(11) Every derived table holds exactly the rows of its rebuild from the entries, each as
    many times: a table rebuilt without its primary key may hold a key twice, and a reader
    would then see either row."""
    for name, expected in rebuilt.items():
        have, want = Counter(stored.get(name, [])), Counter(expected)
        if have == want:
            continue
        index = _PRIMARY[name]
        wanted = {tuple(row[i] for i in index): row for row in want}
        stored_rows: dict[tuple[Any, ...], list[Row]] = {}
        for row, count in have.items():
            stored_rows.setdefault(tuple(row[i] for i in index), []).extend([row] * count)
        wrong = {tuple(row[i] for i in index) for row in (have - want) + (want - have)}
        failures = []
        for key in wrong:
            rows = stored_rows.get(key, [])
            rebuilt_row = wanted.get(key)
            if rebuilt_row is None:
                state = "is not in the rebuild"
            elif not rows:
                state = "is missing"
            elif len(rows) > 1:
                state = f"is stored {len(rows)} times; the rebuild has it once"
            else:
                state = "differs from the rebuild"
            source = rebuilt_row if rebuilt_row is not None else rows[0]
            seq = _source_seq(name, source, report.entries)
            failures.append((seq, f"derived table {name}: row {_label(key)} {state}"))
        failures.sort(key=lambda f: (f[0] is None, f[0] or 0, f[1]))
        seq, message = failures[0]
        more = f" ({len(failures)} rows differ)" if len(failures) > 1 else ""
        report.add(DerivedStateError(message + more, seq=seq))


def report_schema(schema: SchemaReport, report: VerifyReport) -> None:
    """(0) Each difference between the ledger's tables and what the application creates is a
    failure naming the table: a missing key or constraint, a dropped or disabled trigger."""
    for _table, message in schema.differences:
        report.add(DatabaseSchemaError(message))
