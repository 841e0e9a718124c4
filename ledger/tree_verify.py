"""`ledger verify`'s tree pass: rebuild the Merkle tree from the leaf hashes, compare the node
cache, and check every stored checkpoint (root, size, signatures, cosignatures) and every
checkpoint an auditor kept (the ledger must extend it). Failures go to the `VerifyReport`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger import merkle
from ledger.authority import Directory
from ledger.checkpoints.proofs import check_against
from ledger.entry import HEX64
from ledger.errors import (
    CheckpointError,
    InputError,
    NoteError,
    StorageError,
    TreeCacheError,
    VerificationError,
)
from ledger.note import COSIGNATURE_V1, SignedCheckpoint, VerifierKey, b64, open_note
from ledger.store import Connection, SqlStore
from ledger.store import tree as store_tree
from ledger.verify_report import VerifyReport, as_bytes, kind_of, shown

MAX_LEVEL = 63  # a tree of at most 2**63 leaves
MALFORMED_LEAF = bytes(32)
LEAF_BATCH = 4096


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
    rebuild: TreeRebuild | None = None,
) -> TreeReport:
    """Rebuild the Merkle tree from the leaf hashes, compare the node cache, check every stored
    checkpoint (root, signatures, cosignatures) and every external one (the ledger must extend
    it). Failures are added to `report`. `directory` is the register replayed by the chain
    pass, when the caller has it; else it is loaded from the derived tables. `rebuild`, when
    given, has been fed every stored leaf by the chain pass (which reads them anyway, so the
    tree is built while the signature workers run); else the leaves are read here.

    Raises:
        StoreError: the database cannot be read.
    """
    if conn is None:
        with store.reading() as own:
            return verify_tree(
                store=store,
                report=report,
                external=external,
                conn=own,
                directory=directory,
                rebuild=rebuild,
            )
    if rebuild is None:
        rebuild = TreeRebuild(conn, report, external)
        for seq, stored_leaf in store_tree.stored_leaves(conn):
            rebuild.feed(seq, stored_leaf)
    result, stored = rebuild.result, rebuild.stored
    if directory is None:
        directory = store.directory(conn)
    roots, size = rebuild.finish()
    result.size = size
    result.root = b64(roots.get(size, merkle.EMPTY_ROOT))
    cosigs: dict[int, list[store_tree.StoredCosignature]] = {}
    for row in _cosignatures(conn, report):
        cosigs.setdefault(row.size, []).append(row)
        result.cosignatures += 1
    for cp_size, data in stored:
        where = f"stored checkpoint of size {cp_size}"
        witnessed = cosigs.pop(cp_size, [])
        try:
            cp = SignedCheckpoint.parse(data)
            if cp.checkpoint.size != cp_size:
                raise CheckpointError(f"{where} says size {cp.checkpoint.size}")
            if cp.encode() != data:  # base64 that decodes alike, as written differently
                raise CheckpointError(f"{where} is not in the encoding it was signed in")
            check_against(conn, directory, cp, size, roots.__getitem__, where)
            _check_cosignatures(cp, witnessed, where)
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


def _checkpoints(conn: Connection, report: VerifyReport) -> list[tuple[int, bytes]]:
    """The stored checkpoints whose size is an integer and note bytes (TEXT is read as its
    UTF-8); each value of another class is a `StorageError`."""
    result = []
    for size, note in store_tree.stored_checkpoints(conn):
        if type(size) is not int:
            report.add(StorageError(f"column size of a stored checkpoint holds {kind_of(size)}"))
            continue
        data = as_bytes(note, f"note of the checkpoint of size {size}", _last(size), report)
        if data is not None:
            result.append((size, data))
    return result


def _cosignatures(conn: Connection, report: VerifyReport) -> Iterator[store_tree.StoredCosignature]:
    """The stored cosignatures whose size is an integer and other columns text; each value of
    another class is a `StorageError`."""
    for values in store_tree.stored_cosignatures(conn):
        row = store_tree.StoredCosignature._make(values)
        size = row.size if type(row.size) is int else None
        wrong = [
            problem
            for column, value in row._asdict().items()
            if (problem := _wrong_class(column, value, int if column == "size" else str))
        ]
        if wrong:
            report.add(
                StorageError(
                    f"a stored cosignature (size {shown(row.size, 20)}, witness "
                    f"{shown(row.witness, 40)}): {', '.join(wrong)}",
                    seq=None if size is None else _last(size),
                )
            )
            continue
        yield row


def _wrong_class(column: str, value: object, kind: type) -> str | None:
    """What is wrong with the class of a stored value, if anything."""
    if type(value) is not kind:
        return f"{column} holds {kind_of(value)}"
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # read with surrogate escapes (see store.tolerant_rows)
            return f"{column} holds TEXT that is not UTF-8"
    return None


def _last(size: int) -> int | None:
    """The last seq a checkpoint of `size` covers (None when it covers none)."""
    return size - 1 if size > 0 else None


def _as_checkpoint_error(exc: VerificationError | InputError, size: int | None) -> CheckpointError:
    if isinstance(exc, CheckpointError):
        if exc.seq is None and size:
            exc.seq = size - 1  # the last entry the checkpoint covers
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
            opened = open_note(note, [key])
        except NoteError as exc:
            raise CheckpointError(f"{where}: cosignature by {row.witness}: {exc.message}") from None
        if opened.note.encode() != note:
            raise CheckpointError(
                f"{where}: the cosignature line of {row.witness} is not in the encoding it was "
                "made in"
            )


class TreeRebuild:
    """The Merkle tree rebuilt from the stored leaf hashes, fed one row at a time in seq order,
    with the node cache compared as each node completes and the roots kept at the sizes of the
    stored and external checkpoints. The stored checkpoints are read when it is made.
    """

    def __init__(
        self,
        conn: Connection,
        report: VerifyReport,
        external: Sequence[tuple[str, SignedCheckpoint]] = (),
    ) -> None:
        self.report = report
        self.result = TreeReport()
        self.stored = _checkpoints(conn, report)
        self._wanted = {size for size, _ in self.stored} | {
            cp.checkpoint.size for _, cp in external
        }
        self._tree = merkle.CompactRange()
        self._roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
        self._nodes = _nodes(conn, report)
        self._pending = _next(self._nodes)
        self._stopped = False
        self._batch: list[tuple[object, object]] = []

    def feed(self, seq: object, stored_leaf: object) -> None:
        """Take the next stored row's seq and leaf hash, as stored. Rows are taken in batches:
        interleaving the tree's work with each entry's checks costs a tenth more time than
        doing it a batch at a time (the caches hold one kind of work at a time)."""
        self._batch.append((seq, stored_leaf))
        if len(self._batch) >= LEAF_BATCH:
            self._build()

    def _build(self) -> None:
        batch, self._batch = self._batch, []
        for seq, stored_leaf in batch:
            if self._stopped:
                return
            self._leaf(seq, stored_leaf)

    def _leaf(self, seq: object, stored_leaf: object) -> None:
        tree = self._tree
        if type(seq) is not int or seq < tree.size:
            return  # out of order or again: the entries' checks name it
        if seq > tree.size:
            self._stopped = True  # a gap: the entries' checks name it; the tree stops here
            return
        # A malformed leaf hash (the entries' checks name it) stands as one that matches
        # nothing, so that the tree, the node cache and the checkpoints after it are checked.
        leaf = (
            bytes.fromhex(stored_leaf)
            if isinstance(stored_leaf, str) and HEX64.fullmatch(stored_leaf)
            else MALFORMED_LEAF
        )
        report, pending = self.report, self._pending
        for (level, index), value in tree.append(leaf):
            key = ((index + 1) << level, level)
            while pending is not None and pending[:2] < key:
                _cache_problem(report, pending[0], pending[1], "is not in the rebuild")
                pending = _next(self._nodes)
            if pending is None or pending[:2] != key:
                _cache_problem(report, key[0], level, "is missing")
            else:
                if pending[2] != value:
                    state = "differs from the rebuild"
                    if type(pending[2]) is not bytes:
                        state = f"is stored as {kind_of(pending[2])}, not a BLOB"
                    _cache_problem(report, key[0], level, state)
                self.result.nodes += 1
                pending = _next(self._nodes)
        self._pending = pending
        if tree.size in self._wanted:
            self._roots[tree.size] = tree.root()

    def finish(self) -> tuple[dict[int, bytes], int]:
        """The roots at the wanted sizes and at the tree's size, and that size; the cached nodes
        beyond the tree are failures."""
        self._build()
        while self._pending is not None:
            _cache_problem(self.report, self._pending[0], self._pending[1], "is beyond the ledger")
            self._pending = _next(self._nodes)
        self._roots[self._tree.size] = self._tree.root()
        return self._roots, self._tree.size


def _nodes(conn: Connection, report: VerifyReport) -> Iterator[tuple[int, int, Any]]:
    """The cached nodes whose size and level are integers that can name a node (levels 0–63);
    each other row is a failure of the cache."""
    for size, level, value in store_tree.stored_nodes(conn):
        if type(size) is int and type(level) is int and 0 <= level <= MAX_LEVEL:
            yield size, level, value
            continue
        report.add(
            TreeCacheError(
                f"Merkle node cache: a row names size {shown(size, 30)} and level "
                f"{shown(level, 30)}, which no node has"
            )
        )


def _next(rows: Iterator[tuple[int, int, Any]]) -> tuple[int, int, Any] | None:
    return next(rows, None)


def _cache_problem(report: VerifyReport, size: int, level: int, state: str) -> None:
    first = size - (1 << level)
    report.add(
        TreeCacheError(
            f"Merkle node cache: the level-{level} node over seq {first}–{size - 1} {state}",
            seq=size - 1 if size > 0 else None,
        )
    )
