"""A decision's page shows a correction beside what it corrects: in the compliance summary (which
entry, by whom, when, why, whether it holds) and, in the responsibility trace, on the row of the
entry corrected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widgets import DataTable, Static

from ledger.app import Ledger, appending, decisions
from tests.tui.conftest import SIZE, DemoCopy
from tui.app import LedgerApp
from tui.screens.decision import DecisionScreen

MakeApp = Callable[..., LedgerApp]


async def test_a_correction_shows_on_the_decisions_page(
    make_app: MakeApp, ledger: Ledger, demo: DemoCopy
) -> None:
    """d2020-01's dissent, corrected by its member (the demo year is edition 1, so the
    correction is marked as recorded under edition 1)."""
    state = decisions.get_decision(ledger, "d2020-01")
    (person, position) = next(
        (p, pos) for d in state["deliberations"] for p, pos in d["positions"].items()
        if pos["stance"] == "disagree"
    )  # fmt: skip
    body = {"corrects": position["seq"], "reason": "笔误", "correction": "理由补充一句"}
    correction = appending.record_as(
        ledger, "entry.corrected", "d2020-01", body, actor=person,
        passphrase=demo.passphrase, occurred_at="2021-01-10T09:00:00+08:00",
    ).seq  # fmt: skip
    app = make_app(start="decisions")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await asyncio.sleep(0.02)
        table = app.screen.query_one("#decision-table", DataTable)
        row = next(i for i in range(table.row_count) if "d2020-01" in str(table.get_row_at(i)))
        table.move_cursor(row=row)
        await pilot.press("enter")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await asyncio.sleep(0.02)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DecisionScreen)
        summary = str(screen.query_one("#compliance-summary", Static).render())
        trace = screen.query_one("#trace-table", DataTable)
        cells = [[str(c) for c in trace.get_row_at(i)] for i in range(trace.row_count)]
    assert (
        f"Seq {position['seq']} corrected by seq {correction} ({person}, " in summary
        and "笔误 — recorded under edition 1" in summary
    )
    (marked,) = [c for c in cells if c[0] == str(position["seq"])]
    assert marked[-1].endswith(f"✎{correction}")
