"""Benchmark: how long the command line takes to start, answer and exit, on the demo ledger.

    python bench/cli.py [--runs N] [--dir DIR] [--json]

Builds the demo ledger (seeded keys) in DIR (a temporary directory by default), then runs each
command below N times (default 10) as a new process, exactly as a user's shell would run the
installed `ledger` script, and reports the median and the slowest wall time of each, beside
`python -c pass` (the interpreter's own start-up on this machine) and `python -c "import
sqlalchemy, sqlmodel, pydantic, typer"` (the third-party libraries every command that opens a
ledger loads, so the floor such a command cannot go below). Runs are interleaved (one of each
command, then the next round), so a neighbour's burst on a shared machine spoils one sample of
each rather than every sample of one. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ledger.app import demo

LIBRARIES = "import sqlalchemy, sqlmodel, pydantic, typer"


def commands(ledger: str, db: str) -> dict[str, list[str]]:
    """The name shown for each measured command, and its argv."""
    python = sys.executable
    return {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import the libraries'": [python, "-c", LIBRARIES],
        "ledger --help": [ledger, "--help"],
        "ledger log --limit 20": [ledger, "--db", db, "log", "--limit", "20"],
        "ledger decisions": [ledger, "--db", db, "decisions"],
        "ledger show decision d2020-02": [ledger, "--db", db, "show", "decision", "d2020-02"],
        "ledger check d2020-02": [ledger, "--db", db, "check", "d2020-02"],
        "ledger trace decision d2020-01": [ledger, "--db", db, "trace", "decision", "d2020-01"],
        "ledger verify": [ledger, "--db", db, "verify"],
    }


def run_once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(runs: int, directory: Path) -> dict[str, Any]:
    built = demo.build(directory / "demo", seed=b"bench/cli")
    ledger = shutil.which("ledger", path=str(Path(sys.executable).parent))
    if ledger is None:
        raise SystemExit("the installed `ledger` script was not found beside this Python")
    env_db = str(built.db)
    argvs = commands(ledger, env_db)
    samples: dict[str, list[float]] = {name: [] for name in argvs}
    for argv in argvs.values():
        run_once(argv)  # warm the page cache and the bytecode caches
    for round_ in range(runs):
        print(f"[bench] round {round_ + 1}/{runs}", file=sys.stderr, flush=True)
        for name, argv in argvs.items():
            samples[name].append(run_once(argv))
    return {
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": runs,
        "commands": {
            name: {
                "median_s": statistics.median(times),
                "max_s": max(times),
                "samples_s": times,
            }
            for name, times in samples.items()
        },
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"median and slowest of {result['runs']} runs, whole process, "
        f"{result['machine']['cpu_count']} CPUs, Python {result['machine']['python']}",
        "",
        f"{'command':<36} {'median':>8} {'slowest':>8}",
    ]
    for name, figures in result["commands"].items():
        lines.append(f"{name:<36} {figures['median_s']:>7.3f}s {figures['max_s']:>7.3f}s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        result = measure(args.runs, args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="ledger-bench-cli-") as tmp:
            result = measure(args.runs, Path(tmp))
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
