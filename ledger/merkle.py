"""The RFC 6962 / RFC 9162 §2.1 Merkle tree over the entries' leaf hashes, its proofs and verifiers.

Pure functions: no I/O. A tree is addressed by *complete subtrees*: the node at `(level, index)`
is the hash of leaves `index·2^level … (index+1)·2^level − 1`; level 0 is the leaf hashes
themselves. Every hash a proof carries is the Merkle tree hash MTH of a range of leaves that is
either such a complete subtree or a range ending at the tree's size, which folds from a handful
of complete subtrees. So a proof is planned as ranges, the ranges as nodes, the nodes fetched in
one batch (from the store's node cache) and folded — O(log n) reads.

The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step. They compute, then compare,
and raise `ProofError`; they never return a boolean.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from ledger.entry import LEAF_PREFIX, NODE_PREFIX
from ledger.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256() (RFC 9162 §2.1.1)

Node = tuple[int, int]  # (level, index) of a complete subtree
Range = tuple[int, int]  # [start, end) of leaves


def hash_leaf(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data): the leaf hash (the same as the entries' `leaf_hash`)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right): an interior node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than `n` (n ≥ 2): where MTH splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def node_size(node: Node) -> int:
    """The tree size at which `node` becomes complete: one past its last leaf."""
    level, index = node
    return (index + 1) << level


# -- planning: which ranges a proof needs, which nodes a range needs -----------------------------


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees, left to right, whose right fold is MTH(D[start:end]).

    Valid for the ranges the RFC recursion produces: `start` is aligned to the largest power of
    two not above `end − start`.
    """
    nodes: list[Node] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"range [{start}, {end}) is not a subtree of the RFC 6962 tree")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, as leaf ranges, bottom-up."""
    _check_index(index, size)
    top_down: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index - lo < k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo += k
    return top_down[::-1]


def consistency_ranges(old: int, new: int) -> list[Range]:
    """PROOF(old, D[new]) of RFC 9162 §2.1.4.1, as leaf ranges, bottom-up (0 < old < new)."""
    if not 0 < old < new:
        raise ValueError(f"a consistency proof needs 0 < old < new, not {old} and {new}")
    top_down: list[Range] = []
    lo, hi, whole = 0, new, True
    while old != hi:
        k = split_point(hi - lo)
        if old - lo <= k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo += k
            whole = False
    if not whole:
        top_down.append((lo, hi))
    return top_down[::-1]


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    """Every node the ranges need."""
    return {node for start, end in ranges for node in range_nodes(start, end)}


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of complete-subtree hashes into the MTH of their union."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = hash_children(left, result)
    return result


def range_hash(start: int, end: int, nodes: Mapping[Node, bytes]) -> bytes:
    """MTH(D[start:end]) from fetched nodes."""
    return fold([nodes[node] for node in range_nodes(start, end)])


def root_nodes(size: int) -> list[Node]:
    """The nodes whose fold is the root of a tree of `size` leaves (none when empty)."""
    return range_nodes(0, size)


def root_from_nodes(size: int, nodes: Mapping[Node, bytes]) -> bytes:
    """The root of a tree of `size` leaves from fetched nodes."""
    return EMPTY_ROOT if size == 0 else range_hash(0, size, nodes)


NodeReader = Callable[[set[Node]], Mapping[Node, bytes]]


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[bytes]:
    """The inclusion proof of leaf `index` in the tree of `size` leaves."""
    ranges = inclusion_ranges(index, size)
    nodes = read(nodes_for(ranges))
    return [range_hash(start, end, nodes) for start, end in ranges]


def consistency_proof(old: int, new: int, read: NodeReader) -> list[bytes]:
    """The consistency proof from size `old` to size `new`; empty when old is 0 or equals new."""
    if old > new:
        raise ValueError(f"old size {old} is larger than new size {new}")
    if old == 0 or old == new:
        return []
    ranges = consistency_ranges(old, new)
    nodes = read(nodes_for(ranges))
    return [range_hash(start, end, nodes) for start, end in ranges]


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, computed in memory (for small trees and tests)."""
    stack = CompactRange()
    for leaf in leaves:
        stack.append(leaf)
    return stack.root()


class CompactRange:
    """The right border of a growing tree: O(log n) hashes that absorb leaves one by one.

    `append` returns the complete nodes each new leaf finishes, so a store can cache them; `root`
    is the tree hash of everything appended so far.
    """

    def __init__(self, size: int = 0, border: Sequence[bytes] = ()) -> None:
        """Resume a tree of `size` leaves from the hashes of `root_nodes(size)`, in order."""
        expected = root_nodes(size)
        if len(border) != len(expected):
            raise ValueError(f"a tree of size {size} has {len(expected)} border nodes")
        self.size = size
        self._stack: list[tuple[int, bytes]] = [
            (level, bytes(h)) for (level, _), h in zip(expected, border, strict=True)
        ]

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Add a leaf; return the complete nodes of level ≥ 1 it finishes, lowest first."""
        finished: list[tuple[Node, bytes]] = []
        level, current = 0, leaf
        self.size += 1
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            current = hash_children(left, current)
            level += 1
            finished.append(((level, (self.size >> level) - 1), current))
        self._stack.append((level, current))
        return finished

    def border(self) -> list[bytes]:
        """The hashes of `root_nodes(size)`, in order: what resumes this range."""
        return [h for _, h in self._stack]

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        return fold([h for _, h in self._stack])


def complete_nodes(leaves: Iterable[bytes]) -> Iterator[tuple[Node, bytes]]:
    """Every complete node of level ≥ 1, in the order they complete (by size, then level)."""
    tree = CompactRange()
    for leaf in leaves:
        yield from tree.append(leaf)


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ----------------------------------------------


def _show(value: bytes) -> str:
    """A hash in a message: the start of its base64, as checkpoints write roots."""
    return base64.b64encode(value).decode()[:16] + "…"


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not a {HASH_SIZE}-byte SHA-256 hash")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` implies for leaf hash `leaf` at `index` in a tree of `size`.

    Raises:
        ProofError: the index is outside the tree, a hash has the wrong length, or the proof
            has the wrong number of hashes.
    """
    # (1) leaf_index must be below tree_size
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not inside a tree of size {size}")
    _check_hash(leaf, "the leaf hash")
    for position, value in enumerate(proof):
        _check_hash(value, f"proof hash {position}")
    # (2) fn = leaf_index, sn = tree_size - 1;  (3) r = hash
    fn, sn, r = index, size - 1, leaf
    # (4) chain each proof hash
    for value in proof:
        if sn == 0:  # (4a) more hashes than the path has levels
            raise ProofError(f"the proof has too many hashes ({len(proof)})")
        if fn & 1 or fn == sn:  # (4b)
            r = hash_children(value, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, value)
        fn >>= 1  # (4c)
        sn >>= 1
    # (5) sn must have reached 0: no hash missing
    if sn != 0:
        raise ProofError(f"the proof has too few hashes ({len(proof)})")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that `leaf` is at `index` in the tree of `size` leaves whose root is `root_hash`.

    Raises:
        ProofError: naming the expected and the calculated root.
    """
    _check_hash(root_hash, "the root")
    calculated = root_from_inclusion_proof(index, size, leaf, proof)
    if calculated != root_hash:
        raise ProofError(
            f"inclusion proof for index {index} in size {size} gives root "
            f"{_show(calculated)}, not {_show(root_hash)}",
            expected=root_hash,
            calculated=calculated,
        )


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of `new` leaves with `new_root` extends the one of `old` with `old_root`.

    Equal sizes (0 included) need an empty proof and equal roots. Consistency from size 0 to a
    larger size is refused, as by
    transparency-dev/merkle: the empty tree is a prefix of every tree, so no proof can say
    anything; a caller that accepts a first checkpoint on trust must branch before calling.

    Raises:
        ProofError: naming what does not hold.
    """
    if old > new:
        raise ProofError(f"old size {old} is larger than new size {new}: that is not growth")
    if old == new:
        if proof:
            raise ProofError(f"sizes are equal ({old}) but the proof is not empty")
        if old_root != new_root:
            raise ProofError(
                f"sizes are equal ({old}) but the roots differ: a fork",
                expected=old_root,
                calculated=new_root,
            )
        return
    if old == 0:
        raise ProofError("a consistency proof from size 0 proves nothing (every tree extends it)")
    _check_hash(old_root, "the old root")
    _check_hash(new_root, "the new root")
    for position, value in enumerate(proof):
        _check_hash(value, f"proof hash {position}")
    # (1) a non-trivial proof is never empty
    if not proof:
        raise ProofError(f"the proof from size {old} to {new} is empty")
    path = list(proof)
    # (2) if first is an exact power of 2, prepend first_hash
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    # (3) fn = first - 1, sn = second - 1
    fn, sn = old - 1, new - 1
    # (4) skip the levels where the old tree's last leaf is a right child
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # (5) fr = sr = the first hash
    fr = sr = path[0]
    # (6) chain the rest
    for value in path[1:]:
        if sn == 0:  # (6a)
            raise ProofError(f"the proof has too many hashes ({len(proof)})")
        if fn & 1 or fn == sn:  # (6b)
            fr = hash_children(value, fr)
            sr = hash_children(value, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, value)
        fn >>= 1  # (6c)
        sn >>= 1
    # (7) fr = first_hash, sr = second_hash, sn = 0
    if sn != 0:
        raise ProofError(f"the proof has too few hashes ({len(proof)})")
    if fr != old_root:
        raise ProofError(
            f"the proof does not lead to the old root at size {old} "
            f"({_show(fr)}, not {_show(old_root)})",
            expected=old_root,
            calculated=fr,
        )
    if sr != new_root:
        raise ProofError(
            f"the proof does not lead to the new root at size {new} "
            f"({_show(sr)}, not {_show(new_root)})",
            expected=new_root,
            calculated=sr,
        )
