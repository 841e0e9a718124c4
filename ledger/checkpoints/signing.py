"""Signing a checkpoint: what the registrar signs it has verified (`sign_verified`) — the entries
since its last checkpoint, checked as `ledger verify` checks entries, and a root recomputed from
them; the node cache rows those entries complete are compared and repaired.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from keys import SigningKey, short_id
from ledger import merkle
from ledger.checkpoints.record import Verified, load_state, save_state
from ledger.checkpoints.trust import log_keys, origin_of
from ledger.entry import decode_statement
from ledger.errors import (
    CheckpointError,
    EntryHashError,
    InputError,
    NoteError,
    RefusedError,
    SequenceError,
    VerificationError,
)
from ledger.note import Checkpoint, SignedCheckpoint, b64, sign_note, signer
from ledger.store import Connection, SqlStore, StoredRow
from ledger.store import checkpoints as store_checkpoints
from ledger.store import tree as store_tree
from ledger.verify import PARALLEL_THRESHOLD, Resume, VerifyReport, verify_entries


@dataclass(frozen=True)
class Signing:
    """What `sign_verified` did."""

    checkpoint: SignedCheckpoint
    new: bool  # False: a checkpoint of this size was stored already (returned unchanged)
    resumed_at: int = 0  # the size verification went on from (0: from the genesis)
    verified: int = 0  # how many entries were verified (seq resumed_at … resumed_at + n − 1)
    repaired: int = 0  # Merkle node cache rows rewritten from the verified leaves
    state_note: str | None = None  # why the record of the last checkpoint was not used or kept


def sign_checkpoint(
    *, store: SqlStore, keys: Sequence[SigningKey], state_dir: Path | None = None
) -> tuple[SignedCheckpoint, bool]:
    """`sign_verified`, returning the checkpoint and whether it is new."""
    done = sign_verified(store=store, keys=keys, state_dir=state_dir)
    return done.checkpoint, done.new


def sign_verified(
    *, store: SqlStore, keys: Sequence[SigningKey], state_dir: Path | None = None
) -> Signing:
    """Verify the entries appended since the last checkpoint, then sign and store a checkpoint
    of the whole ledger as it stands, over the root of the verified leaf hashes.

    Every entry since the last checkpoint is checked as `ledger verify` checks entries
    (`verify.verify_entries`: canonical bytes, leaf hash, columns, chain link, clock, schema,
    key validity and authority at its time, gates, signature, referenced blobs). The root is
    recomputed from the statements, never read from the node cache; cache rows that the new
    leaves complete, and the border they grow from, are compared and rewritten when they differ.

    Where verification resumes: `state_dir` holds, per ledger, the registrar's own record of
    the last checkpoint signed here (size, chain head, tree border and register), signed by the
    registrar's key. Without a usable record the whole ledger is verified from the genesis,
    and the record is written for next time.

    Returns:
        What was done; `new` is False when a checkpoint of this size was stored already (it is
        returned unchanged and nothing is verified).

    Raises:
        RefusedError: no entries, or a key is not a valid registrar key.
        CheckpointError: an entry fails verification (naming its seq and the kind of
            failure), or the ledger is not an extension of the last checkpoint signed (stored,
            or recorded in `state_dir`). Nothing is signed or stored.
    """
    if not keys:
        raise RefusedError("no key to sign the checkpoint with")
    with store.reading() as conn:
        size = store_checkpoints.tree_size(conn)
        if size == 0:
            raise RefusedError("the ledger has no entries to checkpoint")
        stored = store_tree.stored_checkpoint(conn, size)
        if stored is not None:
            return Signing(SignedCheckpoint.parse(stored), False, size)
        found = store_checkpoints.statement(conn, 0)
        genesis = bytes(found) if isinstance(found, bytes | memoryview) else b""
        genesis_leaf = merkle.hash_leaf(genesis).hex()
        path = None if state_dir is None or not genesis else state_dir / f"{genesis_leaf}.json"
        start, note = load_state(path, keys, genesis)
        if start is not None:
            _check_start(conn, start, size, path)
        verified, roots, fixes = _verify_since(conn, store, start, size)
        _check_latest_stored(conn, verified, roots, start)
        allowed = {
            k.public_key
            for k in log_keys(verified.directory, size=size, last_recorded_at=verified.time)
        }
        for key in keys:
            if key.public_key not in allowed:
                raise RefusedError(
                    f"key {short_id(key.key_id)} is not a valid registrar key; checkpoints are "
                    "signed by the registrar"
                )
        origin = origin_of(verified.directory)
    root = verified.tree.root()
    signed = sign_note(Checkpoint(origin, size, root).text(), [signer(origin, k) for k in keys])
    resumed = 0 if start is None else start.size
    with store.writing() as tx:
        again = store_tree.stored_checkpoint(tx.conn, size)
        if again is not None:  # another registrar session signed this size meanwhile
            return Signing(SignedCheckpoint.parse(again), False, size)
        store_tree.replace_nodes(tx.conn, fixes)
        store_tree.insert_checkpoint(tx.conn, size, signed.encode())
    if path is not None:
        note = save_state(path, genesis_leaf, verified, keys[0]) or note
    return Signing(
        SignedCheckpoint(Checkpoint(origin, size, root), signed),
        True,
        resumed,
        size - resumed,
        len(fixes),
        note,
    )


def _check_start(conn: Connection, start: Verified, size: int, path: Path | None) -> None:
    """The ledger still extends the checkpoint recorded at `start` (its last entry is the
    one verified then). Raises CheckpointError."""
    where = f"the checkpoint of size {start.size} signed here before (recorded in {path})"
    if start.size > size:
        missing = f"seq {size}" if start.size == size + 1 else f"seq {size}–{start.size - 1}"
        raise CheckpointError(
            f"refusing to sign: the ledger has {size} entries but {where} covers more: "
            f"{missing} missing (the ledger was cut short or rolled back)",
            seq=size,
        )
    seq = start.size - 1
    row = store_checkpoints.leaf_and_statement(conn, seq)
    data = row[1] if row is not None and isinstance(row[1], bytes | memoryview) else None
    if data is None or merkle.hash_leaf(bytes(data)).hex() != start.head:
        raise CheckpointError(
            f"refusing to sign: the ledger is not an extension of {where}: entry {seq} was "
            "changed, replaced or removed; run `ledger verify`",
            seq=seq,
        )
    if row is not None and row[0] != start.head:
        raise EntryHashError(
            f"refusing to sign: the stored leaf hash {str(row[0])[:12]}… is not the hash of "
            f"the statement ({start.head[:12]}…); run `ledger verify`",
            seq=seq,
        )


def _check_latest_stored(
    conn: Connection, verified: Verified, roots: dict[int, bytes], start: Verified | None
) -> None:
    """The ledger extends the last checkpoint stored, unless that one is older than the
    record verification resumed from (it was compared when that record was made)."""
    try:
        latest = store_tree.latest_checkpoint(conn)
        if latest is None:
            return
        size, data = latest
        cp = SignedCheckpoint.parse(data).checkpoint
    except (NoteError, TypeError, ValueError) as exc:
        reason = exc.message if isinstance(exc, NoteError) else "not a signed note"
        raise CheckpointError(
            f"refusing to sign: the last stored checkpoint cannot be read ({reason}); run "
            "`ledger verify`"
        ) from None
    if cp.size != size:
        raise CheckpointError(
            f"refusing to sign: the stored checkpoint of size {size} says size {cp.size}; run "
            "`ledger verify`",
            seq=size - 1,
        )
    if size > verified.size:
        raise CheckpointError(
            f"refusing to sign: a checkpoint of size {size} is stored but the ledger has only "
            f"{verified.size} entries (it was cut short or rolled back)",
            seq=verified.size,
        )
    if start is not None and size < start.size:
        return
    actual = roots.get(size)
    if actual != cp.root:
        shown = "?" if actual is None else b64(actual)[:16] + "…"
        raise CheckpointError(
            f"refusing to sign: the ledger ({verified.size} entries) is not an extension of the "
            f"checkpoint of size {size} signed before: its first {size} entries hash to root "
            f"{shown}, the checkpoint says {b64(cp.root)[:16]}…; run `ledger verify`",
            seq=size - 1,
        )


def _refusal(size: int, report: VerifyReport) -> CheckpointError:
    failures = report.ordered()
    listed = "; ".join(f"[{f.kind}] {f.describe()}" for f in failures)
    first = failures[0].seq
    return CheckpointError(
        f"refusing to sign a checkpoint of size {size}: {listed}; nothing was signed or "
        "stored (`ledger verify` gives the whole report)",
        seq=first,
    )


def _verify_since(
    conn: Connection, store: SqlStore, start: Verified | None, size: int
) -> tuple[Verified, dict[int, bytes], list[tuple[int, int, bytes | None]]]:
    """Verify entries `start.size … size − 1` (all of them without a start) and grow the tree
    from their recomputed leaf hashes.

    Returns:
        The verified state at `size`, the root at every size of a stored checkpoint in the
        verified range, and the node cache rows to rewrite.

    Raises:
        CheckpointError: an entry fails a check.
    """
    first = 0 if start is None else start.size
    tree = merkle.CompactRange() if start is None else start.tree
    border = tree.border()
    wanted = set(store_tree.checkpoint_sizes(conn))
    roots: dict[int, bytes] = {} if start is None else {first: tree.root()}
    cache = _CacheCheck(conn, first, size)
    last: list[StoredRow] = []

    def rows() -> Iterator[StoredRow]:
        for row in store.rows(conn=conn, since=first, until=size - 1):
            for (level, index), value in tree.append(merkle.hash_leaf(row.statement)):
                cache.check((index + 1) << level, level, value)
            if tree.size in wanted:
                roots[tree.size] = tree.root()
            last[:] = [row]
            yield row

    report = VerifyReport()
    resume = None
    if start is not None:
        resumed, resumed_root = start, tree.root()  # `tree` grows as entries are verified
        resumed.directory.count_from_here(
            lambda key_id, since: _signed_before(conn, resumed, resumed_root, key_id, since)
        )
        resume = Resume(first, start.head, start.time, start.directory)
    directory = verify_entries(
        rows(),
        blob_hashes=store.blob_hashes(conn),
        report=report,
        parallel=size - first >= PARALLEL_THRESHOLD,
        resume=resume,
    )
    if report.ok and tree.size != size:
        report.add(SequenceError(f"entries end at seq {tree.size - 1}", seq=tree.size))
    if not report.ok:
        raise _refusal(size, report)
    fixes = cache.finish()
    cache.check_border(first, border)
    if last:
        head, time = last[0].leaf_hash, last[0].recorded_at
    else:
        assert start is not None  # a ledger of `size` > 0 entries, all before the start
        head, time = start.head, start.time
    signed = {} if start is None else dict(start.signed)
    for key_id, count in directory.counted().items():
        signed[key_id] = signed.get(key_id, 0) + count
    return Verified(size, head, time, tree, directory, signed), roots, fixes


def _signed_before(
    conn: Connection, start: Verified, root: bytes, key_id: str, since: str
) -> list[int]:
    """The seqs before `start.size` of the entries signed with `key_id` and recorded at or
    after `since` (a revocation resumed from the record must list them in `repudiates`);
    `root` is the tree's root at `start.size`.

    Those entries were verified when the last checkpoint was signed; they are read again
    here, each proven included in that checkpoint's tree, and counted against the record, so
    that a row changed since (its key or time columns, its bytes, a node of the cache) cannot
    hide one.

    Raises:
        CheckpointError: the stored entries are not those the record was made from.
    """
    size = start.size
    rows = store_checkpoints.signed_with(conn, key_id, size)
    short = short_id(key_id)
    recorded = start.signed.get(key_id, 0)
    if len(rows) != recorded:
        raise CheckpointError(
            f"{len(rows)} entries before seq {size} name key {short} in the database, but "
            f"{recorded} did when the last checkpoint was verified: the database was changed "
            "behind the ledger's back (`ledger verify` names the rows)",
            seq=size - 1,
        )
    reader = store_tree.node_reader(conn)
    found: list[int] = []
    for seq, data in rows:
        try:
            statement = bytes(data)
            proof = merkle.inclusion_proof(seq, size, reader)
            merkle.verify_inclusion(seq, size, merkle.hash_leaf(statement), proof, root)
            stmt = decode_statement(statement)
        except (VerificationError, InputError, ValueError, TypeError) as exc:
            raise CheckpointError(
                f"seq {seq}, signed with key {short}, is not the entry the last checkpoint "
                f"covered ({exc}): `ledger verify` names what changed",
                seq=seq,
            ) from None
        if stmt.key != key_id:
            raise CheckpointError(
                f"seq {seq} names key {short} in the database, but its statement another",
                seq=seq,
            )
        if stmt.recorded_at >= since:
            found.append(seq)
    return found


class _CacheCheck:
    """Compares the node cache with the nodes the verified leaves complete, as they come."""

    def __init__(self, conn: Connection, after: int, until: int) -> None:
        self.conn = conn
        self.stored = store_tree.cached_nodes(conn, after, until)
        self.pending = next(self.stored, None)
        self.fixes: list[tuple[int, int, bytes | None]] = []

    def check(self, size: int, level: int, value: bytes) -> None:
        while self.pending is not None and self.pending[:2] < (size, level):
            self.fixes.append((*self.pending[:2], None))  # a row no tree has
            self.pending = next(self.stored, None)
        if self.pending is not None and self.pending[:2] == (size, level):
            if not _same_hash(self.pending[2], value):
                self.fixes.append((size, level, value))
            self.pending = next(self.stored, None)
        else:
            self.fixes.append((size, level, value))

    def check_border(self, size: int, border: Sequence[bytes]) -> None:
        """The cached nodes of the tree's border at `size`, which the verified range grew
        from (and later appends grow from), equal the recorded ones."""
        for (level, index), value in zip(merkle.root_nodes(size), border, strict=True):
            if level == 0:
                continue  # a leaf hash: the entry's own column, checked against the record
            end = (index + 1) << level
            found = store_tree.cached_nodes(self.conn, end - 1, end)
            have = next((stored for _, at, stored in found if at == level), None)
            if not _same_hash(have, value):
                self.fixes.append((end, level, value))

    def finish(self) -> list[tuple[int, int, bytes | None]]:
        while self.pending is not None:
            self.fixes.append((*self.pending[:2], None))
            self.pending = next(self.stored, None)
        return self.fixes


def _same_hash(stored: object, value: bytes) -> bool:
    return isinstance(stored, bytes | memoryview) and bytes(stored) == value
