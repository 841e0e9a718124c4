"""Use cases of the Merkle tree: sign and store checkpoints, prove inclusion and consistency,
store witnesses' cosignatures, and check the tree and every checkpoint in `ledger verify`.

Which key signs: the registrar's — the person the genesis entry names — with every registrar key
that is valid and present in the key directory (two during a rotation). The note's key name is
the ledger's origin. A checkpoint of size N is trusted when signed by a registrar key bound
before seq N and valid at the `recorded_at` of entry N − 1.

What the registrar signs it has verified (`sign_verified`): the entries since its last
checkpoint, checked as `ledger verify` checks entries, and a root recomputed from them. An
inclusion receipt carries the entry's signature and the entry that bound its key to its author,
so that `verify-proof` checks authorship offline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from keys import KeyNotFoundError, KeysError, KeyStore, SigningKey, short_id, verify_signature
from ledger import merkle
from ledger.authority import LOADED_TABLES, Directory
from ledger.entry import Statement, decode_statement
from ledger.errors import (
    CheckpointError,
    EntryHashError,
    EntryNotFoundError,
    InputError,
    NoteError,
    RefusedError,
    SequenceError,
    VerificationError,
)
from ledger.note import (
    COSIGNATURE_V1,
    Checkpoint,
    SignedCheckpoint,
    VerifierKey,
    b64,
    ed25519_key,
    open_note,
    parse_note,
    sign_note,
    signer,
    valid_name,
)
from ledger.receipts import (
    Binding,
    ConsistencyProof,
    InclusionProof,
    Trust,
    bound_key,
    check_checkpoint,
    check_receipt_entry,
)
from ledger.store import SqlStore
from ledger.store import tree as store_tree
from ledger.store.repository import StoredRow
from ledger.store.tables import ENTRIES
from ledger.verify import PARALLEL_THRESHOLD, Resume, VerifyReport, verify_entries
from ledger.witness import write_atomic

# -- keys ---------------------------------------------------------------------------------------


MAX_ORIGIN = 200  # characters, as the genesis schema allows


def check_origin(origin: str, *, where: str = "origin") -> str:
    """Return `origin` if checkpoints can be signed for it: it is the first line of every
    checkpoint and the signed-note key name of the registrar's verifier key, so it is
    non-empty, at most 200 characters, printable, with no space and no '+'.

    Raises:
        InputError: naming the rule it breaks.
    """
    if not origin:
        problem = "is empty"
    elif len(origin) > MAX_ORIGIN:
        problem = f"is {len(origin)} characters long (at most {MAX_ORIGIN})"
    elif "+" in origin:
        problem = "holds a '+'"
    elif not valid_name(origin) or not origin.isprintable():
        bad = next(c for c in origin if c.isspace() or not c.isprintable())
        problem = f"holds a space or non-printable character (U+{ord(bad):04X})"
    else:
        return origin
    raise InputError(
        f"the origin {origin[:60]!r} {problem}: it names the ledger in every checkpoint and "
        "in its verifier key (name+id+key), so no checkpoint could ever be signed for it; "
        "use a domain and a path, e.g. edu.example-district.gov.cn/decisions",
        where=where,
    )


def _origin(directory: Directory) -> str:
    return check_origin(directory.origin or "")


def log_keys(directory: Directory, *, size: int, last_recorded_at: str) -> list[VerifierKey]:
    """The registrar keys that may sign a checkpoint of `size` (see the module docstring)."""
    origin = _origin(directory)
    registrar = directory.registrar or ""
    return [
        ed25519_key(origin, record.public_key)
        for record in directory.keys_of(registrar)
        if record.bound_seq < size and record.valid_at(last_recorded_at)
    ]


def current_log_keys(store: SqlStore) -> list[VerifierKey]:
    """The verifier keys to publish: the registrar's keys that are not revoked."""
    directory = store.directory()
    origin = _origin(directory)
    return [
        ed25519_key(origin, record.public_key)
        for record in directory.keys_of(directory.registrar or "")
        if record.revoked_seq is None
    ]


def signing_keys(
    *, store: SqlStore, keystore: KeyStore, passphrase: Callable[[str], str]
) -> list[SigningKey]:
    """Unlock every unrevoked registrar key found in the key directory.

    Raises:
        KeysError: none is there (KeyNotFoundError), a wrong passphrase, an unreadable file.
    """
    directory = store.directory()
    records = [r for r in directory.keys_of(directory.registrar or "") if r.revoked_seq is None]
    present = [r for r in records if keystore.has(r.key_id)]
    if not present:
        listed = ", ".join(short_id(r.key_id) for r in records)
        raise KeyNotFoundError(
            f"none of the registrar's keys ({listed}) is in {keystore.directory}",
            hint="Checkpoints are signed by the registrar; pass --key-dir or set LEDGER_KEY_DIR.",
        )
    return [keystore.load(r.key_id, passphrase(r.key_id)) for r in present]


# -- the tree in the store ----------------------------------------------------------------------


def tree_root(conn: Connection, size: int) -> bytes:
    """The root of the first `size` entries, from the node cache (O(log n) reads)."""
    return merkle.root_from_nodes(size, store_tree.read_nodes(conn, set(merkle.root_nodes(size))))


def _size(conn: Connection) -> int:
    head = conn.execute(select(ENTRIES.c.seq).order_by(ENTRIES.c.seq.desc()).limit(1)).scalar()
    return 0 if head is None else int(head) + 1


def _recorded_at(conn: Connection, seq: int) -> str:
    value = conn.execute(select(ENTRIES.c.recorded_at).where(ENTRIES.c.seq == seq)).scalar()
    if value is None:
        raise EntryNotFoundError(f"no entry with seq {seq}")
    return str(value)


def _trust_at(conn: Connection, directory: Directory, size: int) -> Trust:
    if size == 0:
        return Trust([])
    return Trust(log_keys(directory, size=size, last_recorded_at=_recorded_at(conn, size - 1)))


# -- signing: verify first -----------------------------------------------------------------------


STATE_FORMAT = "decision-ledger/checkpoint-state/v2"
_STATE_CONTEXT = (STATE_FORMAT + "\n").encode()


@dataclass(frozen=True)
class Signing:
    """What `sign_verified` did."""

    checkpoint: SignedCheckpoint
    new: bool  # False: a checkpoint of this size was stored already (returned unchanged)
    resumed_at: int = 0  # the size verification went on from (0: from the genesis)
    verified: int = 0  # how many entries were verified (seq resumed_at … resumed_at + n − 1)
    repaired: int = 0  # Merkle node cache rows rewritten from the verified leaves
    state_note: str | None = None  # why the record of the last checkpoint was not used or kept


@dataclass
class _Verified:
    """The ledger up to `size` as signing verified it: the chain's head and time, the tree's
    right border, and the register (people, keys, organs, memberships, procedure state)."""

    size: int
    head: str
    time: str
    tree: merkle.CompactRange
    directory: Directory
    signed: dict[str, int]  # key id → how many of the entries before `size` it signed


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
        size = _size(conn)
        if size == 0:
            raise RefusedError("the ledger has no entries to checkpoint")
        stored = store_tree.stored_checkpoint(conn, size)
        if stored is not None:
            return Signing(SignedCheckpoint.parse(stored), False, size)
        found = conn.execute(select(ENTRIES.c.statement).where(ENTRIES.c.seq == 0)).scalar()
        genesis = bytes(found) if isinstance(found, bytes | memoryview) else b""
        genesis_leaf = merkle.hash_leaf(genesis).hex()
        path = None if state_dir is None or not genesis else state_dir / f"{genesis_leaf}.json"
        start, note = _load_state(path, keys, genesis)
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
        origin = _origin(verified.directory)
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
        note = _save_state(path, genesis_leaf, verified, keys[0]) or note
    return Signing(
        SignedCheckpoint(Checkpoint(origin, size, root), signed),
        True,
        resumed,
        size - resumed,
        len(fixes),
        note,
    )


def _check_start(conn: Connection, start: _Verified, size: int, path: Path | None) -> None:
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
    row = conn.execute(
        select(ENTRIES.c.leaf_hash, ENTRIES.c.statement).where(ENTRIES.c.seq == seq)
    ).first()
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
    conn: Connection, verified: _Verified, roots: dict[int, bytes], start: _Verified | None
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


# -- the registrar's record of the last checkpoint it signed ----------------------------------


def _load_state(
    path: Path | None, keys: Sequence[SigningKey], genesis: bytes
) -> tuple[_Verified | None, str | None]:
    """The record at `path` if it is there, signed by one of `keys` and for this ledger; else
    None and why it was not used (None when there simply is none)."""
    if path is None:
        return None, None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"cannot read {path} ({exc.strerror}); verified the whole ledger"
    payload, _, trailer = data.rstrip(b"\n").rpartition(b"\n")
    by_id = {key.key_id: key for key in keys}
    try:
        kid, sig = trailer.decode("ascii").split(" ")
        verify_signature(
            by_id[kid].public_key,
            _STATE_CONTEXT + hashlib.sha256(payload).digest(),
            base64.b64decode(sig, validate=True),
        )
    except (KeyError, ValueError, UnicodeDecodeError, binascii.Error, KeysError):
        return None, (
            f"{path} is not signed by the key signing now (another registrar key, or changed); "
            "verified the whole ledger"
        )
    try:
        return _state_from_json(json.loads(payload), genesis), None
    except (KeyError, ValueError, TypeError, IndexError, VerificationError) as exc:
        return None, f"{path} is not a record of this ledger ({exc}); verified the whole ledger"


def _state_from_json(value: dict[str, Any], genesis: bytes) -> _Verified:
    if value["format"] != STATE_FORMAT or value["genesis"] != merkle.hash_leaf(genesis).hex():
        raise ValueError("another format or another ledger")
    size = int(value["size"])
    tree = merkle.CompactRange(size, [base64.b64decode(h) for h in value["tree"]])
    if b64(tree.root()) != value["root"]:
        raise ValueError("its tree border and root disagree")
    rows = {
        name: [tuple(_from_plain(cell) for cell in row) for row in value["register"][name]]
        for name in LOADED_TABLES
    }
    directory = Directory.from_rows(decode_statement(genesis), rows)
    directory.procedure.objects = {
        (kind, ident): json.loads(text) for kind, ident, text in value["procedure"]
    }
    signed = {str(key): int(count) for key, count in value["signed"].items()}
    return _Verified(size, str(value["head"]), str(value["time"]), tree, directory, signed)


def _save_state(path: Path, genesis: str, verified: _Verified, key: SigningKey) -> str | None:
    """Write the record of the checkpoint just signed; None, or why it could not be kept."""
    directory = verified.directory
    directory.procedure.involvements = []  # not needed to check later entries
    rows = directory.table_rows()
    value = {
        "format": STATE_FORMAT,
        "genesis": genesis,
        "size": verified.size,
        "head": verified.head,
        "time": verified.time,
        "root": b64(verified.tree.root()),
        "tree": [b64(h) for h in verified.tree.border()],
        "register": {
            name: [[_plain(cell) for cell in row] for row in rows[name]] for name in LOADED_TABLES
        },
        "procedure": [[row[0], row[1], row[5]] for row in rows["procedure_state"]],
        "signed": verified.signed,
    }
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    signature = key.sign(_STATE_CONTEXT + hashlib.sha256(payload).digest())
    trailer = f"{key.key_id} {b64(signature)}\n".encode()
    try:
        write_atomic(path, payload + b"\n" + trailer)
    except OSError as exc:
        return f"could not keep the record in {path} ({exc.strerror}); next time verifies all"
    return None


def _plain(cell: Any) -> Any:
    return {"b64": b64(cell)} if isinstance(cell, bytes) else cell


def _from_plain(cell: Any) -> Any:
    return base64.b64decode(cell["b64"]) if isinstance(cell, dict) else cell


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
    conn: Connection, store: SqlStore, start: _Verified | None, size: int
) -> tuple[_Verified, dict[int, bytes], list[tuple[int, int, bytes | None]]]:
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
    return _Verified(size, head, time, tree, directory, signed), roots, fixes


def _signed_before(
    conn: Connection, start: _Verified, root: bytes, key_id: str, since: str
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
    query = (
        select(ENTRIES.c.seq, ENTRIES.c.statement)
        .where(ENTRIES.c.key_id == key_id, ENTRIES.c.seq < size)
        .order_by(ENTRIES.c.seq)
    )
    rows = conn.execute(query).all()
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


def add_cosignatures(
    *, store: SqlStore, data: bytes, witness_keys: Sequence[VerifierKey]
) -> tuple[int, list[str]]:
    """Store the cosignatures a witness added to one of our checkpoints.

    Returns:
        The checkpoint's size, and the witnesses whose cosignature was new.

    Raises:
        InputError: not a checkpoint. CheckpointError: not one of ours, or not stored here.
        NoteError: a witness key's cosignature fails, or none of the witness keys cosigned.
    """
    cp = SignedCheckpoint.parse(data)
    for key in witness_keys:
        if key.key_type != COSIGNATURE_V1:
            raise InputError(
                f"{key.label()} is not a witness (cosignature/v1) key", where="--witness-key"
            )
    opened = open_note(cp.note, list(witness_keys))
    size = cp.checkpoint.size
    added = []
    with store.writing() as tx:
        stored = store_tree.stored_checkpoint(tx.conn, size)
        if stored is None or SignedCheckpoint.parse(stored).checkpoint != cp.checkpoint:
            raise CheckpointError(
                f"this ledger has no stored checkpoint equal to the cosigned one (size {size})"
            )
        for key, sig in opened.verified:
            row = store_tree.StoredCosignature(
                size, key.name, key.id.hex(), key.encode(), sig.encode().rstrip("\n")
            )
            if store_tree.insert_cosignature(tx.conn, row):
                added.append(key.label())
    return size, added


def stored_checkpoint(*, store: SqlStore, size: int | None = None) -> SignedCheckpoint:
    """A stored checkpoint with its stored cosignatures (the latest when `size` is None).

    Raises:
        EntryNotFoundError: none stored (at that size).
    """
    with store.reading() as conn:
        if size is None:
            latest = store_tree.latest_checkpoint(conn)
            if latest is None:
                raise EntryNotFoundError(
                    "no checkpoint is stored yet; sign one: `ledger checkpoint`"
                )
            size, data = latest
        else:
            found = store_tree.stored_checkpoint(conn, size)
            if found is None:
                raise EntryNotFoundError(f"no checkpoint of size {size} is stored")
            data = found
        return _with_cosignatures(conn, size, data)


def _with_cosignatures(conn: Connection, size: int, data: bytes) -> SignedCheckpoint:
    """A stored checkpoint's note with its stored cosignature lines appended."""
    cp = SignedCheckpoint.parse(data)
    lines = "".join(row.line + "\n" for row in store_tree.cosignatures(conn, size))
    if not lines:
        return cp
    extra = parse_note(cp.note.text.encode() + b"\n" + lines.encode()).signatures
    return SignedCheckpoint(cp.checkpoint, cp.note.with_signatures(extra))


def list_checkpoints(*, store: SqlStore) -> list[tuple[Checkpoint, int]]:
    """Every stored checkpoint and its number of cosignatures, by size."""
    with store.reading() as conn:
        counts: dict[int, int] = {}
        for row in store_tree.cosignatures(conn):
            counts[row.size] = counts.get(row.size, 0) + 1
        return [
            (SignedCheckpoint.parse(data).checkpoint, counts.get(size, 0))
            for size, data in store_tree.stream_checkpoints(conn)
        ]


# -- proofs -------------------------------------------------------------------------------------


def check_against(
    conn: Connection,
    directory: Directory,
    cp: SignedCheckpoint,
    size: int,
    root_at: Callable[[int], bytes],
    where: str,
) -> None:
    """The ledger (of `size` entries) extends `cp`, signed by our registrar. Raises
    CheckpointError naming what fails."""
    c = cp.checkpoint
    if c.origin != directory.origin:
        raise CheckpointError(
            f"{where} is for {c.origin!r}, not this ledger ({directory.origin!r})"
        )
    if c.size > size:
        missing = f"seq {size} is" if c.size == size + 1 else f"seq {size}–{c.size - 1} are"
        raise CheckpointError(
            f"{where} has size {c.size} but the ledger has only {size} entries: {missing} "
            "missing (the ledger was cut short or rolled back)",
            seq=size,
        )
    try:
        check_checkpoint(cp, _trust_at(conn, directory, c.size), what=where)
    except NoteError as exc:
        raise CheckpointError(exc.message, seq=c.size - 1 if c.size else None) from None
    actual = root_at(c.size)
    if actual != c.root:
        raise CheckpointError(
            f"the ledger is not an extension of {where}: its first {c.size} entries hash to "
            f"root {b64(actual)[:16]}…, the checkpoint says {b64(c.root)[:16]}… "
            f"(an entry before seq {c.size} was changed or replaced)"
        )


def prove_inclusion(
    *, store: SqlStore, seq: int, checkpoint: SignedCheckpoint | None = None
) -> InclusionProof:
    """An inclusion receipt of entry `seq` against `checkpoint` (default: the latest stored),
    carrying the entry's signature and the entry that bound its key to its author, with that
    entry's own inclusion proof. It is checked (all but the checkpoint's signatures) before it
    is returned.

    Raises:
        EntryNotFoundError: no such entry, or no stored checkpoint covers it.
        CheckpointError: the given checkpoint is not one this ledger extends, or the receipt
            would not verify (a damaged entry, key binding or node cache).
    """
    with store.reading() as conn:
        size = _size(conn)
        if not 0 <= seq < size:
            raise EntryNotFoundError(f"no entry with seq {seq} (the ledger has {size})")
        directory = store.directory(conn)
        if checkpoint is None:
            latest = store_tree.latest_checkpoint(conn)
            if latest is None or latest[0] <= seq:
                raise EntryNotFoundError(
                    f"no stored checkpoint covers seq {seq} yet; sign one: `ledger checkpoint`"
                )
            checkpoint = _with_cosignatures(conn, latest[0], latest[1])
        else:
            check_against(
                conn, directory, checkpoint, size, lambda n: tree_root(conn, n), "the checkpoint"
            )
            if checkpoint.checkpoint.size <= seq:
                raise CheckpointError(
                    f"the checkpoint has size {checkpoint.checkpoint.size}: it does not cover "
                    f"seq {seq}"
                )
        cp_size = checkpoint.checkpoint.size
        reader = store_tree.node_reader(conn)
        entry, signature = _entry_row(conn, seq)
        statement = _statement(entry, seq)
        record = directory.keys.get(statement.key)
        bound_seq = 0 if record is None else record.bound_seq
        binding = _entry_row(conn, bound_seq)[0]
        try:
            bound_key(_statement(binding, bound_seq), statement)
        except VerificationError as exc:
            raise CheckpointError(
                f"cannot prove who signed seq {seq}: {exc.message}; run `ledger verify`", seq=seq
            ) from None
        receipt = InclusionProof(
            seq,
            merkle.inclusion_proof(seq, cp_size, reader),
            checkpoint,
            entry,
            signature,
            Binding(bound_seq, binding, merkle.inclusion_proof(bound_seq, cp_size, reader)),
        )
    try:
        check_receipt_entry(receipt)
    except VerificationError as exc:
        raise CheckpointError(
            f"the receipt for seq {seq} would not verify ({exc.message}): the ledger or its "
            "Merkle node cache is damaged; run `ledger verify`",
            seq=exc.seq,
        ) from None
    return receipt


def _entry_row(conn: Connection, seq: int) -> tuple[bytes, bytes]:
    """The statement bytes and signature stored at `seq`. Raises EntryNotFoundError."""
    row = conn.execute(
        select(ENTRIES.c.statement, ENTRIES.c.signature).where(ENTRIES.c.seq == seq)
    ).first()
    if row is None:
        raise EntryNotFoundError(f"no entry with seq {seq}")
    if not all(isinstance(value, bytes | memoryview) for value in row):
        raise CheckpointError("the stored entry is not bytes; run `ledger verify`", seq=seq)
    return bytes(row[0]), bytes(row[1])


def _statement(data: bytes, seq: int) -> Statement:
    try:
        return decode_statement(data)
    except VerificationError as exc:
        exc.seq = seq
        raise


def prove_consistency(*, store: SqlStore, old: int, new: int | None = None) -> ConsistencyProof:
    """A consistency proof from size `old` to the stored checkpoint of size `new` (default: the
    latest).

    Raises:
        EntryNotFoundError: no checkpoint stored at `new`. InputError: old > new.
    """
    new_cp = stored_checkpoint(store=store, size=new)
    new_size = new_cp.checkpoint.size
    if not 0 <= old <= new_size:
        raise InputError(f"old size {old} is not between 0 and {new_size}", where="OLD")
    with store.reading() as conn:
        proof = merkle.consistency_proof(old, new_size, store_tree.node_reader(conn))
        old_data = store_tree.stored_checkpoint(conn, old)
    old_cp = None if old_data is None else SignedCheckpoint.parse(old_data)
    return ConsistencyProof(old, proof, new_cp, old_cp)
