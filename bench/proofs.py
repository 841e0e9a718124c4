"""Benchmark: proofs and checkpoints on a large ledger.

    python bench/proofs.py [--entries N] [--samples S] [--dir DIR] [--json]

1. Builds a ledger of N real signed `note` entries (short texts, by one person with a seeded
   key) with `append_batch`, 5,000 per transaction: the store's own append path, which
   also writes the Merkle node cache. Signs a checkpoint of it (verifying the whole ledger:
   the registrar has no record of an earlier checkpoint yet; the time is reported).
2. Inclusion proofs: S random seqs, each `checkpoints.prove_inclusion` (its own read
   transaction: checkpoint, O(log n) nodes, the entry) — p50 and p95; and the proof path alone
   (`merkle.inclusion_proof` over the node cache, one connection).
3. Consistency proofs: S random old sizes to the checkpoint — `checkpoints.prove_consistency`.
4. Appends 1,000 more entries and times `checkpoints.sign_checkpoint` (verifying the 1,000
   new entries from the registrar's record of the last checkpoint, the root recomputed from
   them, the Ed25519 signature, the insert, the new record); 5 rounds, the median.
5. The tree part of `ledger verify` (`checkpoints.verify_tree`: rebuild every node from the leaf
   hashes, compare the cache, check the checkpoints), against this machine's limit measured in
   the same run: the same Merkle root over the same leaf hashes already in memory.

Prints a table (or JSON); progress to stderr. The ledger goes to DIR/proofs-N.db (kept) or a
temporary directory (removed).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ledger import checkpoints, merkle, tree_verify
from ledger.append import Draft, append_batch
from ledger.store import tree as store_tree
from ledger.verify import VerifyReport

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 5_000


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def quantiles(seconds: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    return {"p50": percentile(seconds, 0.5) * 1000, "p95": percentile(seconds, 0.95) * 1000}


def build(directory: Path, entries: int) -> Any:
    sys.path.insert(0, str(ROOT))
    from tests.builders import new_ledger

    name = f"proofs-{entries}.db"
    for suffix in ("", "-wal", "-shm"):
        (directory / f"{name}{suffix}").unlink(missing_ok=True)
    ledger = new_ledger(directory, name=name)
    ledger.register("wang.fang", "王芳")
    done, start = ledger.store.count(), time.perf_counter()
    while done < entries:
        n = min(CHUNK, entries - done)
        drafts = [
            Draft("note", "meeting-1", {"text": f"第 {done + i} 条记录。"}, "wang.fang",
                          ledger.keys["wang.fang"])
            for i in range(n)
        ]  # fmt: skip
        append_batch(store=ledger.store, drafts=drafts, now=ledger.clock)
        done += n
        if done % 100_000 < CHUNK:
            rate = done / (time.perf_counter() - start)
            log(f"built {done:,} entries ({rate:,.0f}/s)")
    return ledger


def run(entries: int, samples: int, directory: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    ledger = build(directory, entries)
    store, registrar = ledger.store, ledger.keys["li.na"]
    size = store.count()
    build_s = time.perf_counter() - t0
    log(f"ledger of {size:,} entries in {build_s:.0f} s; signing a checkpoint")
    state = directory / "checkpoint-state"
    shutil.rmtree(state, ignore_errors=True)
    start = time.perf_counter()
    checkpoints.sign_checkpoint(store=store, keys=[registrar], state_dir=state)
    first_sign_s = time.perf_counter() - start
    rng = random.Random(713)

    inclusion, path_only, consistency = [], [], []
    for _ in range(samples):
        seq = rng.randrange(size)
        start = time.perf_counter()
        checkpoints.prove_inclusion(store=store, seq=seq)
        inclusion.append(time.perf_counter() - start)
    with store.reading() as conn:
        reader = store_tree.node_reader(conn)
        for _ in range(samples):
            seq = rng.randrange(size)
            start = time.perf_counter()
            merkle.inclusion_proof(seq, size, reader)
            path_only.append(time.perf_counter() - start)
    for _ in range(samples):
        old = rng.randrange(1, size)
        start = time.perf_counter()
        checkpoints.prove_consistency(store=store, old=old)
        consistency.append(time.perf_counter() - start)
    log("proof latencies measured; appending 1,000 more entries and signing, 5 rounds")

    signing, appending = [], []
    for round_ in range(5):
        drafts = [
            Draft("note", "meeting-2", {"text": f"补充 {round_}-{i}"}, "wang.fang",
                          ledger.keys["wang.fang"])
            for i in range(1_000)
        ]  # fmt: skip
        start = time.perf_counter()
        append_batch(store=store, drafts=drafts, now=ledger.clock)
        appending.append(time.perf_counter() - start)
        start = time.perf_counter()
        checkpoints.sign_checkpoint(store=store, keys=[registrar], state_dir=state)
        signing.append(time.perf_counter() - start)

    log("rebuilding the tree as verify does, and the in-memory limit")
    start = time.perf_counter()
    report = VerifyReport()
    tree = tree_verify.verify_tree(store=store, report=report)
    verify_s = time.perf_counter() - start
    assert report.ok, report.to_json()
    with store.reading() as conn:
        leaves = [leaf for _, leaf in store_tree.stream_leaves(conn)]
    start = time.perf_counter()
    root = merkle.root(leaves)
    raw_s = time.perf_counter() - start
    assert merkle.EMPTY_ROOT != root
    store.close()
    db = Path(ledger.db)
    ms = 1000.0
    return {
        "entries": tree.size,
        "samples": samples,
        "build_seconds": build_s,
        "db_bytes": db.stat().st_size,
        "inclusion_ms": quantiles(inclusion),
        "inclusion_path_ms": quantiles(path_only),
        "consistency_ms": quantiles(consistency),
        "append_1000_ms": statistics.median(appending) * ms,
        "first_sign_s": first_sign_s,
        "sign_after_1000_ms": statistics.median(signing) * ms,
        "sign_samples_ms": [s * ms for s in signing],
        "verify_tree_seconds": verify_s,
        "raw_root_seconds": raw_s,
        "verify_tree_ratio_to_raw": raw_s / verify_s,
        "nodes": tree.nodes,
        "machine": {
            "python": platform.python_version(),
            "sqlalchemy": version("SQLAlchemy"),
            "processor": platform.processor() or platform.machine(),
        },
    }  # fmt: skip


def table(r: dict[str, Any]) -> str:
    rows = [
        ("entries (real, signed)", f"{r['entries']:,}"),
        ("inclusion proof, service call (p50 / p95)",
         f"{r['inclusion_ms']['p50']:.2f} / {r['inclusion_ms']['p95']:.2f} ms"),
        ("inclusion path from the node cache (p50 / p95)",
         f"{r['inclusion_path_ms']['p50']:.2f} / {r['inclusion_path_ms']['p95']:.2f} ms"),
        ("consistency proof, service call (p50 / p95)",
         f"{r['consistency_ms']['p50']:.2f} / {r['consistency_ms']['p95']:.2f} ms"),
        ("append 1,000 entries (one transaction)", f"{r['append_1000_ms']:.0f} ms"),
        ("first checkpoint (verifies every entry)", f"{r['first_sign_s']:.1f} s"),
        ("sign a checkpoint after 1,000 more entries", f"{r['sign_after_1000_ms']:.1f} ms"),
        ("verify's tree rebuild + cache compare", f"{r['verify_tree_seconds']:.2f} s"),
        ("same root, leaf hashes in memory (limit)", f"{r['raw_root_seconds']:.2f} s"),
        ("ratio of the rebuild to the limit", f"{r['verify_tree_ratio_to_raw']:.2f}"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    own = args.dir is None
    directory = Path(tempfile.mkdtemp(prefix="bench-proofs-")) if own else args.dir
    directory.mkdir(parents=True, exist_ok=True)
    try:
        result = run(args.entries, args.samples, directory)
    finally:
        if own:
            shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
