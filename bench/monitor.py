"""Benchmark: the monitor following a published ledger, and the witness service's rate.

    python bench/monitor.py [--entries N] [--more M] [--requests R] [--dir DIR] [--json]

1. Builds a ledger of N signed notes (as bench/verify.py does), signs a checkpoint and
   publishes it (`ledger publish`); serves the directory on 127.0.0.1.
2. Measures this machine's raw limit in the same run: hash and Ed25519-check every entry, in
   memory, on all cores (bench/verify.py's `raw_parallel`).
3. Times `ledger.monitor.follow` from empty over HTTP (fetch, framing, every check of
   `ledger verify`, the tree): its rate against the raw limit.
4. Appends M entries, signs, publishes, and times the incremental run.
5. Starts `ledger witness serve` (a subprocess) following 8 ledgers and sends R
   add-checkpoint requests over keep-alive connections, one client thread per ledger, each
   request advancing its ledger by one entry: requests per second, each one checked (log
   signature, consistency proof), cosigned and its new state made durable before the answer
   (best of 3 runs, every sample in the JSON).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import verify as bench_verify  # noqa: E402
from ledger import checkpoints, merkle, monitor, publish, witness  # noqa: E402
from ledger.append import Draft, append_batch  # noqa: E402
from ledger.note import Checkpoint, VerifierKey, b64, ed25519_key, sign_note, signer  # noqa: E402
from ledger.store import open_store  # noqa: E402
from tests.builders import seeded_key  # noqa: E402
from tests.witness.servers import Static  # noqa: E402

PASS = "bench-pass"


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def sign_and_publish(db: str, out: Path) -> int:
    store = open_store(db)
    try:
        signed, _ = checkpoints.sign_checkpoint(store=store, keys=[seeded_key("li.na")])
        publish.publish(store=store, directory=out)
        return signed.checkpoint.size
    finally:
        store.close()


def append_more(db: str, count: int) -> None:
    import random

    rng = random.Random(7)
    store = open_store(db)
    people = list(bench_verify.PEOPLE)
    drafts = []
    for _ in range(count):
        person = rng.choice(people)
        body = {"text": bench_verify.note_text(rng)}
        drafts.append(Draft("note", "meeting-1", body, person, seeded_key(person)))
    append_batch(store=store, drafts=drafts, now=lambda: datetime.now(UTC))
    store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


LOGS = 8  # ledgers the benchmark witness follows, one client thread each


def _log_sequences(steps: int) -> tuple[list[VerifierKey], list[list[bytes]]]:
    """For each of LOGS ledgers: its key and `steps` add-checkpoint bodies, each advancing its
    tree by one leaf with the consistency proof from the size before (the tree is the same for
    every ledger; the origins and keys differ)."""
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(steps)]
    nodes: dict[tuple[int, int], bytes] = {(0, i): leaf for i, leaf in enumerate(leaves)}
    nodes.update(merkle.complete_nodes(leaves))
    roots = [merkle.root(leaves[:k]) for k in range(steps + 1)]

    def read(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return {node: nodes[node] for node in wanted}

    proofs = [merkle.consistency_proof(k - 1, k, read) if k > 1 else [] for k in range(steps + 1)]
    keys, sequences = [], []
    for j in range(LOGS):
        origin = f"bench.example/log{j}"
        key = seeded_key(origin)
        keys.append(ed25519_key(origin, key.public_key))
        bodies = []
        for k in range(1, steps + 1):
            note = sign_note(Checkpoint(origin, k, roots[k]).text(), [signer(origin, key)])
            lines = [f"old {k - 1}", *(b64(h) for h in proofs[k])]
            bodies.append(("\n".join(lines) + "\n\n").encode() + note.encode())
        sequences.append(bodies)
    return keys, sequences


def witness_rate(work: Path, requests: int) -> float:
    """Requests per second of `ledger witness serve`: LOGS client threads on keep-alive
    connections, each advancing its own ledger one checkpoint per request, so that every
    answer follows a durable change of the witness's state."""
    keys, sequences = _log_sequences(max(1, requests // LOGS))
    wdir = work / "witness"
    witness.init_witness(
        directory=wdir, name="bench.example/w", key=seeded_key("w"), passphrase=PASS,
        log_keys=keys,
    )  # fmt: skip
    port = free_port()
    env = dict(os.environ, LEDGER_PASSPHRASE=PASS)
    command = [*bench_verify.ledger_command(), "witness", "serve", "--dir", str(wdir)]
    server = subprocess.Popen(
        [*command, "--listen", f"127.0.0.1:{port}"], env=env, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until it listens (bounded)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the witness service did not start") from None
                time.sleep(0.05)
        failures: list[int] = []

        def client(bodies: list[bytes]) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for body in bodies:
                conn.request("POST", "/add-checkpoint", body=body)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
            conn.close()

        threads = [threading.Thread(target=client, args=(s,)) for s in sequences]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        if failures:
            raise SystemExit(f"{len(failures)} requests failed: {failures[:5]}")
        return sum(len(s) for s in sequences) / elapsed
    finally:
        server.terminate()
        server.wait(30)


def _post(port: int, body: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/add-checkpoint", body=body)
    status = conn.getresponse().status
    conn.close()
    return status


def run(entries: int, more: int, requests: int, work: Path) -> dict[str, Any]:
    times: dict[str, float] = {}
    db, count = bench_verify.build(work, entries, 0, times)
    www = work / "www"
    log("signing and publishing")
    sign_and_publish(db, www)
    bench_verify._RAW[:] = bench_verify.load_raw(db)
    workers = os.cpu_count() or 1
    raw = min(bench_verify.raw_parallel(workers) for _ in range(2))
    state = work / "monitor-state"
    vkey = checkpoints.current_log_keys(open_store(db))[0]
    with Static(www) as site:
        log("monitor from empty")
        start = time.perf_counter()
        first = monitor.follow(url=site.url, log_key=vkey, state_dir=state)
        catch_up = time.perf_counter() - start
        append_more(db, more)
        sign_and_publish(db, www)
        log("incremental monitor run")
        start = time.perf_counter()
        second = monitor.follow(url=site.url, log_key=vkey, state_dir=state)
        incremental = time.perf_counter() - start
    assert first.entries == count and second.entries == more
    log("witness service")
    samples = []
    for attempt in range(3):  # best of 3: a neighbour's burst spoils one sample, not the measure
        sample = work / f"w{attempt}"
        sample.mkdir()
        samples.append(witness_rate(sample, requests))
    rate = max(samples)
    return {
        "entries": count,
        "raw_limit_per_s": count / raw,
        "monitor_catch_up_s": catch_up,
        "monitor_per_s": count / catch_up,
        "monitor_vs_raw": raw / catch_up,
        "incremental_entries": more,
        "incremental_s": incremental,
        "witness_requests": requests,
        "witness_per_s": rate,
        "witness_samples_per_s": samples,
        "cores": workers,
    }


def table(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"entries                         {r['entries']:>10,}",
            f"raw limit (hash + Ed25519, {r['cores']} cores) {r['raw_limit_per_s']:>8,.0f} /s",
            f"monitor from empty              {r['monitor_catch_up_s']:>10.2f} s "
            f"({r['monitor_per_s']:,.0f} /s, {r['monitor_vs_raw']:.2f} x raw)",
            f"incremental, {r['incremental_entries']:,} new entries   {r['incremental_s']:>7.2f} s",
            f"witness add-checkpoint          {r['witness_per_s']:>10,.0f} /s",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--more", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--witness-only", action="store_true", help="Only step 5.")
    args = parser.parse_args(argv)
    if args.witness_only:
        with tempfile.TemporaryDirectory() as work:
            rate = witness_rate(Path(work), args.requests)
        print(f"witness add-checkpoint          {rate:>10,.0f} /s")  # noqa: T201
        return 0
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        result = run(args.entries, args.more, args.requests, args.dir)
    else:
        with tempfile.TemporaryDirectory() as work:
            result = run(args.entries, args.more, args.requests, Path(work))
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
