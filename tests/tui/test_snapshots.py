"""Snapshots of each browsing screen in each language, at 120×40.

Deterministic: the demo's keys come from a fixed seed, the clock is fixed (2021-01-15 10:00
Beijing time), the cursor does not blink. Read the HTML report before `--snapshot-update`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import SIZE, tables_laid_out
from tui.app import LedgerApp
from tui.i18n import LANGUAGES

MakeApp = Callable[..., LedgerApp]
SnapCompare = Callable[..., bool]


def settled(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Before the screenshot: press `keys`, letting workers finish after each."""

    async def run(pilot: Pilot[Any]) -> None:
        for key in ("", *keys):
            if key:
                await pilot.press(key)
            for _ in range(5):
                await pilot.app.workers.wait_for_complete()
                await asyncio.sleep(0.02)
                await pilot.pause()
        await tables_laid_out(pilot)

    return run


@pytest.mark.parametrize("language", LANGUAGES)
class TestUnlock:
    def test_unlock(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """The dialog over the dashboard: the people, each with whether their key is here,
        the masked passphrase field, Unlock and Browse read-only."""
        app = make_app(language=language, ask_unlock=True)
        assert snap_compare(app, terminal_size=SIZE, run_before=settled())


@pytest.mark.parametrize("language", LANGUAGES)
class TestDashboard:
    def test_dashboard(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """Origin, 400 entries, head seq 399; the checkpoint of 400 entries, no witnesses; not
        verified yet; 2020 filing rates 62/63, 60/63, 61/62; six decisions by status; item-05
        overdue by 76 days (d2020-07, drafting)."""
        app = make_app(language=language)
        assert snap_compare(app, terminal_size=SIZE, run_before=settled())


@pytest.mark.parametrize("language", LANGUAGES)
class TestDecisions:
    def test_list(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """The six decisions, newest id first, CJK titles aligned; '1–6 of 6' below."""
        app = make_app(language=language, start="decisions")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled())

    def test_decision_page(
        self, snap_compare: SnapCompare, make_app: MakeApp, language: str
    ) -> None:
        """d2020-01: in execution, compliant; its timeline from seq 44, every entry ✓."""
        app = make_app(language=language, start="decisions")
        keys = ("down", "down", "down", "down", "down", "enter")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled(*keys))

    def test_compliance_tab(
        self, snap_compare: SnapCompare, make_app: MakeApp, language: str
    ) -> None:
        """d2020-01's compliance: no findings; the positions, 周敏 (zhou.min) disagreeing."""
        app = make_app(language=language, start="decisions")
        keys = ("down", "down", "down", "down", "down", "enter", "k")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled(*keys))

    def test_trace_tab(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """d2020-01's responsibility trace: proposer 王强 at seq 44, then every role."""
        app = make_app(language=language, start="decisions")
        keys = ("down", "down", "down", "down", "down", "enter", "w")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled(*keys))


@pytest.mark.parametrize("language", LANGUAGES)
class TestPeople:
    def test_people(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """Everyone registered, by id, with a key on this computer."""
        app = make_app(language=language, start="people")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled())

    def test_person(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """陈静 (chen.jing): posts ended 2020-09-30 and the new one; the key revoked at
        seq 296 and the new one valid; every part in every matter."""
        app = make_app(language=language, start="people")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled("enter"))


@pytest.mark.parametrize("language", LANGUAGES)
class TestVerify:
    def test_verified(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """After `s`: the bar full, VERIFIED, 400 entries, 53 documents, at 2021-01-15."""
        app = make_app(language=language, start="verify")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled("s"))


@pytest.mark.parametrize("language", LANGUAGES)
class TestCheckpoint:
    def test_checkpoint(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """The last checkpoint (400 entries, up to date, no witnesses) and its signed note."""
        app = make_app(language=language, start="checkpoint")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled())
