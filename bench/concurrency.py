"""Benchmark: appends by 1, 4 and 8 writer processes at once, on SQLite and on PostgreSQL, and
verify on PostgreSQL, each against what the database itself can do on this machine.

    .ci/with-postgres .venv/bin/python bench/concurrency.py [--per-writer N] [--writers 1,4,8]
        [--verify-entries N] [--repeat R] [--json]

PostgreSQL is the server that LEDGER_TEST_PG_URL names (a superuser's URL; `.ci/with-postgres`
starts a durable throwaway one and sets it). Without it only SQLite is measured.

1. Appends: for each backend and each number of writers W, a new ledger (on PostgreSQL used as
   the application role that `ledger db grant` set up) with W registered people; W processes
   (`tests.ledger.appender`) open it, wait for a common start, and append N short signed notes
   each, one durable transaction per entry. The rate is W·N over the time from the first start
   to the last finish; the ledger must then verify with W·N more entries.
2. The limit: in one process, one durable transaction per row, each taking the same append lock
   (SQLite `BEGIN IMMEDIATE`; PostgreSQL `pg_advisory_xact_lock`), reading the head row and
   inserting a row of the same size into a scratch table: serialised durable commits per
   second, the most any serialised appender could reach here. Ratios are to that.
3. Verify: a ledger of --verify-entries signed notes (300-600 bytes) is built on PostgreSQL with
   `append_batch`, copied to SQLite with `ledger migrate`, and `verify_ledger` is timed
   on both (best of R), so the ratio shows what PostgreSQL costs over a local file.

Every measure is repeated R times (default 3) and the best kept, every sample in the JSON.
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.*: backends, builders, the appender process

from bench.verify import note_text  # noqa: E402  (the same text as the verify bench)
from ledger.app import database  # noqa: E402
from ledger.append import Draft, append_batch  # noqa: E402
from ledger.store import open_store  # noqa: E402
from ledger.verification import verify_ledger  # noqa: E402
from tests.backends import Backend, libpq_url, make_backend, pg_available  # noqa: E402
from tests.builders import LedgerFixture, new_ledger, seeded_key  # noqa: E402

PEOPLE = [f"writer.{i}" for i in range(1, 9)]
LIMIT_ROWS = 1000
CHUNK = 2000
START_TIMEOUT_S = 300.0


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def best(samples: list[float]) -> float:
    return min(samples)


# -- appends ----------------------------------------------------------------------------------


def fresh_ledger(backend: Backend, directory: Path, writers: int) -> LedgerFixture:
    ledger = new_ledger(directory, backend=backend)
    for person in PEOPLE[:writers]:
        ledger.register(person, person)
    return ledger


def appenders(ledger: LedgerFixture, writers: int, per_writer: int, work: Path) -> float:
    """Run `writers` appender processes at once; return their combined entries per second."""
    start = work / "start"
    start.unlink(missing_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    procs = []
    for person in PEOPLE[:writers]:
        ready = work / f"{person}.ready"
        ready.unlink(missing_ok=True)
        command = [sys.executable, "-m", "tests.ledger.appender", ledger.db, person]
        command += [str(per_writer), "--ready", str(ready), "--start", str(start)]
        procs.append(
            (
                ready,
                subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
                ),
            )
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    for ready, proc in procs:
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"an appender did not start: {proc.communicate()[1]!r}")
            time.sleep(0.005)
    start.touch()
    reports = []
    for _, proc in procs:
        out, err = proc.communicate(timeout=START_TIMEOUT_S)
        if proc.returncode != 0:
            raise RuntimeError(f"an appender failed: {err.decode()}")
        reports.append(json.loads(out))
    span = float(max(r["finished"] for r in reports)) - float(min(r["started"] for r in reports))
    return writers * per_writer / span


def check(ledger: LedgerFixture, expected: int) -> None:
    report = verify_ledger(store=ledger.store)
    if not report.ok or report.entries != expected:
        raise RuntimeError(f"the ledger does not verify: {report.to_json()}")


# -- the database's own limit -----------------------------------------------------------------


def limit_sqlite(directory: Path) -> float:
    """Serialised durable commits per second: BEGIN IMMEDIATE, read the head, insert, commit."""
    path = directory / "limit.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    row = os.urandom(600)
    started = time.perf_counter()
    for seq in range(LIMIT_ROWS):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT seq FROM t ORDER BY seq DESC LIMIT 1").fetchone()
        conn.execute("INSERT INTO t VALUES (?, ?)", (seq, row))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return LIMIT_ROWS / elapsed


def limit_postgres(backend: Backend, directory: Path) -> float:
    """The same on PostgreSQL: advisory lock, head, insert, commit."""
    import psycopg

    db = backend.new_db(directory)
    with psycopg.connect(libpq_url(db)) as conn:
        conn.execute("CREATE TABLE t (seq integer PRIMARY KEY, data bytea NOT NULL)")
        conn.commit()
        row = os.urandom(600)
        started = time.perf_counter()
        for seq in range(LIMIT_ROWS):
            conn.execute("SELECT pg_advisory_xact_lock(1)")
            conn.execute("SELECT seq FROM t ORDER BY seq DESC LIMIT 1").fetchone()
            conn.execute("INSERT INTO t VALUES (%s, %s)", (seq, row))
            conn.commit()
        elapsed = time.perf_counter() - started
    backend.discard(db)
    return LIMIT_ROWS / elapsed


# -- verify -----------------------------------------------------------------------------------


def build_for_verify(backend: Backend, directory: Path, entries: int) -> LedgerFixture:
    ledger = fresh_ledger(backend, directory, 4)
    rng = random.Random(713)
    keys = {person: seeded_key(person) for person in PEOPLE[:4]}
    done = 0
    while done < entries:
        count = min(CHUNK, entries - done)
        drafts = []
        for _ in range(count):
            person = rng.choice(PEOPLE[:4])
            body = {"text": note_text(rng)}
            drafts.append(Draft("note", "meeting-1", body, person, keys[person]))
        append_batch(store=ledger.store, drafts=drafts, now=ledger.clock)
        done += count
        log(f"  built {done:,} of {entries:,}")
    return ledger


def time_verify(db: str) -> float:
    store = open_store(db)
    started = time.perf_counter()
    report = verify_ledger(store=store)
    elapsed = time.perf_counter() - started
    store.close()
    if not report.ok:
        raise RuntimeError(f"verify failed: {report.to_json()}")
    return report.entries / elapsed


# -- the run ----------------------------------------------------------------------------------


def machine(postgres: str | None) -> dict[str, Any]:
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "psycopg": version("psycopg"),
        "sqlalchemy": version("sqlalchemy"),
    }


def server_version(backend: Backend, directory: Path) -> str:
    import psycopg

    db = backend.new_db(directory)
    with psycopg.connect(libpq_url(db)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
    backend.discard(db)
    assert row is not None and fsync is not None
    return f"{row[0]} (fsync {fsync[0]})"


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    names = ["sqlite"] + (["postgresql"] if pg_available() else [])
    if len(names) == 1:
        log("LEDGER_TEST_PG_URL is not set: measuring SQLite only")
    backends = {name: make_backend(name) for name in names}
    figures: dict[str, Any] = {"repeat": args.repeat, "per_writer": args.per_writer}
    try:
        pg = backends.get("postgresql")
        figures["machine"] = machine(server_version(pg, work) if pg else None)
        for name, backend in backends.items():
            limit: list[float] = []
            rates: dict[int, list[float]] = {w: [] for w in args.writers}
            for round_ in range(1, args.repeat + 1):
                log(f"{name}, round {round_}/{args.repeat}: the database's limit")
                limit.append(
                    limit_sqlite(work) if name == "sqlite" else limit_postgres(backend, work)
                )
                for writers in args.writers:
                    log(f"{name}, round {round_}: {writers} × {args.per_writer} appends")
                    ledger = fresh_ledger(backend, work, writers)
                    before = ledger.store.count()
                    rates[writers].append(appenders(ledger, writers, args.per_writer, work))
                    check(ledger, before + writers * args.per_writer)
                    ledger.store.close()
                    backend.discard(ledger.db)
            top = max(limit)
            figures[name] = {
                "limit_per_s": round(top, 1),
                "limit_samples": [round(x, 1) for x in limit],
                "appends": {
                    str(w): {
                        "per_s": round(max(samples), 1),
                        "ratio_to_limit": round(max(samples) / top, 3),
                        "samples": [round(x, 1) for x in samples],
                    }
                    for w, samples in rates.items()
                },
            }
        if pg is not None and args.verify_entries > 0:
            log(f"postgresql: building a ledger of {args.verify_entries:,} entries to verify")
            big = build_for_verify(pg, work, args.verify_entries)
            big.store.close()
            copy = str(work / "verify-copy.db")
            started = time.perf_counter()
            moved = database.migrate_ledger(source=big.db, target=copy)
            migrate_s = time.perf_counter() - started
            samples: dict[str, list[float]] = {"postgresql": [], "sqlite": []}
            for round_ in range(1, args.repeat + 1):
                log(f"verify, round {round_}/{args.repeat}")
                samples["postgresql"].append(time_verify(big.db))
                samples["sqlite"].append(time_verify(copy))
            pg_rate, sqlite_rate = max(samples["postgresql"]), max(samples["sqlite"])
            figures["verify"] = {
                "entries": moved.entries,
                "postgresql_per_s": round(pg_rate, 1),
                "sqlite_per_s": round(sqlite_rate, 1),
                "ratio_pg_to_sqlite": round(pg_rate / sqlite_rate, 3),
                "samples": {k: [round(x, 1) for x in v] for k, v in samples.items()},
                "migrate_pg_to_sqlite_s": round(migrate_s, 2),
            }
    finally:
        for backend in backends.values():
            backend.close()
    return figures


def table(figures: dict[str, Any]) -> str:
    m = figures["machine"]
    lines = [
        f"machine: {m['cpu_count']} CPUs ({m['cpu_model']}), Python {m['python']}, SQLite "
        f"{m['sqlite']}, PostgreSQL {m['postgresql'] or '-'}, psycopg {m['psycopg']}",
        f"appends: {figures['per_writer']} per writer, one durable transaction each; best of "
        f"{figures['repeat']}",
        "",
        f"{'backend':<12}{'writers':>8}{'entries/s':>12}{'of limit':>10}  limit (serialised "
        "commits/s)",
    ]
    for name in ("sqlite", "postgresql"):
        if name not in figures:
            continue
        item = figures[name]
        for writers, rate in item["appends"].items():
            lines.append(
                f"{name:<12}{writers:>8}{rate['per_s']:>12,.0f}{rate['ratio_to_limit']:>10.2f}"
                f"  {item['limit_per_s']:,.0f}"
            )
    if "verify" in figures:
        v = figures["verify"]
        lines += [
            "",
            f"verify of {v['entries']:,} entries: PostgreSQL {v['postgresql_per_s']:,.0f}/s, "
            f"SQLite {v['sqlite_per_s']:,.0f}/s (PostgreSQL/SQLite = "
            f"{v['ratio_pg_to_sqlite']:.2f}); ledger migrate PostgreSQL → SQLite "
            f"{v['migrate_pg_to_sqlite_s']} s",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--per-writer", type=int, default=250, help="appends per writer")
    parser.add_argument(
        "--writers",
        type=lambda text: [int(x) for x in text.split(",")],
        default=[1, 4, 8],
        help="numbers of writers, comma-separated (at most 8)",
    )
    parser.add_argument(
        "--verify-entries", type=int, default=20_000, help="entries of the verify ledger"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each measure (best kept)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if max(args.writers) > len(PEOPLE):
        parser.error(f"at most {len(PEOPLE)} writers")
    args.repeat = max(1, args.repeat)
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as temp:
        figures = run(args, Path(temp))
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
