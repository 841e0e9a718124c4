"""The shell: navigation between places, the unlock dialog, read-only browsing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList
from typer.testing import CliRunner

from ledger.app import Ledger
from ledger.cli import app as cli_app
from tui.app import LedgerApp
from tui.messages import Unlocked
from tui.screens.dashboard import DashboardScreen
from tui.screens.decisions import DecisionsScreen
from tui.screens.unlock import UnlockScreen

SIZE = (120, 40)


async def test_keys_move_between_places(make_app: Callable[..., LedgerApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("l")
        assert isinstance(app.screen, DecisionsScreen)
        await pilot.press("d")
        assert isinstance(app.screen, DashboardScreen)


async def test_recording_asks_for_a_key_when_read_only(
    make_app: Callable[..., LedgerApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert isinstance(app.screen, UnlockScreen)


async def test_unlock_with_the_passphrase(
    make_app: Callable[..., LedgerApp], ledger: Ledger
) -> None:
    messages: list[object] = []
    app = make_app(ask_unlock=True)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        people = app.screen.query_one("#unlock-people", OptionList)
        ids = [people.get_option_at_index(i).id for i in range(people.option_count)]
        people.highlighted = ids.index("li.na")
        await pilot.press("enter")  # choosing a person moves to the passphrase
        await pilot.press(*"demo-713", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert ledger.actor == "li.na"
        assert not isinstance(app.screen, UnlockScreen)
        assert any(isinstance(m, Unlocked) and m.person == "li.na" for m in messages)
        assert app.sub_title == "signing as 李娜 (li.na)"


def test_ledger_tui_demo_builds_the_demo_and_opens_the_ui(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ledger tui --demo` (the README's first command) runs for real, headless, and quits on
    `q` once the dashboard shows the demo's figures."""
    shown: list[str] = []
    original = LedgerApp.run

    async def auto_pilot(pilot: Pilot[object]) -> None:
        app = pilot.app
        for _ in range(100):
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if isinstance(app.screen, UnlockScreen):
                await pilot.press("escape")
            elif (
                app.screen.query("#dash-status")
                and app.screen.query_one("#dash-status", DataTable).row_count
            ):
                break
        shown.append(str(app.sub_title))
        shown.append(str(app.screen.query_one("#dash-status", DataTable).row_count))
        await pilot.press("q")

    def headless(self: LedgerApp, **kwargs: Any) -> None:
        original(self, headless=True, size=SIZE, auto_pilot=auto_pilot)

    monkeypatch.setattr(LedgerApp, "run", headless)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli_app, ["tui", "--demo", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ledger-demo" / "ledger.db").exists()
    assert shown == ["read-only", "4"]  # three statuses and the total


def test_an_unknown_language_is_refused_before_anything_opens(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["--db", str(tmp_path / "x.db"), "tui", "--lang", "fr"])
    assert result.exit_code == 2
    assert "--lang" in result.output and "unknown language 'fr'" in result.output
    assert not (tmp_path / "x.db").exists()
