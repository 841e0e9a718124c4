"""Benchmark: export a large ledger for auditors, and verify the bundle, next to `ledger verify`.

Builds a ledger of N signed notes (as `bench/verify.py` does: 300–600 bytes of Chinese text
each, five people with real keys), signs a checkpoint, then measures, each in its own process so
that its peak resident memory is its own:

- the export of the bundle (the core `export_bundle`, as `ledger export bundle` runs it), as a
  directory and as a zip: time and peak RSS (target: under 200 MB at 100,000 entries: it streams);
- `ledger verify` on the database, and `ledger verify --bundle` on the zip (whole commands):
  time and peak RSS.

    .venv/bin/python bench/export.py                    # 100,000 entries, a few minutes
    .venv/bin/python bench/export.py --entries 20000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # bench.verify (the ledger builder), tests.builders (keys)

from bench.verify import build, ledger_command  # noqa: E402

_PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)

_EXPORT = """
import sys
from datetime import UTC, datetime
from pathlib import Path
sys.path.insert(0, {root!r})
from ledger.export.service import export_bundle
from tests.builders import seeded_key
from ledger.store import open_store
store = open_store({db!r})
export_bundle(store=store, out=Path({out!r}), exporter="wang.fang", key=seeded_key("wang.fang"),
              now=datetime.now(UTC))
store.close()
"""


def measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run `command` (through a small wrapper, so the peak is the command's own); return
    (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_WRAPPER, *command],
        env=env or dict(os.environ), capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command[:3]} failed (exit {result.returncode}): {result.stderr}")
    return elapsed, int(result.stdout.strip()) / 1024


def sign_checkpoint(db: str) -> int:
    from ledger import checkpoints
    from ledger.store import open_store
    from tests.builders import seeded_key

    store = open_store(db)
    try:
        signed, _ = checkpoints.sign_checkpoint(store=store, keys=[seeded_key("li.na")])
        return signed.checkpoint.size
    finally:
        store.close()


def run(entries: int, work: Path) -> dict[str, Any]:
    from ledger.checkpoints import current_log_keys
    from ledger.store import open_store

    times: dict[str, float] = {}
    db, count = build(work, entries, 0, times)
    size = sign_checkpoint(db)
    store = open_store(db)
    vkey = current_log_keys(store)[0].encode()
    store.close()
    env = dict(os.environ, LEDGER_DB=db)
    figures: dict[str, Any] = {"entries": count, "checkpoint_size": size}
    for form, out in (("directory", work / "bundle"), ("zip", work / "bundle.zip")):
        script = _EXPORT.format(root=str(ROOT), db=db, out=str(out))
        seconds, peak = measured([sys.executable, "-c", script])
        figures[f"export_{form}_s"], figures[f"export_{form}_peak_mib"] = seconds, peak
    figures["bundle_zip_mib"] = (work / "bundle.zip").stat().st_size / 2**20
    figures["entries_jsonl_mib"] = (
        work / "bundle/data/ledger/entries.jsonl"
    ).stat().st_size / 2**20
    seconds, peak = measured([*ledger_command(), "verify"], env)
    figures["verify_s"], figures["verify_peak_mib"] = seconds, peak
    seconds, peak = measured(
        [*ledger_command(), "verify", "--bundle", str(work / "bundle.zip"), "--trust", vkey]
    )
    figures["verify_bundle_s"], figures["verify_bundle_peak_mib"] = seconds, peak
    figures["export_to_verify"] = figures["export_directory_s"] / figures["verify_s"]
    figures["verify_bundle_to_verify"] = figures["verify_bundle_s"] / figures["verify_s"]
    figures["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
    return figures


def table(f: dict[str, Any]) -> str:
    rows = [
        ("export bundle, directory", f"{f['export_directory_s']:.1f} s",
         f"{f['export_directory_peak_mib']:.1f} MiB"),
        ("export bundle, zip", f"{f['export_zip_s']:.1f} s", f"{f['export_zip_peak_mib']:.1f} MiB"),
        ("`ledger verify` (database)", f"{f['verify_s']:.1f} s", f"{f['verify_peak_mib']:.1f} MiB"),
        ("`ledger verify --bundle` (zip)", f"{f['verify_bundle_s']:.1f} s",
         f"{f['verify_bundle_peak_mib']:.1f} MiB"),
    ]  # fmt: skip
    lines = [f"| measure ({f['entries']:,} entries) | time | peak RSS |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines.append(
        f"\nexport / verify: {f['export_to_verify']:.2f}; verify --bundle / verify: "
        f"{f['verify_bundle_to_verify']:.2f}; zip {f['bundle_zip_mib']:.1f} MiB, entries.jsonl "
        f"{f['entries_jsonl_mib']:.1f} MiB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=100_000, help="notes to append")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        figures = run(args.entries, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, indent=2) if args.json else table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
