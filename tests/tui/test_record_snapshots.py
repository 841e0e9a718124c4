"""Snapshots of the recording screens in each language, at 120×40 (fixed clock, seeded keys,
no cursor blink). Read the HTML report before `--snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select

from ledger.app import Ledger, meeting
from tests.tui.conftest import SIZE
from tests.tui.recording_setup import PASSPHRASE, at_legality_review, at_the_floor
from tests.tui.test_recording import settle
from tests.tui.test_snapshots import MakeApp, SnapCompare
from tui.app import LedgerApp
from tui.i18n import LANGUAGES


def settled(*keys: str) -> Callable[[Pilot[Any]], Any]:
    """Wait for the screen, press `keys` (`tab`: into the form, where it waits), wait again."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot.app, pilot)  # type: ignore[arg-type]
        if keys:
            await pilot.press(*keys)
            await settle(pilot.app, pilot)  # type: ignore[arg-type]

    return run


def soft_gate() -> Callable[[Pilot[Any]], Any]:
    """The legality opinion on a draft submitted today: G6 asks for the reason."""

    async def run(pilot: Pilot[Any]) -> None:
        app: LedgerApp = pilot.app  # type: ignore[assignment]
        await settle(app, pilot)
        app.screen.query_one("#record-subject", Select).value = "d2021-01"
        await settle(app, pilot)
        field = app.screen.query_one("#f-opinion_doc", Input)
        field.value = "draft.txt"
        app.set_focus(None)
        await settle(app, pilot)
        # the form at its top, whatever the timing of the focus's scrolling
        app.screen.query_one("#record-form").scroll_home(animate=False, immediate=True)
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)

    return run


def refused_g2() -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        app: LedgerApp = pilot.app  # type: ignore[assignment]
        await settle(app, pilot)
        app.screen.query_one("#record-subject", Select).value = "d2020-07"
        await settle(app, pilot)
        app.screen.query_one("#record-type", Select).value = "legality_review.submitted"
        await settle(app, pilot)
        await pilot.press("tab")  # into the form
        app.screen.query_one("#f-procedure_statement", Input).value = "已履行程序"
        await pilot.press("ctrl+s")
        await settle(app, pilot)

    return run


@pytest.mark.parametrize("language", LANGUAGES)
class TestRecord:
    def test_new_decision(
        self, snap_compare: SnapCompare, make_app: MakeApp, language: str
    ) -> None:
        """The proposal form of a new decision (d2021-01): title focused, the organ, the
        applicability, public and the source filled in; required fields starred; labels aligned
        in one column whatever the script."""
        app = make_app(language=language, start="record", unlock="zhao.lei")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled("tab"))

    def test_reason_dialog(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        ledger: Ledger,
        tmp_path: Path,
        language: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The soft gate's dialog over the form, centred with its amber border: the title
        names G6, the panel its article, rule and what would satisfy it; the reason field
        below is focused and empty."""
        monkeypatch.chdir(tmp_path)
        at_legality_review(ledger, tmp_path)
        app = make_app(language=language, start="record", unlock="wu.xia")
        assert snap_compare(app, terminal_size=SIZE, run_before=soft_gate())

    def test_refused_gate(
        self, snap_compare: SnapCompare, make_app: MakeApp, language: str
    ) -> None:
        """d2020-07 sent for legality review before its expert argumentation: the red panel
        names G2 (Art. 27(2), 29), its rule, the ledger's message and what would satisfy it;
        the status line says nothing was written."""
        app = make_app(language=language, start="record", unlock="zhao.lei")
        assert snap_compare(app, terminal_size=SIZE, run_before=refused_g2())


@pytest.mark.parametrize("language", LANGUAGES)
class TestMeeting:
    def test_floor(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        ledger: Ledger,
        tmp_path: Path,
        language: str,
    ) -> None:
        """Meeting mtg-2021-01 of bureau-meeting, the head decides after discussion: the four
        members in speaking order (高飞, 刘洋, 周敏, the head 张伟 last), all present; the next
        speaker 高飞 (no. 1) chosen, agree, the passphrase field focused."""
        at_the_floor(ledger, tmp_path)
        app = make_app(language=language, start="meeting")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled("tab"))

    def test_head_decides(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        ledger: Ledger,
        tmp_path: Path,
        language: str,
    ) -> None:
        """Every member but the head has spoken (高飞 and 刘洋 agree, 周敏 disagrees with her
        reason): the table stays, orders 1–3 filled; below it the head 张伟 decides: most
        members agree, the outcome approve, the divergence reason and the head's passphrase
        fields, that one focused."""
        ident = at_the_floor(ledger, tmp_path)
        spoken(ledger, ident, {"gao.fei": "agree", "liu.yang": "agree", "zhou.min": "disagree"})
        app = make_app(language=language, start="meeting")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled("tab"))

    def test_vote(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        ledger: Ledger,
        tmp_path: Path,
        language: str,
    ) -> None:
        """A cadre item, every member has spoken (张伟 last): the table has a Vote column,
        prefilled from the positions (周敏 abstains after deferring), the cursor in it; the
        method (show of hands) and the result (passed); the line under them gives the keys
        and the counts: yes 3, no 0, abstain 1."""
        ident = at_the_floor(ledger, tmp_path, proposal={"item_class": "cadre"})
        spoken(
            ledger,
            ident,
            {"gao.fei": "agree", "liu.yang": "agree", "zhou.min": "defer", "zhang.wei": "agree"},
        )
        app = make_app(language=language, start="meeting")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled())


def spoken(ledger: Ledger, ident: str, stances: dict[str, str]) -> None:
    """Each member states their stance in turn, signing it themselves (huang.li unlocked after)."""
    for person, stance in stances.items():
        ledger.unlock(person, PASSPHRASE)
        reason = "" if stance == "agree" else "需进一步论证"
        _, refusal = meeting.state_position(
            ledger, meeting.floor(ledger, ident), person, stance, reason
        )
        assert refusal is None, refusal
    ledger.unlock("huang.li", PASSPHRASE)
