"""Checkpoints of the open ledger: signing one (entries since the last verified first), the
stored ones with their witnesses' cosignatures, and proofs of inclusion and consistency.

The work is `ledger.checkpoints`'; these are the use cases the CLI and the TUI share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ledger import checkpoints
from ledger.app.ledger import Ledger
from ledger.checkpoints import Signing
from ledger.errors import EntryNotFoundError, RefusedError
from ledger.note import Checkpoint, SignedCheckpoint, VerifierKey
from ledger.receipts import ConsistencyProof, InclusionProof
from ledger.store import reads
from ledger.store import tree as store_tree


@dataclass(frozen=True)
class CheckpointInfo:
    """A stored checkpoint: its size, root, when its last entry was recorded, its witnesses."""

    size: int
    root: str
    recorded_at: str
    signers: list[str]
    witnesses: list[str]
    note: str


def verifier_keys(ledger: Ledger) -> list[VerifierKey]:
    """The verifier keys of the ledger's checkpoints as they stand: what to publish."""
    return checkpoints.current_log_keys(ledger.store)


def sign(ledger: Ledger, passphrase: Callable[[str], str]) -> tuple[Signing, int]:
    """Verify the entries since the last checkpoint signed on this machine, then sign a
    checkpoint of the ledger as it stands with every unrevoked registrar key in the key
    directory (`passphrase(key_id)` unlocks each) and store it; also how many keys signed.

    Raises:
        RefusedError: no key directory. KeysError: no registrar key here, a wrong passphrase.
        CheckpointError: an entry fails verification, or the ledger does not extend the last
            checkpoint; nothing is signed.
    """
    if ledger.keystore is None:
        raise RefusedError("no key directory: browsing only")
    keys = checkpoints.signing_keys(
        store=ledger.store, keystore=ledger.keystore, passphrase=passphrase
    )
    done = checkpoints.sign_verified(
        store=ledger.store, keys=keys, state_dir=ledger.state_dir() / "checkpoints"
    )
    return done, len(keys)


def sign_as_unlocked(ledger: Ledger) -> tuple[CheckpointInfo, bool]:
    """Sign a checkpoint of the ledger as it stands with the unlocked key (the registrar's),
    as `sign` does. Returns it and False when one of that size existed already.

    Raises:
        RefusedError: nobody unlocked, or the key is not the registrar's.
        CheckpointError: as for `sign`; nothing is signed.
    """
    _, key = ledger.require_signer()
    done = checkpoints.sign_verified(
        store=ledger.store, keys=[key], state_dir=ledger.state_dir() / "checkpoints"
    )
    info = last(ledger)
    assert info is not None
    return info, done.new


def last(ledger: Ledger) -> CheckpointInfo | None:
    """The latest stored checkpoint with its signers and witnesses, or None."""
    try:
        signed = checkpoints.stored_checkpoint(store=ledger.store)
    except EntryNotFoundError:
        return None
    size = signed.checkpoint.size
    with ledger.store.reading() as conn:
        witnesses = sorted({row.witness for row in store_tree.cosignatures(conn, size)})
    cosigned = {s.name for s in signed.cosignatures()}
    signers = [s.name for s in signed.note.signatures if s.name not in cosigned]
    return CheckpointInfo(
        size=size,
        root=signed.checkpoint.root.hex(),
        recorded_at=reads.recorded_at(ledger.store, size - 1) or "",
        signers=signers,
        witnesses=witnesses,
        note=signed.encode().decode(),
    )


def stored(ledger: Ledger, size: int | None = None) -> SignedCheckpoint:
    """The stored checkpoint of `size` (default: the latest) with every cosignature stored for
    it. Raises EntryNotFoundError."""
    return checkpoints.stored_checkpoint(store=ledger.store, size=size)


def listing(ledger: Ledger) -> list[tuple[Checkpoint, int]]:
    """Every stored checkpoint, with how many cosignatures it has."""
    return checkpoints.list_checkpoints(store=ledger.store)


def add_cosignatures(
    ledger: Ledger, data: bytes, witness_keys: Sequence[VerifierKey]
) -> tuple[int, list[str]]:
    """Store the cosignatures a witness added to one of the ledger's checkpoints: its size and
    the witnesses whose cosignature was new (see `ledger.checkpoints.add_cosignatures`)."""
    return checkpoints.add_cosignatures(store=ledger.store, data=data, witness_keys=witness_keys)


def prove_inclusion(
    ledger: Ledger, seq: int, checkpoint: SignedCheckpoint | None = None
) -> InclusionProof:
    """Entry `seq`'s inclusion receipt against `checkpoint` (default: the latest stored)."""
    return checkpoints.prove_inclusion(store=ledger.store, seq=seq, checkpoint=checkpoint)


def prove_consistency(ledger: Ledger, old: int, new: int | None = None) -> ConsistencyProof:
    """The proof that the stored checkpoint of size `new` (default: the latest) extends the
    tree of size `old`."""
    return checkpoints.prove_consistency(store=ledger.store, old=old, new=new)


__all__ = [
    "CheckpointInfo",
    "Signing",
    "add_cosignatures",
    "last",
    "listing",
    "prove_consistency",
    "prove_inclusion",
    "sign",
    "sign_as_unlocked",
    "stored",
    "verifier_keys",
]
