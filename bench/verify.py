"""Benchmark: append and verify rates of a real ledger, against this machine's raw limit.

    python bench/verify.py [--entries N] [--appends M] [--repeat R] [--dir DIR] [--json]

1. Builds a ledger of N signed `note` entries (300-600 bytes of Chinese text each) by a
   registrar and four people with seeded keys, with `append_batch` in chunks: the bulk
   import rate (one durable transaction per chunk).
2. Appends M more entries with `service.append_entry`, one durable transaction each: the
   single-writer append rate.
3. Times the real `ledger verify` command on that database (a subprocess, LEDGER_DB set), and
   `verify_ledger` in-process.
4. Measures the raw limit of this machine in the same run: with every (statement, signature,
   public key) already in memory, SHA-256(0x00 ‖ statement) and the Ed25519 check of
   "decision-ledger/entry/v1\\n" ‖ leaf hash, on one core and on all cores (fork workers).

Steps 3 and 4 are interleaved and repeated R times (default 3) and the best time of each is
reported, with every sample in the JSON: on a shared virtual machine a neighbour's burst then
spoils one sample, not one measure. Prints a table (or JSON with --json); progress goes to
stderr. The ledger is written to DIR/bench-N.db (replaced if present) and kept; without --dir
a temporary directory is used and removed afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from keys import verify_many
from ledger.append import Draft, append_batch, append_entry
from ledger.entry import LEAF_PREFIX, SIGNING_CONTEXT
from ledger.store import open_store
from ledger.verification import verify_ledger

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ENTRIES = 20_000
DEFAULT_APPENDS = 2_000
CHUNK = 5_000
PEOPLE = {"wang.fang": "王芳", "zhao.lei": "赵磊", "chen.jie": "陈杰", "liu.yang": "刘洋"}
SEED = 713

# Raw check: (statement bytes, signature, public key), inherited by forked workers.
_RAW: list[tuple[bytes, bytes, bytes]] = []

_PHRASES = (
    "经局务会议研究决定，",
    "对本区义务教育学校布局调整方案进行了审议，",
    "与会人员一致认为",
    "应当严格按照重大行政决策程序的规定执行，",
    "公众参与、专家论证、风险评估、合法性审查和集体讨论决定缺一不可。",
    "法律顾问对方案的合法性出具了书面意见，",
    "财政部门说明了资金来源和预算安排，",
    "涉及金额共计三百二十万元，",
    "分三年列入部门预算。",
    "会议要求相关科室在十个工作日内完成公示，",
    "并将公众意见及采纳情况向社会公开。",
    "纪检监察组列席会议并对决策过程进行了监督。",
    "会议记录由办公室整理归档，",
    "所附材料已上传至档案系统。",
    "如有不同意见，应当如实记录在案。",
    "本决定自公布之日起施行。",
)


def note_text(rng: random.Random) -> str:
    """Realistic meeting-minute text of 300-600 UTF-8 bytes."""
    target = rng.randint(300, 600)
    parts: list[str] = []
    size = 0
    while True:
        phrase = rng.choice(_PHRASES)
        if size + len(phrase.encode()) > target:
            break
        parts.append(phrase)
        size += len(phrase.encode())
    filler = (target - size) // 3
    return "".join(parts) + "。" * max(filler, 0)


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


@contextmanager
def timer(into: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    into[name] = into.get(name, 0.0) + time.perf_counter() - start


# -- building ---------------------------------------------------------------------------------


def build(db_dir: Path, entries: int, appends: int, times: dict[str, float]) -> tuple[str, int]:
    """Build the ledger; return its path and its number of entries."""
    from tests.builders import new_ledger

    name = f"bench-{entries}.db"
    for suffix in ("", "-wal", "-shm"):
        (db_dir / f"{name}{suffix}").unlink(missing_ok=True)
    ledger = new_ledger(db_dir, name=name)
    for person, full_name in PEOPLE.items():
        ledger.register(person, full_name)
    store = ledger.store
    signers = [(person, ledger.keys[person]) for person in PEOPLE]
    rng = random.Random(SEED)

    def drafts(count: int) -> list[Draft]:
        result = []
        for _ in range(count):
            person, key = rng.choice(signers)
            subject = f"meeting-{rng.randint(1, 200)}"
            result.append(Draft("note", subject, {"text": note_text(rng)}, person, key))
        return result

    def clock() -> datetime:
        return datetime.now(UTC)

    done = 0
    while done < entries:
        chunk = drafts(min(CHUNK, entries - done))
        with timer(times, "bulk"):
            append_batch(store=store, drafts=chunk, now=clock)
        done += len(chunk)
        log(f"bulk import: {done}/{entries} entries")

    singles = drafts(appends)
    with timer(times, "single"):
        for draft in singles:
            append_entry(store=store, draft=draft, now=clock())
    log(f"single appends: {appends}")
    count = store.count()
    store.close()
    return ledger.db, count


def tiny_ledger(db_dir: Path) -> str:
    """A ledger holding only its genesis entry."""
    from tests.builders import new_ledger

    name = "bench-genesis.db"
    for suffix in ("", "-wal", "-shm"):
        (db_dir / f"{name}{suffix}").unlink(missing_ok=True)
    ledger = new_ledger(db_dir, name=name)
    ledger.store.close()
    return ledger.db


# -- verifying --------------------------------------------------------------------------------


def ledger_command() -> list[str]:
    beside = Path(sys.executable).with_name("ledger")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ledger")
    if found is None:
        raise SystemExit("the `ledger` command is not installed (pip install -e .)")
    return [found]


def time_cli(db: str, args: list[str]) -> tuple[float, int, str]:
    """Run `ledger ARGS` on `db`; return (seconds, exit code, stdout)."""
    env = dict(os.environ, LEDGER_DB=db)
    start = time.perf_counter()
    result = subprocess.run(
        [*ledger_command(), *args], env=env, capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, result.returncode, result.stdout


def verify_cli(db: str, entries: int) -> float:
    elapsed, code, out = time_cli(db, ["verify", "--json"])
    report = json.loads(out) if out else {}
    if code != 0 or not report.get("ok") or report.get("entries") != entries:
        raise SystemExit(f"ledger verify failed (exit {code}): {out}")
    return elapsed


# Linux keeps a process's peak RSS across exec, so a command started straight from this (large)
# process would inherit our peak. A small intermediate process starts it instead and reports the
# largest peak among its descendants: `ledger verify` and its workers.
_PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def verify_peak_rss(db: str) -> float:
    """Peak resident memory of `ledger verify` on `db`, in MiB."""
    env = dict(os.environ, LEDGER_DB=db)
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_WRAPPER, *ledger_command(), "verify"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"ledger verify failed (exit {result.returncode})")
    return int(result.stdout.strip()) / 1024


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def verify_in_process(db: str, entries: int) -> tuple[float, float, float]:
    """Time `verify_ledger`; return wall seconds and the CPU seconds spent by this
    process and by its (reaped) worker processes."""
    store = open_store(db)
    main, workers = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    report = verify_ledger(store=store)
    elapsed = time.perf_counter() - start
    main, workers = _cpu(resource.RUSAGE_SELF) - main, _cpu(resource.RUSAGE_CHILDREN) - workers
    store.close()
    if not report.ok or report.entries != entries:
        raise SystemExit(f"verify_ledger failed: {report.to_json()}")
    return elapsed, main, workers


# -- the raw limit ----------------------------------------------------------------------------


def load_raw(db: str) -> list[tuple[bytes, bytes, bytes]]:
    """Every entry's (statement, signature, public key), read into memory."""
    store = open_store(db)
    public = {kid: record.public_key for kid, record in store.directory().keys.items()}
    raw = [(row.statement, row.signature, public[row.key_id]) for row in store.rows()]
    store.close()
    return raw


def raw_check(start: int, stop: int) -> int:
    """Hash and verify `_RAW[start:stop]`; return the number of failures."""
    batch = []
    for statement, signature, public in _RAW[start:stop]:
        leaf = hashlib.sha256(LEAF_PREFIX + statement).digest()
        batch.append((public, SIGNING_CONTEXT + leaf, signature))
    return len(verify_many(batch))


def _ready(_: int) -> int:
    return os.getpid()


def raw_parallel(workers: int) -> float:
    """Time `raw_check` over `_RAW` in `workers` forked processes (started beforehand)."""
    # Chunks of at most 2048 (as `ledger verify` sends), at least 16 per worker for balance.
    chunk = max(1, min(2048, len(_RAW) // (16 * workers)))
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        list(pool.map(_ready, range(workers)))  # fork the workers before the clock starts
        start = time.perf_counter()
        ranges = [(i, min(i + chunk, len(_RAW))) for i in range(0, len(_RAW), chunk)]
        failed = sum(pool.map(raw_check, *zip(*ranges, strict=True)))
        elapsed = time.perf_counter() - start
    if failed:
        raise SystemExit(f"raw check: {failed} signatures failed")
    return elapsed


def raw_single() -> float:
    start = time.perf_counter()
    failed = raw_check(0, len(_RAW))
    elapsed = time.perf_counter() - start
    if failed:
        raise SystemExit(f"raw check: {failed} signatures failed")
    return elapsed


# -- reporting --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    return {
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "cryptography": version("cryptography"),
        "sqlalchemy": version("sqlalchemy"),
    }


def run(entries: int, appends: int, db_dir: Path, repeat: int) -> dict[str, Any]:
    times: dict[str, float] = {}
    log(f"building a ledger of {entries} entries in {db_dir}")
    db, total = build(db_dir, entries, appends, times)
    size = sum(
        path.stat().st_size for path in Path(db).parent.glob(Path(db).name + "*") if path.is_file()
    )
    genesis_only = tiny_ledger(db_dir)
    workers = os.cpu_count() or 1

    # The measures are interleaved and repeated, and the best of each is kept: on a shared
    # virtual machine a neighbour's burst then slows one sample, not one measure.
    samples: dict[str, list[float]] = {
        name: [] for name in ("startup", "cli", "in_process", "raw_all", "raw_one")
    }
    cpu: list[tuple[float, float]] = []
    for round_ in range(1, repeat + 1):
        log(f"round {round_}/{repeat}: ledger verify (genesis only, then {total} entries)")
        samples["startup"].append(verify_cli(genesis_only, 1))
        samples["cli"].append(verify_cli(db, total))
        log(f"round {round_}/{repeat}: verify_ledger")
        elapsed, main_cpu, workers_cpu = verify_in_process(db, total)
        samples["in_process"].append(elapsed)
        cpu.append((main_cpu, workers_cpu))
        log(f"round {round_}/{repeat}: raw limit (loading, then {workers} workers, then 1)")
        _RAW[:] = load_raw(db)
        samples["raw_all"].append(raw_parallel(workers))
        samples["raw_one"].append(raw_single())
        _RAW.clear()

    log("peak memory of ledger verify")
    peak = verify_peak_rss(db)

    def measure(name: str, count: int | None = None) -> dict[str, Any]:
        best = min(samples[name])
        result: dict[str, Any] = {"seconds": round(best, 3)}
        if count is not None:
            result["per_s"] = round(count / best, 1)
        result["samples"] = [round(x, 3) for x in samples[name]]
        return result

    raw_best = min(samples["raw_all"])
    main_cpu, workers_cpu = min(cpu)
    return {
        "machine": machine(),
        "repeat": repeat,
        "ledger": {"db": db, "entries": total, "bytes": size},
        "bulk_import": {
            "entries": entries,
            "seconds": round(times["bulk"], 3),
            "per_s": round(entries / times["bulk"], 1),
            "chunk": CHUNK,
        },
        "single_append": {
            "entries": appends,
            "seconds": round(times["single"], 3),
            "per_s": round(appends / times["single"], 1),
        },
        "cli_startup": measure("startup"),
        "verify_cli": {
            **measure("cli", total),
            "ratio_to_raw": round(raw_best / min(samples["cli"]), 3),
            "peak_rss_mib": round(peak, 1),
        },
        "verify_in_process": {
            **measure("in_process", total),
            "ratio_to_raw": round(raw_best / min(samples["in_process"]), 3),
            "main_cpu_us_per_entry": round(main_cpu / total * 1e6, 1),
            "workers_cpu_us_per_entry": round(workers_cpu / total * 1e6, 1),
        },
        "raw_all_cores": {"workers": workers, **measure("raw_all", total)},
        "raw_one_core": measure("raw_one", total),
    }


def table(figures: dict[str, Any]) -> str:
    m = figures["machine"]
    rows: list[tuple[str, str, str, str]] = []

    def add(name: str, key: str, note: str = "") -> None:
        item = figures[key]
        per_s = f"{item['per_s']:>12,.0f}" if "per_s" in item else ""
        rows.append((name, f"{item['seconds']:.3f}", per_s, note))

    ratio = figures["verify_cli"]["ratio_to_raw"]
    add("bulk import (append_batch)", "bulk_import", f"chunks of {CHUNK}, durable")
    add("single append (append_entry)", "single_append", "1 durable transaction each")
    add("ledger verify, genesis only", "cli_startup", "the command's fixed cost")
    peak = figures["verify_cli"]["peak_rss_mib"]
    add(
        "ledger verify (subprocess)",
        "verify_cli",
        f"verify/raw = {ratio:.2f} (target ≥ 0.75); peak RSS {peak} MiB",
    )
    item = figures["verify_in_process"]
    add(
        "verify_ledger",
        "verify_in_process",
        f"verify/raw = {item['ratio_to_raw']:.2f}; CPU/entry: main "
        f"{item['main_cpu_us_per_entry']} µs, workers {item['workers_cpu_us_per_entry']} µs",
    )
    add(
        f"raw, {figures['raw_all_cores']['workers']} cores",
        "raw_all_cores",
        "sha256 + ed25519, data in memory",
    )
    add("raw, 1 core", "raw_one_core", f"{1e6 / figures['raw_one_core']['per_s']:.1f} µs/entry")
    lines = [
        f"machine: {m['cpu_count']} CPUs ({m['cpu_model']}), Python {m['python']}, "
        f"SQLite {m['sqlite']}, cryptography {m['cryptography']}, {m['platform']}",
        f"ledger: {figures['ledger']['entries']:,} entries, "
        f"{figures['ledger']['bytes'] / 1e6:.1f} MB, {figures['ledger']['db']}",
        f"verify and raw figures: best of {figures['repeat']} interleaved rounds",
        "",
        f"{'measure':<32}{'seconds':>10}{'entries/s':>14}  note",
    ]
    lines += [
        f"{name:<32}{secs:>10}{per_s:>14}  {note}".rstrip() for name, secs, per_s, note in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=DEFAULT_ENTRIES, help="bulk entries")
    parser.add_argument(
        "--appends", type=int, default=DEFAULT_APPENDS, help="single-transaction appends"
    )
    parser.add_argument("--dir", type=Path, help="where to write the ledger (kept)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of the verify and raw measures (best kept)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # tests.builders: registrar, people, seeded keys

    with ExitStack() as stack:
        if args.dir is None:
            temp = stack.enter_context(tempfile.TemporaryDirectory(prefix="ledger-bench-"))
            db_dir = Path(temp)
        else:
            db_dir = args.dir
            db_dir.mkdir(parents=True, exist_ok=True)
        figures = run(args.entries, args.appends, db_dir.resolve(), max(1, args.repeat))
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
