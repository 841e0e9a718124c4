"""Several writer processes, and writers killed mid-append, against one real ledger: a SQLite
file, and a PostgreSQL database used as the application role.

Appenders run as separate processes (`python -m tests.ledger.appender`) with seeded keys that
`LedgerFixture.register` bound, so the database's own locking is what is tested: no mocks.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ledger.entry import decode_statement
from ledger.verification import verify_ledger
from tests.backends import Backend
from tests.builders import LedgerFixture, SystemClock, new_ledger
from tests.ledger.appender import note_text

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {
    "wang.fang": "王芳",
    "zhao.lei": "赵磊",
    "chen.jie": "陈杰",
    "liu.yang": "刘洋",
    "sun.li": "孙丽",
    "zhou.min": "周敏",
    "wu.qiang": "吴强",
    "zheng.hua": "郑华",
}
PER_PROCESS = 250
KILLS = 50
ROUNDS = 6  # of the eight-writer kills
EXIT_TIMEOUT_S = 120.0


def spawn_appender(
    db: str, person: str, count: int, *, ready: Path, start: Path, register: bool = False
) -> subprocess.Popen[str]:
    """Start `tests.ledger.appender` in its own process, importable from the project root."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.ledger.appender",
            db,
            person,
            str(count),
            "--ready",
            str(ready),
            "--start",
            str(start),
            *(["--register"] if register else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(proc: subprocess.Popen[str], ready: Path) -> None:
    """Wait for an appender's ready file; fail with its stderr if it died first."""
    deadline = time.monotonic() + EXIT_TIMEOUT_S
    while not ready.exists():
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"appender exited with {proc.returncode} before it was ready:\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("appender never became ready")
        time.sleep(0.002)


def assert_sound(ledger: LedgerFixture, *, decoded_from: int = 0) -> int:
    """Assert the ledger verifies and holds no half entry; return its entry count.

    Rows from `decoded_from` on are decoded one by one (earlier ones were checked before).
    """
    store = ledger.store
    report = verify_ledger(store=store)
    assert report.ok, [failure.describe() for failure in report.ordered()]
    head = store.head()
    assert head is not None
    count = store.count()
    assert count == head.seq + 1 == report.entries
    assert report.head == head.leaf_hash
    for row in store.rows(since=decoded_from):
        stmt = decode_statement(row.statement)
        assert stmt.seq == row.seq
        assert len(row.signature) == 64
    return count


def test_eight_processes_append_to_one_ledger_at_once(tmp_path: Path, backend: Backend) -> None:
    """Guards against lost or duplicated appends, seq gaps, forks of the chain and `database
    is locked` failures when eight processes append 250 entries each to one ledger at the same
    moment (the write lock must be taken before the head is read)."""
    ledger = new_ledger(tmp_path, backend=backend)
    ledger.clock = SystemClock()  # the appender processes use this machine's clock
    for person, name in PEOPLE.items():
        ledger.register(person, name)
    before = ledger.store.count()
    start = tmp_path / "start"
    procs = {
        person: spawn_appender(
            ledger.db, person, PER_PROCESS, ready=tmp_path / f"{person}.ready", start=start
        )
        for person in PEOPLE
    }
    try:
        for person, proc in procs.items():
            wait_ready(proc, tmp_path / f"{person}.ready")
        start.touch()  # all are open and waiting: release them together
        outputs = {
            person: proc.communicate(timeout=EXIT_TIMEOUT_S) for person, proc in procs.items()
        }
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for person, proc in procs.items():
        assert proc.returncode == 0, f"{person}: {outputs[person][1]}"
    results = {person: json.loads(out) for person, (out, _) in outputs.items()}

    # They really ran at the same time: every one started before any finished.
    assert max(r["started"] for r in results.values()) < min(
        r["finished"] for r in results.values()
    )

    total = before + len(PEOPLE) * PER_PROCESS
    assert assert_sound(ledger) == total
    rows = list(ledger.store.rows())
    assert [row.seq for row in rows] == list(range(total))
    mine: dict[str, list[int]] = {person: [] for person in PEOPLE}
    texts: dict[str, set[str]] = {person: set() for person in PEOPLE}
    for row in rows[before:]:
        stmt = decode_statement(row.statement)
        assert stmt.type == "note"
        mine[stmt.actor].append(row.seq)
        texts[stmt.actor].add(stmt.body["text"])
    for person in PEOPLE:
        assert mine[person] == results[person]["seqs"]
        assert texts[person] == {note_text(person, i) for i in range(PER_PROCESS)}
    # Every statement links to the one before: a single chain, no fork.
    assert len({row.prev for row in rows}) == total


@pytest.mark.slow
def test_sigkill_mid_append_leaves_a_sound_ledger(tmp_path: Path, backend: Backend) -> None:
    """Guards against a torn or half-written entry, a broken chain, a stuck write lock (on
    PostgreSQL: an advisory lock held by a dead client's session) or a ledger that refuses
    further appends after an appender process is killed (SIGKILL, so no cleanup runs) at an
    arbitrary moment: before, during or right after a transaction."""
    rng = random.Random(713)
    ledger = new_ledger(tmp_path, backend=backend)
    ledger.clock = SystemClock()  # the appender processes use this machine's clock
    ledger.register("wang.fang", "王芳")
    count = assert_sound(ledger)
    written_by_killed: Counter[bool] = Counter()
    started: list[subprocess.Popen[str]] = []

    def launch(round_: int) -> tuple[subprocess.Popen[str], Path, Path]:
        ready, start = tmp_path / f"ready-{round_}", tmp_path / f"start-{round_}"
        proc = spawn_appender(ledger.db, "wang.fang", 10**6, ready=ready, start=start)
        started.append(proc)
        return proc, ready, start

    upcoming = launch(0)
    try:
        for round_ in range(KILLS):
            proc, ready, start = upcoming
            # A third of the kills land within the first few milliseconds (first BEGIN, first
            # commit); the rest anywhere in a run of tens to hundreds of appends.
            delay = rng.uniform(0.0, 0.01) if rng.random() < 0.33 else rng.uniform(0.01, 0.3)
            wait_ready(proc, ready)
            start.touch()
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=EXIT_TIMEOUT_S)
            assert proc.returncode == -signal.SIGKILL, f"round {round_}: appender ended itself"
            if round_ + 1 < KILLS:
                upcoming = launch(round_ + 1)  # it starts up while this round is checked

            new_count = assert_sound(ledger, decoded_from=count)
            written_by_killed[new_count > count] += 1
            entry = ledger.note("wang.fang", f"第{round_}次强制终止之后仍可追加。")
            assert entry.seq == new_count  # appends go on, right after the last whole entry
            count = new_count + 1  # checked by the next round's verify
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert assert_sound(ledger, decoded_from=count - 1) == count
    # The kills did land while the appender was appending, not only before it began.
    assert written_by_killed[True] >= KILLS // 4, written_by_killed


@pytest.mark.slow
def test_sigkill_among_eight_writers_leaves_a_sound_ledger(
    tmp_path: Path, backend: Backend
) -> None:
    """Guards against a dead writer's lock or half transaction harming the others: eight
    writers append at once and are killed (SIGKILL) in two waves at random moments, round after
    round; each time the ledger is one sound chain, the writers that outlived the first wave
    went on appending, and the next append lands right after the last whole entry."""
    rng = random.Random(7130)
    ledger = new_ledger(tmp_path, backend=backend)
    ledger.clock = SystemClock()  # the appender processes use this machine's clock
    for person, name in PEOPLE.items():
        ledger.register(person, name)
    count = assert_sound(ledger)
    for round_ in range(ROUNDS):
        start = tmp_path / f"start-{round_}"
        procs = {
            person: spawn_appender(
                ledger.db, person, 10**6, ready=tmp_path / f"{person}-{round_}.ready", start=start
            )
            for person in PEOPLE
        }
        try:
            for person, proc in procs.items():
                wait_ready(proc, tmp_path / f"{person}-{round_}.ready")
            start.touch()
            first = rng.sample(sorted(procs), len(procs) // 2)
            time.sleep(rng.uniform(0.05, 0.4))
            for person in first:
                procs[person].send_signal(signal.SIGKILL)
            before_second = ledger.store.count()
            time.sleep(rng.uniform(0.1, 0.4))
            for proc in procs.values():
                proc.send_signal(signal.SIGKILL)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
                proc.communicate(timeout=EXIT_TIMEOUT_S)
        new_count = assert_sound(ledger, decoded_from=count)
        assert new_count > before_second >= count, (count, before_second, new_count)
        entry = ledger.note("li.na", f"第{round_}轮之后仍可追加。")
        assert entry.seq == new_count
        count = new_count + 1
