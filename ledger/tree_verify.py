"""`ledger verify`'s tree pass: rebuild the Merkle tree from the leaf hashes, compare the node
cache, and check every stored checkpoint (root, size, signatures, cosignatures) and every
checkpoint an auditor kept (the ledger must extend it). Failures go to the `VerifyReport`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from ledger import merkle
from ledger.authority import Directory
from ledger.checkpoints import check_against
from ledger.errors import CheckpointError, InputError, NoteError, TreeCacheError, VerificationError
from ledger.note import COSIGNATURE_V1, SignedCheckpoint, VerifierKey, b64, open_note
from ledger.store import SqlStore
from ledger.store import tree as store_tree
from ledger.verify import VerifyReport


@dataclass
class TreeReport:
    """What the tree part of `ledger verify` found (failures go to the VerifyReport)."""

    size: int = 0
    root: str | None = None
    nodes: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    extends: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "root": self.root,
            "nodes": self.nodes,
            "checkpoints": self.checkpoints,
            "cosignatures": self.cosignatures,
            "extends": self.extends,
        }


def verify_tree(
    *,
    store: SqlStore,
    report: VerifyReport,
    external: Sequence[tuple[str, SignedCheckpoint]] = (),
    conn: Connection | None = None,
    directory: Directory | None = None,
) -> TreeReport:
    """Rebuild the Merkle tree from the leaf hashes, compare the node cache, check every stored
    checkpoint (root, signatures, cosignatures) and every external one (the ledger must extend
    it). Failures are added to `report`. `directory` is the register replayed by the chain
    pass, when the caller has it; else it is loaded from the derived tables.

    Raises:
        StoreError: the database cannot be read.
    """
    if conn is None:
        with store.reading() as own:
            return verify_tree(
                store=store, report=report, external=external, conn=own, directory=directory
            )
    result = TreeReport()
    if directory is None:
        directory = store.directory(conn)
    stored = list(store_tree.stream_checkpoints(conn))
    wanted = {size for size, _ in stored} | {cp.checkpoint.size for _, cp in external}
    roots, size = _rebuild(conn, wanted, report, result)
    result.size = size
    result.root = b64(roots.get(size, merkle.EMPTY_ROOT))
    cosigs: dict[int, list[store_tree.StoredCosignature]] = {}
    for row in store_tree.cosignatures(conn):
        cosigs.setdefault(row.size, []).append(row)
        result.cosignatures += 1
    for cp_size, data in stored:
        where = f"stored checkpoint of size {cp_size}"
        try:
            cp = SignedCheckpoint.parse(data)
            if cp.checkpoint.size != cp_size:
                raise CheckpointError(f"{where} says size {cp.checkpoint.size}")
            check_against(conn, directory, cp, size, roots.__getitem__, where)
            _check_cosignatures(cp, cosigs.pop(cp_size, []), where)
            result.checkpoints += 1
        except (VerificationError, InputError) as exc:
            report.add(_as_checkpoint_error(exc, cp_size))
    for cp_size in sorted(cosigs):
        report.add(
            CheckpointError(
                f"cosignatures stored for size {cp_size}, which has no checkpoint",
                seq=cp_size - 1,
            )
        )
    for name, cp in external:
        try:
            check_against(conn, directory, cp, size, roots.__getitem__, f"checkpoint {name}")
            result.extends.append(
                {"file": name, "size": cp.checkpoint.size, "root": b64(cp.checkpoint.root)}
            )
        except (VerificationError, InputError) as exc:
            report.add(_as_checkpoint_error(exc, None))
    return result


def _as_checkpoint_error(exc: VerificationError | InputError, size: int | None) -> CheckpointError:
    if isinstance(exc, CheckpointError):
        return exc
    own = exc.seq if isinstance(exc, VerificationError) else None
    seq = own if own is not None else (None if not size else size - 1)
    return CheckpointError(exc.message, seq=seq)


def _check_cosignatures(
    cp: SignedCheckpoint, rows: list[store_tree.StoredCosignature], where: str
) -> None:
    for row in rows:
        try:
            key = VerifierKey.parse(row.verifier_key)
        except InputError as exc:
            raise CheckpointError(
                f"{where}: a stored witness key is malformed ({exc.message})"
            ) from None
        if (key.name, key.id.hex()) != (row.witness, row.key_id) or key.key_type != COSIGNATURE_V1:
            raise CheckpointError(
                f"{where}: the cosignature row of {row.witness} names another key"
            )
        note = cp.note.text.encode() + b"\n" + row.line.encode() + b"\n"
        try:
            open_note(note, [key])
        except NoteError as exc:
            raise CheckpointError(f"{where}: cosignature by {row.witness}: {exc.message}") from None


def _rebuild(
    conn: Connection, wanted: set[int], report: VerifyReport, result: TreeReport
) -> tuple[dict[int, bytes], int]:
    """Stream the leaves once: roots at the wanted sizes, and the node cache compared."""
    tree = merkle.CompactRange()
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    stored = store_tree.stream_nodes(conn)
    pending = _next(stored)
    for seq, leaf in store_tree.stream_leaves(conn):
        if seq != tree.size:
            break  # a gap: the entries' checks name it; the tree stops here
        for (level, index), value in tree.append(leaf):
            key = ((index + 1) << level, level)
            while pending is not None and pending[:2] < key:
                _cache_problem(report, pending[0], pending[1], "is not in the rebuild")
                pending = _next(stored)
            if pending is None or pending[:2] != key:
                _cache_problem(report, key[0], level, "is missing")
            else:
                if pending[2] != value:
                    _cache_problem(report, key[0], level, "differs from the rebuild")
                result.nodes += 1
                pending = _next(stored)
        if tree.size in wanted:
            roots[tree.size] = tree.root()
    while pending is not None:
        _cache_problem(report, pending[0], pending[1], "is beyond the ledger")
        pending = _next(stored)
    roots[tree.size] = tree.root()
    return roots, tree.size


def _next(rows: Iterator[tuple[int, int, bytes]]) -> tuple[int, int, bytes] | None:
    return next(rows, None)


def _cache_problem(report: VerifyReport, size: int, level: int, state: str) -> None:
    first = size - (1 << level)
    report.add(
        TreeCacheError(
            f"Merkle node cache: the level-{level} node over seq {first}–{size - 1} {state}",
            seq=size - 1,
        )
    )
