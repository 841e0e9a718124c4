"""Snapshots of the recording screens in each language, at 120×40 (fixed clock, seeded keys,
no cursor blink). Read the HTML report before `--snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select

from ledger.app_service import LedgerService
from tests.tui.conftest import SIZE
from tests.tui.recording_setup import at_the_floor
from tests.tui.test_recording import settle
from tests.tui.test_snapshots import MakeApp, SnapCompare
from tui.app import LedgerApp
from tui.i18n import LANGUAGES


def settled() -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot.app, pilot)  # type: ignore[arg-type]

    return run


def refused_g2() -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        app: LedgerApp = pilot.app  # type: ignore[assignment]
        await settle(app, pilot)
        app.screen.query_one("#record-subject", Select).value = "d2020-07"
        await settle(app, pilot)
        app.screen.query_one("#record-type", Select).value = "legality_review.submitted"
        await settle(app, pilot)
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
        assert snap_compare(app, terminal_size=SIZE, run_before=settled())

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
        service: LedgerService,
        tmp_path: Path,
        language: str,
    ) -> None:
        """Meeting mtg-2021-01 of bureau-meeting, the head decides after discussion: the four
        members in speaking order (高飞, 刘洋, 周敏, the head 张伟 last), all present; the next
        speaker 高飞 (no. 1) chosen, agree, the passphrase field focused."""
        at_the_floor(service, tmp_path)
        app = make_app(language=language, start="meeting")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled())
