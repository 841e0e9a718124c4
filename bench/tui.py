"""Benchmark: the TUI on a large ledger: the dashboard's first paint and paging the decisions.

    python bench/tui.py [--entries N] [--decisions D] [--pages P] [--dir DIR] [--json]

1. Builds (or reuses, when DIR/bench-tui-N.db exists) a ledger of N real signed entries: the
   demo bureau (seeded keys), then D decisions, each proposed and initiated (2 entries, through
   the procedure's gates), and `note` entries up to N, with `append_batch`.
2. Runs the real `LedgerApp` headless (Textual's pilot, 120×40) and times, from the app's
   start, until the dashboard shows its figures (the overview worker has filled the screen).
3. Opens the decision list and times P pages forward with PgDn, each from the key press until
   the page is on screen; then pages deep in the list (jumping the offset), and with a search
   and a status filter on.

Not part of CI: building a million entries takes minutes. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from keys import SigningKey
from ledger.app import Ledger, decisions, demo
from ledger.app.decisions import DecisionQuery
from ledger.app.overview import overview
from ledger.append import Draft, append_batch
from ledger.store import open_store

DEFAULT_ENTRIES = 1_000_000
DEFAULT_DECISIONS = 100_000
CHUNK = 5_000
SEED = b"bench/tui"
SIZE = (120, 40)
TITLES = ("校舍维修", "课后服务", "学区划片", "教育信息化", "校外培训", "食堂管理", "教师培训")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def key(person: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(SEED + person.encode()).digest())


def build(path: Path, entries: int, count: int) -> None:
    """The demo bureau, `count` decisions (proposed and initiated), notes up to `entries`."""
    directory = path.parent / f"{path.stem}-demo"
    built = demo.build(directory, seed=SEED)
    store = open_store(str(built.db))
    rng = random.Random(713)
    moment = datetime(2021, 2, 1, 1, tzinfo=UTC)

    def clock() -> datetime:
        nonlocal moment
        moment += timedelta(milliseconds=10)
        return moment

    def decision(number: int) -> list[Draft]:
        year = 2021 + number % 4
        ident = f"d{year}-{number:06d}"
        title = f"示例区{rng.choice(TITLES)}方案（第{number}号）"
        body = {
            "title": title,
            "summary": f"{title}，提请局长办公会议研究决定。",
            "organ": "bureau-meeting",
            "scope": {"art3_category": 1 + number % 5},
            "applicability": "by_reference_art42",
            "confidentiality": {"level": "public"},
            "source": "department_or_lower_government",
            "flags": [],
        }
        initiated = {"by": "head", "note": "同意立项，按重大行政决策程序办理。"}
        return [
            Draft("decision.proposed", ident, body, "huang.li", key("huang.li")),
            Draft("decision.initiated", ident, initiated, "zhang.wei", key("zhang.wei")),
        ]

    start = time.perf_counter()
    drafts: list[Draft] = []
    for number in range(1, count + 1):
        drafts += decision(number)
        if len(drafts) >= CHUNK:
            append_batch(store=store, drafts=drafts, now=clock)
            drafts = []
            log(f"decisions: {number}/{count} ({time.perf_counter() - start:.0f} s)")
    if drafts:
        append_batch(store=store, drafts=drafts, now=clock)
    total = store.count()
    people = ["liu.yang", "chen.jing", "zhou.min", "wu.xia"]
    while total < entries:
        n = min(CHUNK, entries - total)
        notes = [
            Draft(
                "note",
                f"mtg-2021-{rng.randint(1, 99):02d}",
                {"text": "会议记录补充说明：" + "、".join(rng.sample(TITLES, 3))},
                person,
                key("chen.jing/2" if person == "chen.jing" else person),
            )
            for person in (rng.choice(people) for _ in range(n))
        ]
        append_batch(store=store, drafts=notes, now=clock)
        total += n
        log(f"notes: {total}/{entries} entries ({time.perf_counter() - start:.0f} s)")
    store.close()
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{built.db}{suffix}")
        if source.exists():
            source.rename(f"{path}{suffix}")
    log(f"built {total} entries in {time.perf_counter() - start:.0f} s")


async def measure(db: Path, pages: int) -> dict[str, Any]:
    # Run as `python bench/tui.py`, this file's folder comes first on the path and its name
    # would hide the `tui` package.
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != here]
    sys.modules.pop("tui", None)
    from textual.widgets import DataTable, Static

    from tui.app import LedgerApp
    from tui.screens.decisions import PAGE, DecisionsScreen

    ledger = Ledger.open(str(db), home=Path(tempfile.mkdtemp()))
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    app = LedgerApp(ledger, ask_unlock=False)
    async with app.run_test(size=SIZE) as pilot:
        status = app.screen.query_one("#dash-status", DataTable)
        while status.row_count == 0:
            await asyncio.sleep(0.005)
        figures["dashboard_s"] = time.perf_counter() - started
        overview_start = time.perf_counter()
        overview(ledger)
        figures["overview_s"] = time.perf_counter() - overview_start

        begin = time.perf_counter()
        await pilot.press("l")
        screen = app.screen
        assert isinstance(screen, DecisionsScreen)
        line = screen.query_one("#decision-status-line", Static)
        while not str(line.content):
            await asyncio.sleep(0.001)
        figures["list_open_s"] = time.perf_counter() - begin

        async def page_shown(action: Any) -> float:
            before = str(line.content)
            begin = time.perf_counter()
            await action()
            while str(line.content) == before:
                await asyncio.sleep(0.001)
            return time.perf_counter() - begin

        figures["decisions"] = screen.total

        async def next_page() -> None:
            app.simulate_key("pagedown")  # as a terminal would send it, without the pilot's waits

        forward = [await page_shown(next_page) for _ in range(pages)]
        figures["page_forward_s"] = forward

        async def jump(offset: int) -> Any:
            async def run() -> None:
                screen.page_offset = offset
                screen.reload()

            return run

        deep = []
        for fraction in (0.25, 0.5, 0.75, 0.999):
            offset = int(screen.total * fraction) // PAGE * PAGE
            deep.append(await page_shown(await jump(offset)))
        figures["page_deep_s"] = deep

        async def search() -> None:
            screen.query_one("#decision-search").value = "课后服务"  # type: ignore[attr-defined]
            screen.apply_filters()

        figures["search_s"] = await page_shown(search)
        figures["search_matches"] = screen.total
        searched = [await page_shown(next_page) for _ in range(min(pages, 10))]
        figures["page_search_s"] = searched
        query_times = []
        for offset in range(0, pages * PAGE, PAGE):
            begin = time.perf_counter()
            decisions.page(ledger, DecisionQuery(), offset=offset, limit=PAGE)
            query_times.append(time.perf_counter() - begin)
        figures["page_query_s"] = query_times
    ledger.close()
    return figures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def table(r: dict[str, Any]) -> str:
    ms = 1000.0
    lines = [
        f"ledger: {r['entries']} entries, {r['decisions']} decisions ({r['db_mib']:.0f} MiB)",
        f"dashboard on screen from app start: {r['dashboard_s']:.2f} s "
        f"(overview queries alone {r['overview_s'] * ms:.0f} ms)",
        f"decision list opened: {r['list_open_s'] * ms:.0f} ms",
        f"PgDn, {len(r['page_forward_s'])} pages from the top: median "
        f"{percentile(r['page_forward_s'], 0.5) * ms:.0f} ms, "
        f"max {max(r['page_forward_s']) * ms:.0f} ms "
        f"(its SQL alone: median {percentile(r['page_query_s'], 0.5) * ms:.0f} ms)",
        "pages deep in the list (25/50/75/100 %): "
        + ", ".join(f"{v * ms:.0f} ms" for v in r["page_deep_s"]),
        f"search '课后服务' ({r['search_matches']} matches): {r['search_s'] * ms:.0f} ms, "
        f"then PgDn median {percentile(r['page_search_s'], 0.5) * ms:.0f} ms, "
        f"max {max(r['page_search_s']) * ms:.0f} ms",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=DEFAULT_ENTRIES)
    parser.add_argument("--decisions", type=int, default=DEFAULT_DECISIONS)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    directory = args.dir or Path(tempfile.mkdtemp(prefix="bench-tui-"))
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / f"bench-tui-{args.entries}.db"
    if db.exists():
        log(f"reusing {db}")
    else:
        build(db, args.entries, args.decisions)
    figures = asyncio.run(measure(db, args.pages))
    store = open_store(str(db))
    figures["entries"] = store.count()
    store.close()
    figures["db_mib"] = db.stat().st_size / 2**20
    figures["machine"] = {"python": platform.python_version(), "cpus": platform.machine()}
    print(json.dumps(figures, indent=2) if args.json else table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
