"""TUI fixtures, shared by every TUI test (browsing and recording alike).

- `demo_template` (session): the demo ledger, built once with keys from a fixed seed, so its
  hashes, key ids and signatures are the same on every run. Never write to it.
- `demo` (per test): a private copy of it (`demo.db`, `demo.key_dir`, `demo.passphrase`).
- `clock`: a fixed clock, 2021-01-15 10:00 Beijing time, moving one second per reading.
- `ledger`: a `Ledger` on the copy, with that clock and a private state directory.
- `make_app(language="en", start="dashboard", ask_unlock=False, unlock=None)`: a
  `LedgerApp` on `ledger`; `unlock="li.na"` unlocks that person's key first.
- `no_cursor_blink` (autouse): the text cursor does not blink, so snapshots are stable.

Example::

    async def test_something(make_app):
        app = make_app(language="zh-Hans", start="decisions")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("l")
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from ledger.app import Ledger
from ledger.app import demo as demo_ledger
from tests.builders import Clock
from tui.app import LedgerApp

DEMO_SEED = b"decision-ledger tui tests"
NOW = datetime(2021, 1, 15, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
SIZE = (120, 40)


@dataclass(frozen=True)
class DemoCopy:
    db: Path
    key_dir: Path
    passphrase: str
    entries: int


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoCopy:
    built = demo_ledger.build(tmp_path_factory.mktemp("tui") / "demo", seed=DEMO_SEED)
    return DemoCopy(built.db, built.key_dir, built.passphrase, built.entries)


@pytest.fixture
def demo(demo_template: DemoCopy, tmp_path: Path) -> DemoCopy:
    target = tmp_path / "demo"
    shutil.copytree(demo_template.db.parent, target)
    return DemoCopy(
        target / demo_template.db.name,
        target / demo_template.key_dir.name,
        demo_template.passphrase,
        demo_template.entries,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def ledger(demo: DemoCopy, clock: Clock, tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(str(demo.db), key_dir=demo.key_dir, clock=clock, home=tmp_path / "state")
    yield opened
    opened.close()


@pytest.fixture
def make_app(ledger: Ledger, demo: DemoCopy) -> Callable[..., LedgerApp]:
    def make(
        language: str = "en",
        start: str = "dashboard",
        ask_unlock: bool = False,
        unlock: str | None = None,
    ) -> LedgerApp:
        if unlock is not None:
            ledger.unlock(unlock, demo.passphrase)
        return LedgerApp(ledger, language=language, start=start, ask_unlock=ask_unlock)

    return make


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "cursor_blink", False)


async def tables_laid_out(pilot: Pilot[Any]) -> None:
    """Wait until every DataTable on the screen has sized its columns to its rows.

    A DataTable sizes its columns on an idle event after rows are added; on a busy machine a
    screenshot taken right after the workers finish can catch the columns still at their
    headers' width. The flag read here is DataTable's own record of that pending work."""
    for _ in range(200):
        pending = [
            table
            for table in pilot.app.screen.query(DataTable)
            if table._require_update_dimensions or table._new_rows
        ]
        if not pending:
            break
        await pilot.pause(0.01)
    else:
        raise AssertionError(f"tables still laying out: {[t.id for t in pending]}")
    # A header line painted while its table was still sizing can stay as painted until the
    # table's next refresh (seen on a loaded machine): refresh once more before the picture.
    for table in pilot.app.screen.query(DataTable):
        table.refresh()
    await pilot.pause()
