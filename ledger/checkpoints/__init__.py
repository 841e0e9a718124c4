"""Use cases of the Merkle tree: sign and store checkpoints, prove inclusion and consistency,
store witnesses' cosignatures, and check a checkpoint against the ledger (`ledger verify`'s
tree pass, `ledger.tree_verify`, asks `check_against`).

By concept: `trust` (the origin and which registrar keys sign), `signing` (sign only what was
verified), `record` (the registrar's record of the last checkpoint it signed), `stored` (stored
checkpoints and cosignatures), `proofs` (inclusion and consistency). Their public names are
importable from here.
"""

from __future__ import annotations

from ledger.checkpoints.proofs import check_against, prove_consistency, prove_inclusion, tree_root
from ledger.checkpoints.record import STATE_FORMAT
from ledger.checkpoints.signing import Signing, sign_checkpoint, sign_verified
from ledger.checkpoints.stored import add_cosignatures, list_checkpoints, stored_checkpoint
from ledger.checkpoints.trust import (
    MAX_ORIGIN,
    check_origin,
    current_log_keys,
    log_keys,
    signing_keys,
)

__all__ = [
    "MAX_ORIGIN",
    "STATE_FORMAT",
    "Signing",
    "add_cosignatures",
    "check_against",
    "check_origin",
    "current_log_keys",
    "list_checkpoints",
    "log_keys",
    "prove_consistency",
    "prove_inclusion",
    "sign_checkpoint",
    "sign_verified",
    "signing_keys",
    "stored_checkpoint",
    "tree_root",
]
