"""Use cases of the Merkle tree: sign and store checkpoints, prove inclusion and consistency,
store witnesses' cosignatures, and check the tree and every checkpoint in `ledger verify`.

Which key signs: the registrar's — the person the genesis entry names — with every registrar key
that is valid and present in the key directory (two during a rotation). The note's key name is
the ledger's origin. A checkpoint of size N is trusted when signed by a registrar key bound
before seq N and valid at the `recorded_at` of entry N − 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, select

from keys import KeyNotFoundError, KeyStore, SigningKey, short_id
from ledger import merkle
from ledger.authority import Directory
from ledger.errors import (
    CheckpointError,
    EntryNotFoundError,
    InputError,
    NoteError,
    RefusedError,
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
from ledger.receipts import ConsistencyProof, InclusionProof, Trust, check_checkpoint
from ledger.store import SqlStore
from ledger.store import tree as store_tree
from ledger.store.tables import ENTRIES

# -- keys ---------------------------------------------------------------------------------------


def _origin(directory: Directory) -> str:
    origin = directory.origin or ""
    if not valid_name(origin):
        raise InputError(
            f"the origin {origin!r} holds a '+', which a signed-note key name may not; "
            "checkpoints cannot be signed for it",
            where="origin",
        )
    return origin


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


# -- signing ------------------------------------------------------------------------------------


def sign_checkpoint(
    *, store: SqlStore, keys: Sequence[SigningKey]
) -> tuple[SignedCheckpoint, bool]:
    """Sign and store a checkpoint of the whole ledger as it stands.

    Returns:
        The signed checkpoint, and False when one of that size was already stored (it is
        returned unchanged).

    Raises:
        RefusedError: a key is not a valid registrar key, or the ledger is not consistent with
            the last checkpoint stored (it was cut short or rewritten); nothing is signed.
    """
    with store.writing() as tx:
        conn = tx.conn
        directory = tx.directory()
        size = _size(conn)
        if size == 0:
            raise RefusedError("the ledger has no entries to checkpoint")
        stored = store_tree.stored_checkpoint(conn, size)
        if stored is not None:
            return SignedCheckpoint.parse(stored), False
        allowed = {k.public_key for k in _trust_at(conn, directory, size).log_keys}
        for key in keys:
            if key.public_key not in allowed:
                raise RefusedError(
                    f"key {short_id(key.key_id)} is not a valid registrar key; checkpoints are "
                    "signed by the registrar"
                )
        root = tree_root(conn, size)
        latest = store_tree.latest_checkpoint(conn)
        if latest is not None:
            before = SignedCheckpoint.parse(latest[1]).checkpoint
            if before.size > size or tree_root(conn, before.size) != before.root:
                raise RefusedError(
                    f"refusing to sign: the ledger ({size} entries) is not an extension of the "
                    f"checkpoint of size {before.size} signed before; run `ledger verify`"
                )
        origin = _origin(directory)
        body = Checkpoint(origin, size, root).text()
        note = sign_note(body, [signer(origin, key) for key in keys])
        store_tree.insert_checkpoint(conn, size, note.encode())
    return SignedCheckpoint(Checkpoint(origin, size, root), note), True


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
    """An inclusion proof of entry `seq` against `checkpoint` (default: the latest stored).

    Raises:
        EntryNotFoundError: no such entry, or no stored checkpoint covers it.
        CheckpointError: the given checkpoint is not one this ledger extends.
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
        proof = merkle.inclusion_proof(
            seq, checkpoint.checkpoint.size, store_tree.node_reader(conn)
        )
        entry = conn.execute(select(ENTRIES.c.statement).where(ENTRIES.c.seq == seq)).scalar()
    assert entry is not None
    return InclusionProof(seq, proof, checkpoint, bytes(entry))


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
