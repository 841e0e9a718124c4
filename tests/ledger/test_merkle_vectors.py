"""transparency-dev/merkle's published test data, byte for byte: the RFC 6962 roots and node
hashes, and the inclusion and consistency probes (happy paths verify, every must-fail probe
fails). Sources and commits: tests/vectors/merkle/SOURCES.md."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ledger import merkle
from ledger.errors import ProofError

VECTORS = Path(__file__).parents[1] / "vectors" / "merkle"
RFC6962: dict[str, Any] = json.loads((VECTORS / "rfc6962.json").read_text())
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))


def b(value: str) -> bytes:
    return base64.b64decode(value)


def ident(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def test_the_data_is_there() -> None:
    assert len(INCLUSION) >= 40 and len(CONSISTENCY) >= 30
    assert sum(json.loads(p.read_text())["wantErr"] for p in INCLUSION + CONSISTENCY) >= 60


def test_rfc6962_roots_and_nodes() -> None:
    leaves = [merkle.hash_leaf(bytes.fromhex(x)) for x in RFC6962["leaf_inputs"]]
    for size, expected in enumerate(RFC6962["root_hashes"]):
        assert merkle.root(leaves[:size]).hex() == expected
    nodes = {(0, i): h for i, h in enumerate(leaves)} | dict(merkle.complete_nodes(leaves))
    for level, row in enumerate(RFC6962["node_hashes"]):
        for index, expected in enumerate(row):
            assert nodes[(level, index)].hex() == expected


def test_our_proofs_equal_the_published_happy_paths() -> None:
    leaves = [merkle.hash_leaf(bytes.fromhex(x)) for x in RFC6962["leaf_inputs"]]
    nodes = {(0, i): h for i, h in enumerate(leaves)} | dict(merkle.complete_nodes(leaves))

    def read(wanted: set[merkle.Node]) -> dict[merkle.Node, bytes]:
        return {n: nodes[n] for n in wanted}

    for path in INCLUSION + CONSISTENCY:
        probe = json.loads(path.read_text())
        if probe["wantErr"] or "single-entry" in str(path) or "additional" in str(path):
            continue
        proof = [b(h) for h in probe["proof"] or []]
        if "leafHash" in probe:
            index = probe.get("leafIdx", probe.get("leafIndex"))
            assert merkle.inclusion_proof(index, probe["treeSize"], read) == proof, path
        else:
            made = merkle.consistency_proof(probe["size1"], probe["size2"], read)
            assert made == proof, path


@pytest.mark.parametrize("path", INCLUSION, ids=ident)
def test_inclusion_probe(path: Path) -> None:
    probe = json.loads(path.read_text())
    index = probe.get("leafIdx", probe.get("leafIndex"))
    args = (index, probe["treeSize"], b(probe["leafHash"]), [b(h) for h in probe["proof"] or []])
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*args, b(probe["root"]))
    else:
        merkle.verify_inclusion(*args, b(probe["root"]))


@pytest.mark.parametrize("path", CONSISTENCY, ids=ident)
def test_consistency_probe(path: Path) -> None:
    probe = json.loads(path.read_text())
    args = (probe["size1"], probe["size2"], b(probe["root1"]), b(probe["root2"]))
    proof = [b(h) for h in probe["proof"] or []]
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args, proof)
    else:
        merkle.verify_consistency(*args, proof)
