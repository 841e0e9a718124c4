"""The shell: navigation between places, the unlock dialog, read-only browsing."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import OptionList

from ledger.app_service import LedgerService
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
    make_app: Callable[..., LedgerApp], service: LedgerService
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
        assert service.actor == "li.na"
        assert not isinstance(app.screen, UnlockScreen)
        assert any(isinstance(m, Unlocked) and m.person == "li.na" for m in messages)
        assert app.sub_title == "signing as li.na"
