"""The Merkle tree: roots, proofs and verifiers against the RFC's recursive definitions, and
properties over random sizes up to a few thousand leaves."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle
from ledger.errors import ProofError
from tests.ledger import reference_merkle as ref


def leaves(n: int, salt: str = "") -> list[bytes]:
    return [merkle.hash_leaf(f"{salt}entry {i}".encode()) for i in range(n)]


class MemoryTree:
    """All nodes of a tree held in memory, served like the store's node cache."""

    def __init__(self, hashes: list[bytes]) -> None:
        self.nodes: dict[merkle.Node, bytes] = {(0, i): h for i, h in enumerate(hashes)}
        self.nodes.update(merkle.complete_nodes(hashes))
        self.size = len(hashes)
        self.reads = 0

    def read(self, wanted: set[merkle.Node]) -> Mapping[merkle.Node, bytes]:
        self.reads += len(wanted)
        return {node: self.nodes[node] for node in wanted}

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        return merkle.root_from_nodes(size, self.read(set(merkle.root_nodes(size))))


def flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8 % len(value)] ^= 1 << (bit % 8)
    return bytes(changed)


def test_empty_and_single_roots() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    one = merkle.hash_leaf(b"x")
    assert merkle.root([one]) == one


@pytest.mark.parametrize("n", range(0, 70))
def test_roots_and_proofs_match_the_rfc_definitions(n: int) -> None:
    hashes = leaves(n)
    tree = MemoryTree(hashes)
    assert merkle.root(hashes) == ref.mth(hashes) == tree.root()
    for m in range(n):
        assert merkle.inclusion_proof(m, n, tree.read) == ref.path(m, hashes)
        assert tree.root(m + 1) == ref.mth(hashes[: m + 1])
    for m in range(1, n):
        assert merkle.consistency_proof(m, n, tree.read) == ref.proof(m, hashes)


def test_compact_range_resumes_from_a_border() -> None:
    hashes = leaves(300)
    tree = MemoryTree(hashes)
    for start in (0, 1, 2, 3, 7, 64, 100, 255, 256, 257):
        border = [tree.nodes[node] for node in merkle.root_nodes(start)]
        resumed = merkle.CompactRange(start, border)
        finished = []
        for leaf in hashes[start:]:
            finished += resumed.append(leaf)
        assert resumed.root() == ref.mth(hashes)
        expected = [(node, h) for node, h in merkle.complete_nodes(hashes)]
        assert finished == [(node, h) for node, h in expected if merkle.node_size(node) > start]


def test_proof_reads_are_logarithmic() -> None:
    hashes = leaves(4099)
    tree = MemoryTree(hashes)
    tree.reads = 0
    merkle.inclusion_proof(1234, 4099, tree.read)
    assert tree.reads <= 2 * 13
    tree.reads = 0
    merkle.consistency_proof(1234, 4099, tree.read)
    assert tree.reads <= 2 * 13


SIZES = st.integers(min_value=1, max_value=3000)


@st.composite
def inclusion_case(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(SIZES)
    return draw(st.integers(min_value=0, max_value=size - 1)), size


@settings(max_examples=60, deadline=None)
@given(inclusion_case(), st.data())
def test_every_inclusion_proof_verifies_and_any_bit_flip_fails(
    case: tuple[int, int], data: st.DataObject
) -> None:
    index, size = case
    hashes = leaves(size, salt=str(size))
    tree = MemoryTree(hashes)
    proof = merkle.inclusion_proof(index, size, tree.read)
    root = tree.root()
    merkle.verify_inclusion(index, size, hashes[index], proof, root)
    # every hash of the proof, one bit at a time (a sample of bits per hash)
    for position in range(len(proof)):
        bit = data.draw(st.integers(0, 255), label=f"bit of proof[{position}]")
        bad = list(proof)
        bad[position] = flip(bad[position], bit)
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index, size, hashes[index], bad, root)
    bit = data.draw(st.integers(0, 255), label="bit of root")
    with pytest.raises(ProofError):
        merkle.verify_inclusion(index, size, hashes[index], proof, flip(root, bit))
    with pytest.raises(ProofError):
        merkle.verify_inclusion(index, size, flip(hashes[index], bit), proof, root)
    for bit in range(max(size.bit_length(), 1) + 1):
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index ^ (1 << bit), size, hashes[index], proof, root)


@st.composite
def consistency_case(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(SIZES)
    return draw(st.integers(min_value=1, max_value=new)), new


@settings(max_examples=60, deadline=None)
@given(consistency_case(), st.data())
def test_every_consistency_proof_verifies_and_any_bit_flip_fails(
    case: tuple[int, int], data: st.DataObject
) -> None:
    old, new = case
    hashes = leaves(new, salt=f"c{new}")
    tree = MemoryTree(hashes)
    proof = merkle.consistency_proof(old, new, tree.read)
    old_root, new_root = tree.root(old), tree.root(new)
    merkle.verify_consistency(old, new, old_root, new_root, proof)
    for position in range(len(proof)):
        bit = data.draw(st.integers(0, 255), label=f"bit of proof[{position}]")
        bad = list(proof)
        bad[position] = flip(bad[position], bit)
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, old_root, new_root, bad)
    bit = data.draw(st.integers(0, 255), label="bit of a root")
    with pytest.raises(ProofError):
        merkle.verify_consistency(old, new, flip(old_root, bit), new_root, proof)
    with pytest.raises(ProofError):
        merkle.verify_consistency(old, new, old_root, flip(new_root, bit), proof)
    # The old size is bound by the proof's shape and the old root; a changed old size fails.
    for bit in range(new.bit_length() + 1):
        changed = old ^ (1 << bit)
        if changed == old:
            continue
        with pytest.raises(ProofError):
            merkle.verify_consistency(changed, new, old_root, new_root, proof)


def test_merkle_verifiers_do_not_bind_the_tree_size_alone() -> None:
    """RFC 9162 verifiers take the size for granted: index 0 of 5 leaves verifies as if the
    tree had 7. This is why every proof is checked against a signed checkpoint, where the size
    and root are signed together (see test_checkpoints: a changed size breaks the signature)."""
    hashes = leaves(5)
    tree = MemoryTree(hashes)
    proof = merkle.inclusion_proof(0, 5, tree.read)
    merkle.verify_inclusion(0, 7, hashes[0], proof, tree.root())


def test_consistency_edge_cases() -> None:
    hashes = leaves(8)
    tree = MemoryTree(hashes)
    r3, r8 = tree.root(3), tree.root(8)
    merkle.verify_consistency(3, 3, r3, r3, [])
    with pytest.raises(ProofError, match="roots differ: a fork"):
        merkle.verify_consistency(3, 3, r3, r8, [])
    with pytest.raises(ProofError, match="not empty"):
        merkle.verify_consistency(3, 3, r3, r3, [r3])
    with pytest.raises(ProofError, match="from size 0 proves nothing"):
        merkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, r8, [])
    with pytest.raises(ProofError, match="larger than new size"):
        merkle.verify_consistency(8, 3, r8, r3, [])
    with pytest.raises(ProofError, match="is empty"):
        merkle.verify_consistency(3, 8, r3, r8, [])
    assert merkle.consistency_proof(0, 8, tree.read) == []
    assert merkle.consistency_proof(8, 8, tree.read) == []


def test_inclusion_edge_cases() -> None:
    one = merkle.hash_leaf(b"data")
    merkle.verify_inclusion(0, 1, one, [], one)
    with pytest.raises(ProofError, match="not inside"):
        merkle.verify_inclusion(1, 1, one, [], one)
    with pytest.raises(ProofError, match="not inside"):
        merkle.verify_inclusion(0, 0, one, [], merkle.EMPTY_ROOT)
    with pytest.raises(ProofError, match="too many"):
        merkle.verify_inclusion(0, 1, one, [one], one)
    with pytest.raises(ProofError, match="not a 32-byte"):
        merkle.verify_inclusion(0, 1, b"short", [], one)
