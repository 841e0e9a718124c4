"""No field takes the cursor on its own: after an unlock (or on arriving at a place) the next
place key changes the place instead of being typed into a form's field. The cursor enters a form
by `tab`, to the field the form waits for, or as the sequel of the user's own save. And a place
shown again shows what was appended while it was not shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select

from ledger.app import Ledger, meeting
from tests.tui.conftest import SIZE
from tests.tui.recording_setup import PASSPHRASE, at_the_floor, ready_for_meeting
from tests.tui.test_recording import settle, type_text
from tui.app import LedgerApp
from tui.messages import EntriesAppended
from tui.screens.record import RecordScreen
from tui.screens.unlock import UnlockScreen


def decided_minutes_due(ledger: Ledger, directory: Path) -> None:
    """A meeting whose only item is decided: its minutes wait for the recorder (huang.li)."""
    ident = at_the_floor(ledger, directory)
    for person in ("gao.fei", "liu.yang", "zhou.min"):
        ledger.unlock(person, PASSPHRASE)
        seq, refusal = meeting.state_position(
            ledger, meeting.floor(ledger, ident), person, "agree", ""
        )
        assert refusal is None, refusal
    ledger.unlock("zhang.wei", PASSPHRASE)
    seq, refusal = meeting.head_decides(ledger, meeting.floor(ledger, ident), "approve", "")
    assert refusal is None, refusal


def convene_due(ledger: Ledger, directory: Path) -> None:
    """A decision ready for deliberation, no meeting convened: the convening form shows."""
    ready_for_meeting(ledger, directory)


async def unlock_as(app: LedgerApp, pilot: Pilot[None], person: str) -> None:
    """`u`, choose `person`, type the passphrase, enter: as in the TUI tutorial's walk-through."""
    await pilot.press("u")
    await settle(app, pilot)
    dialog = app.screen
    assert isinstance(dialog, UnlockScreen)
    dialog.query_one("#unlock-people", OptionList).highlighted = [
        p.id for p in dialog.people
    ].index(person)
    dialog.query_one("#unlock-passphrase", Input).focus()
    await pilot.pause()
    await type_text(app, pilot, PASSPHRASE)
    await pilot.press("enter")
    await settle(app, pilot)
    assert app.ledger.actor == person


@pytest.mark.parametrize(
    ("place", "setup", "field"),
    [
        ("meeting", decided_minutes_due, "minutes-number"),
        ("meeting", convene_due, "meeting-number"),
        ("record", convene_due, "f-title"),
        ("export", convene_due, None),
    ],
)
async def test_a_place_key_after_an_unlock_changes_the_place(
    make_app: Callable[..., LedgerApp],
    ledger: Ledger,
    tmp_path: Path,
    place: str,
    setup: Callable[[Ledger, Path], None],
    field: str | None,
) -> None:
    """Guards the fault where the unlock's reload put the cursor in a field (the minutes
    number, the convening form's number, the record form's first field), so the recorder's next
    place key (`d`) was typed into it instead of leaving. `tab` then enters the form."""
    setup(ledger, tmp_path)
    app = make_app(language="en", start=place, unlock="liu.yang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("escape")
        await unlock_as(app, pilot, "huang.li")
        assert app.screen is screen
        assert not isinstance(app.focused, Input), app.focused
        before = {w.id: w.value for w in screen.query(Input)}
        await pilot.press("d")
        await settle(app, pilot)
        assert app.current_mode == "dashboard"
        assert {w.id: w.value for w in screen.query(Input)} == before
        if field is None:
            return  # the export screen's forms are entered by their own keys (b, o, a)
        # back at the place, tab enters the form where it waits
        await pilot.press(place[0])
        await settle(app, pilot)
        await pilot.press("tab")
        assert getattr(app.focused, "id", None) == field


async def test_a_place_shown_again_shows_what_was_appended_elsewhere(
    make_app: Callable[..., LedgerApp], ledger: Ledger, tmp_path: Path
) -> None:
    """Guards the record screen's decision list showing a status older than the decision's:
    the head decided at the meeting (entries appended while the record screen was not shown),
    and the record screen, shown again, lists the decision as decided, not as still at the
    meeting."""
    ident = at_the_floor(ledger, tmp_path)
    app = make_app(language="en", start="record", unlock="huang.li")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        record = app.screen
        assert isinstance(record, RecordScreen)

        def listed() -> str:
            picker = record.query_one("#record-subject", Select)
            return next(str(p) for p, v in picker._options if v == ident)

        assert "awaiting issue" not in listed(), listed()
        before = listed()
        await pilot.press("m")
        await settle(app, pilot)
        seqs: list[int] = []
        for person in ("gao.fei", "liu.yang", "zhou.min"):
            ledger.unlock(person, PASSPHRASE)
            seq, _ = meeting.state_position(
                ledger, meeting.floor(ledger, ident), person, "agree", ""
            )
            assert seq is not None
            seqs.append(seq)
        ledger.unlock("zhang.wei", PASSPHRASE)
        seq, refusal = meeting.head_decides(ledger, meeting.floor(ledger, ident), "approve", "")
        assert refusal is None and seq is not None
        ledger.unlock("huang.li", PASSPHRASE)
        app.post_message(EntriesAppended([*seqs, seq]))  # as the meeting screen does
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen is record
        assert listed() != before and "awaiting issue" in listed(), listed()
