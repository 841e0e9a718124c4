"""An auditor's monitor: follow a ledger published as tlog-tiles, over HTTP, and verify it.

Each run:
  (1) fetch `checkpoint`; it must be signed by the log's key, name the log's origin, and carry
      cosignatures by at least `quorum` of the given witness keys (the policy);
  (2) compare with the last checkpoint this monitor verified (its state): a smaller size is a
      rollback, the same size with another root a fork;
  (3) fetch only the new entry bundles (and their level-0 tiles and signature bundles), and
      verify every new entry as `ledger verify` does (`ledger.verify.verify_entries`: canonical
      bytes, chain link, clock, schema, key validity and authority at its time, gates,
      signature), resuming from the register the monitor kept, so the cost follows the number
      of new entries; documents are not published, so a missing document is not a failure;
  (4) hash the new entries into the tree border kept from the last run: its root must be the
      checkpoint's, which proves both the entries and that the log extends what was seen.

Any failure raises `MonitorAlarm` naming the seq or size, and the state is not touched: it is
replaced (atomically) only after a clean run. A signed checkpoint that proves misbehaviour is
kept in `evidence/`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ledger import merkle, tiles
from ledger.checkpoints.record import Verified, verified_from_json, verified_to_json
from ledger.entry import decode_statement
from ledger.errors import NoteError, StoreError, VerificationError
from ledger.inputs import MAX_TEXT_FILE, parse_json, read_file
from ledger.note import COSIGNATURE_V1, SignedCheckpoint, VerifierKey, b64, open_note
from ledger.receipts import Trust, check_checkpoint
from ledger.store import StoredRow
from ledger.verify import PARALLEL_THRESHOLD, Resume, VerifyReport, verify_entries
from ledger.witness import write_atomic
from ledger.witness_client import Answer, TransportError, request

STATE_FORMAT = "decision-ledger/monitor-state/v1"
MAX_RESOURCE = tiles.TILE_WIDTH * (2 + tiles.MAX_ENTRY)  # the largest bundle there can be
IGNORED = {"blob"}  # documents are not published: their absence is not a failure here

Fetch = Callable[[str], Answer]


class MonitorAlarm(VerificationError):
    """The published log misbehaves: a bad checkpoint, a policy failure, a rollback, a fork, a
    bad entry."""

    kind = "monitor"


class FetchError(StoreError):
    """The published log could not be read (not reachable, a missing file)."""


@dataclass
class Followed:
    """What a run verified."""

    size: int
    previous: int
    entries: int  # new entries verified
    cosigned_by: list[str] = field(default_factory=list)
    checkpoint: SignedCheckpoint | None = None
    roots: dict[int, bytes] = field(default_factory=dict)  # tree roots this run verified


@dataclass
class _State:
    origin: str
    checkpoint: str
    genesis: bytes
    verified: Verified


def state_path(directory: Path, origin: str) -> Path:
    return directory / f"{hashlib.sha256(origin.encode()).hexdigest()[:32]}.json"


def load_state(directory: Path, origin: str) -> _State | None:
    """The monitor's state for `origin`, or None. Raises StoreError: damaged."""
    path = state_path(directory, origin)
    if not path.exists():
        return None
    try:
        value = parse_json(read_file(path, limit=64 * MAX_TEXT_FILE), where=str(path))
        if value.get("format") != STATE_FORMAT or value.get("origin") != origin:
            raise ValueError("another format or another log")
        genesis = base64.b64decode(value["genesis_statement"], validate=True)
        return _State(origin, str(value["checkpoint"]), genesis, verified_from_json(value, genesis))
    except (ValueError, KeyError, TypeError, IndexError, VerificationError) as exc:
        raise StoreError(f"the monitor's state {path} is damaged ({exc})") from None


def _save_state(directory: Path, state: _State) -> None:
    value = {
        "format": STATE_FORMAT,
        "origin": state.origin,
        "checkpoint": state.checkpoint,
        "genesis_statement": b64(state.genesis),
        **verified_to_json(merkle.hash_leaf(state.genesis).hex(), state.verified),
    }
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    write_atomic(state_path(directory, state.origin), data + b"\n")


def follow(
    *,
    url: str,
    log_key: VerifierKey,
    witness_keys: Sequence[VerifierKey] = (),
    quorum: int | None = None,
    state_dir: Path,
    fetch: Fetch | None = None,
    remember: frozenset[int] = frozenset(),
) -> Followed:
    """Verify what the log at `url` published since the last run (see the module docstring).

    Raises:
        MonitorAlarm: the checkpoint, the policy, the history or an entry fails (nothing saved).
        FetchError: the log cannot be read. StoreError: the state cannot be read or written.
    """
    if state_dir.exists() and not state_dir.is_dir():
        raise StoreError(f"{state_dir} is not a directory: the monitor's state goes there")
    get = fetch or (lambda u: request(u, limit=MAX_RESOURCE))
    base = url.rstrip("/")
    needed = len(witness_keys) if quorum is None else quorum
    signed = _checkpoint(_get(get, base, "checkpoint"), log_key)
    cp = signed.checkpoint
    cosigned = _policy(signed, witness_keys, needed)
    state = load_state(state_dir, cp.origin)
    seen = 0 if state is None else state.verified.size
    if state is not None:
        old = state.verified
        if cp.size < old.size:
            _evidence(state_dir, signed)
            raise MonitorAlarm(
                f"rollback: the log's checkpoint has size {cp.size}, smaller than the "
                f"{old.size} this monitor verified before (seq {cp.size}–{old.size - 1} gone)",
                seq=cp.size,
            )
        if cp.size == old.size and cp.root != old.tree.root():
            _evidence(state_dir, signed)
            raise MonitorAlarm(
                f"fork: the log's checkpoint of size {cp.size} has root {b64(cp.root)[:16]}…, "
                f"the one verified before {b64(old.tree.root())[:16]}…",
                seq=cp.size - 1,
            )
    roots = {cp.size: cp.root}
    if state is not None:
        roots[seen] = state.verified.tree.root()
    if cp.size == seen:
        return Followed(cp.size, seen, 0, cosigned, signed, roots)
    run = _Run(get, base, cp.size, state, remember)
    report = VerifyReport()
    resume = None
    if state is not None:
        old = state.verified
        old.directory.count_from_here(run.signed_before)
        resume = Resume(old.size, old.head, old.time, old.directory)
    directory = verify_entries(
        run.rows(),
        blob_hashes=set(),
        report=report,
        parallel=cp.size - seen >= PARALLEL_THRESHOLD,
        resume=resume,
    )
    if run.tree.root() != cp.root or run.tree.size != cp.size:
        _evidence(state_dir, signed)
        raise MonitorAlarm(
            f"fork: the entries from seq {seen} on do not hash to the checkpoint's root (size "
            f"{cp.size}): the log is not an extension of the size {seen} verified before, or "
            "its bundles are not its tree",
            seq=seen,
        )
    failures = [f for f in report.ordered() if f.kind not in IGNORED]
    if failures:
        listed = "; ".join(f"[{f.kind}] {f.describe()}" for f in failures)
        raise MonitorAlarm(f"bad entry: {listed}", seq=failures[0].seq)
    signed_counts = {} if state is None else dict(state.verified.signed)
    for key_id, count in directory.counted().items():
        signed_counts[key_id] = signed_counts.get(key_id, 0) + count
    genesis = run.genesis if state is None else state.genesis
    verified = Verified(cp.size, run.head, run.time, run.tree, directory, signed_counts)
    _save_state(state_dir, _State(cp.origin, signed.encode().decode(), genesis, verified))
    return Followed(cp.size, seen, cp.size - seen, cosigned, signed, {**run.roots, **roots})


def _get(get: Fetch, base: str, path: str) -> bytes:
    try:
        answer = get(f"{base}/{path}")
    except TransportError as exc:
        raise FetchError(f"cannot read the log: {exc}") from None
    if answer.status != 200:
        raise FetchError(f"cannot read the log: {base}/{path} answered {answer.status}")
    return answer.body


def _checkpoint(data: bytes, log_key: VerifierKey) -> SignedCheckpoint:
    try:
        signed = SignedCheckpoint.parse(data)
    except NoteError as exc:
        raise MonitorAlarm(f"the log's checkpoint is malformed: {exc.message}") from None
    if signed.checkpoint.origin != log_key.name:
        raise MonitorAlarm(
            f"the log's checkpoint is for {signed.checkpoint.origin!r}, not {log_key.name!r}"
        )
    try:
        check_checkpoint(signed, Trust([log_key]), what="the log's checkpoint")
    except VerificationError as exc:
        raise MonitorAlarm(exc.message) from None
    return signed


def _policy(signed: SignedCheckpoint, keys: Sequence[VerifierKey], needed: int) -> list[str]:
    witness_keys = [k for k in keys if k.key_type == COSIGNATURE_V1]
    names: list[str] = []
    if witness_keys:
        try:
            names = [k.name for k, _ in open_note(signed.note, witness_keys).verified]
        except NoteError as exc:
            if "no verifiable signatures" not in exc.message:
                raise MonitorAlarm(f"policy failure: {exc.message}") from None
    if len(names) < needed:
        raise MonitorAlarm(
            f"policy failure: {len(names)} of {len(witness_keys)} witness(es) cosigned the "
            f"checkpoint of size {signed.checkpoint.size}, {needed} needed",
            seq=signed.checkpoint.size - 1 if signed.checkpoint.size else None,
        )
    return names


def _evidence(directory: Path, signed: SignedCheckpoint) -> None:
    cp = signed.checkpoint
    digest = hashlib.sha256(signed.encode()).hexdigest()[:16]
    try:
        write_atomic(directory / "evidence" / f"{cp.size}-{digest}.txt", signed.encode())
    except OSError:
        pass  # evidence is a courtesy; the alarm stands either way


class _Run:
    """The new entries of one run, bundle by bundle, hashed into the tree as they pass."""

    def __init__(
        self, get: Fetch, base: str, size: int, state: _State | None, remember: frozenset[int]
    ) -> None:
        self.get, self.base, self.size = get, base, size
        self.remember = remember
        self.roots: dict[int, bytes] = {}
        self.start = 0 if state is None else state.verified.size
        old = None if state is None else state.verified
        self.tree = (
            merkle.CompactRange()
            if old is None
            else merkle.CompactRange(old.size, old.tree.border())
        )
        self.head = "" if old is None else old.head
        self.time = "" if old is None else old.time
        self.genesis = b""
        self.state = state

    def bundle(self, n: int) -> tuple[list[bytes], list[bytes], bytes]:
        """Entries, signatures and the level-0 tile of bundle `n` at this size."""
        width = tiles.width_at(0, n, self.size)
        entries = self._framed(tiles.bundle_path(n, width), width)
        signatures = self._framed(tiles.bundle_path(n, width, kind=tiles.SIGNATURES), width)
        tile = _get(self.get, self.base, tiles.tile_path(0, n, width))
        if len(tile) != width * merkle.HASH_SIZE:
            raise MonitorAlarm(f"tile {tiles.tile_path(0, n, width)} is {len(tile)} bytes")
        return entries, signatures, tile

    def _framed(self, path: str, width: int) -> list[bytes]:
        try:
            items = tiles.unbundle(_get(self.get, self.base, path))
        except ValueError as exc:
            raise MonitorAlarm(f"{path}: {exc}", seq=None) from None
        if len(items) != width:
            raise MonitorAlarm(f"{path} holds {len(items)} records, not {width}")
        return items

    def rows(self) -> Iterator[StoredRow]:
        first = self.start // tiles.TILE_WIDTH
        last = (self.size - 1) // tiles.TILE_WIDTH
        for n in range(first, last + 1):
            entries, signatures, tile = self.bundle(n)
            for i, (statement, signature) in enumerate(zip(entries, signatures, strict=True)):
                seq = n * tiles.TILE_WIDTH + i
                if seq < self.start:
                    continue
                leaf = merkle.hash_leaf(statement)
                if leaf != tile[i * 32 : i * 32 + 32]:
                    raise MonitorAlarm(
                        f"entry {seq} does not hash to its leaf in {tiles.tile_path(0, n)}",
                        seq=seq,
                    )
                self.tree.append(leaf)
                if self.tree.size in self.remember:
                    self.roots[self.tree.size] = self.tree.root()
                if seq == 0:
                    self.genesis = statement
                row = _row(seq, statement, signature, leaf)
                self.head, self.time = row.leaf_hash, row.recorded_at
                yield row

    def signed_before(self, key_id: str, since: str) -> list[int]:
        """The seqs before the start signed with `key_id` and recorded at or after `since`
        (a revocation must list them), read again from the published bundles, whose root
        must be the one verified before."""
        tree = merkle.CompactRange()
        found = []
        for n in range((self.start + tiles.TILE_WIDTH - 1) // tiles.TILE_WIDTH):
            width = tiles.width_at(0, n, self.size)
            for i, statement in enumerate(self._framed(tiles.bundle_path(n, width), width)):
                seq = n * tiles.TILE_WIDTH + i
                if seq >= self.start:
                    break
                tree.append(merkle.hash_leaf(statement))
                stmt = decode_statement(statement)
                if stmt.key == key_id and stmt.recorded_at >= since:
                    found.append(seq)
        assert self.state is not None
        if tree.root() != self.state.verified.tree.root():
            raise MonitorAlarm(
                f"fork: the entries before seq {self.start} are not those verified before",
                seq=self.start - 1,
            )
        return found


def _row(seq: int, statement: bytes, signature: bytes, leaf: bytes) -> StoredRow:
    """The row `ledger verify` would read for this entry: its columns repeat its statement (a
    statement that cannot be read gets empty columns; verification names what is wrong)."""
    try:
        s = decode_statement(statement)
    except VerificationError:
        return StoredRow(seq, leaf.hex(), "", "", "", "", "", "", "", statement, signature)
    return StoredRow(
        seq,
        leaf.hex(),
        s.prev,
        s.type,
        s.subject,
        s.occurred_at,
        s.recorded_at,
        s.actor,
        s.key,
        statement,
        signature,
    )


__all__ = ["FetchError", "Followed", "MonitorAlarm", "follow", "load_state", "state_path"]
