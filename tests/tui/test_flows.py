"""Pilot tests of the browsing flows: keys pressed, then the ledger's state, the screen and
the messages the app emitted are checked."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

from rich.console import Console
from textual.widgets import DataTable, Input, Static

from ledger.app import Ledger, verification
from tests import tamper
from tests.tui.conftest import SIZE, DemoCopy
from tui.app import LedgerApp
from tui.messages import CheckpointSigned, VerificationFinished
from tui.screens.decision import DecisionScreen
from tui.screens.decisions import DecisionsScreen
from tui.screens.person import PersonScreen
from tui.screens.verify import VerifyScreen

MakeApp = Callable[..., LedgerApp]


async def settle(app: LedgerApp) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await asyncio.sleep(0.02)


def rows(table: DataTable[object]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def text(widget: Static) -> str:
    """What the widget shows, as plain text."""
    buffer = io.StringIO()
    Console(width=200, file=buffer, color_system=None).print(widget.content)
    return buffer.getvalue()


async def test_verify_on_a_tampered_database_shows_the_failing_seq(
    make_app: MakeApp, demo: DemoCopy
) -> None:
    db = str(demo.db)
    (signature,) = tamper.read(db, "SELECT signature FROM entries WHERE seq = 200")[0]
    assert isinstance(signature, bytes)
    forged = bytearray(signature)
    forged[10] ^= 0x01
    tamper.sql(
        db, f"UPDATE entries SET signature = {tamper.hexlit(db, bytes(forged))} WHERE seq = 200;"
    )
    messages: list[object] = []
    app = make_app(start="verify")
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(app)
        assert isinstance(app.screen, VerifyScreen)
        await pilot.press("s")
        await settle(app)
        await pilot.pause()
        finished = [m for m in messages if isinstance(m, VerificationFinished)]
        assert len(finished) == 1
        result = finished[0].result
        assert not result.ok
        assert result.failures[0]["class"] == "signature"
        assert result.failures[0]["seq"] == 200
        first = text(app.screen.query_one("#verify-first", Static))
        assert "seq 200" in first and "[signature]" in first
        assert "FAILED" in text(app.screen.query_one("#verify-result", Static))
        failures = rows(app.screen.query_one("#verify-failures", DataTable))
        assert failures[0][:2] == ["signature", "200"]


async def test_verify_on_the_demo_passes_and_the_dashboard_remembers(
    make_app: MakeApp, ledger: Ledger, demo: DemoCopy
) -> None:
    app = make_app(start="verify")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        await pilot.press("s")
        await settle(app)
        await pilot.pause()
        assert "VERIFIED" in text(app.screen.query_one("#verify-result", Static))
        last = verification.last_verify(ledger)
        assert last is not None and last.ok and last.entries == demo.entries
        await pilot.press("d")
        await settle(app)
        await pilot.pause()
        panel = text(app.screen.query_one("#dash-verify", Static))
        assert "VERIFIED" in panel


async def test_search_and_filter_the_decisions(make_app: MakeApp) -> None:
    app = make_app(start="decisions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, DecisionsScreen)
        table = screen.query_one("#decision-table", DataTable)
        assert [r[0] for r in rows(table)] == [f"d2020-0{n}" for n in (7, 5, 4, 3, 2, 1)]
        await pilot.press("slash", *"课后服务", "enter")
        await settle(app)
        await pilot.pause()
        assert [r[0] for r in rows(table)] == ["d2020-05", "d2020-04"]
        assert "1–2 of 2" in text(screen.query_one("#decision-status-line", Static))
        screen.query_one("#decision-search", Input).value = ""
        screen.query_one("#decision-scope", Input).value = "normative_document"
        screen.apply_filters()
        await settle(app)
        await pilot.pause()
        assert [r[0] for r in rows(table)] == ["d2020-03"]
        screen.query_one("#decision-scope", Input).value = ""
        from textual.widgets import Select

        screen.query_one("#decision-status", Select).value = "in_execution"
        screen.apply_filters()
        await settle(app)
        await pilot.pause()
        assert [r[0] for r in rows(table)] == ["d2020-05", "d2020-03", "d2020-02", "d2020-01"]


async def test_open_a_decision_then_a_person_from_its_trace(make_app: MakeApp) -> None:
    app = make_app(start="decisions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        table = app.screen.query_one("#decision-table", DataTable)
        table.move_cursor(row=5)  # d2020-01
        await pilot.press("enter")
        await settle(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DecisionScreen) and screen.ident == "d2020-01"
        timeline = rows(screen.query_one("#timeline-table", DataTable))
        assert timeline[0][0] == "44" and timeline[0][2] == "decision proposed"
        assert all(row[-1] == "✓ ok" for row in timeline)
        positions = rows(screen.query_one("#positions-table", DataTable))
        assert ["mtg-2020-05", "3", "zhou.min", "disagree"] == positions[2][:4]
        await pilot.press("w")
        await pilot.pause()
        trace = screen.query_one("#trace-table", DataTable)
        assert rows(trace)[0][2] == "王强 (wang.qiang)"
        await pilot.press("enter")
        await settle(app)
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen) and app.screen.ident == "wang.qiang"
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, DecisionsScreen)


async def test_a_persons_page_shows_posts_keys_and_involvement(make_app: MakeApp) -> None:
    app = make_app(start="people")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        await pilot.press("slash", *"陈静", "enter")
        await pilot.pause()
        table = app.screen.query_one("#people-table", DataTable)
        assert [r[1] for r in rows(table)] == ["chen.jing"]
        await pilot.press("enter")
        await settle(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PersonScreen)
        posts = rows(screen.query_one("#person-posts", DataTable))
        assert [p[3] for p in posts] == ["2020-09-30", "2020-09-30", "current"]
        keys = rows(screen.query_one("#person-keys", DataTable))
        assert len(keys) == 2 and keys[0][2].startswith("revoked at seq 319")
        assert keys[1][2] == "valid"
        parts = rows(screen.query_one("#person-involvement", DataTable))
        assert any(p[2] == "d2020-01" and p[3] == "member's position" for p in parts)


async def test_signing_a_checkpoint_needs_the_registrar(make_app: MakeApp, ledger: Ledger) -> None:
    messages: list[object] = []
    app = make_app(start="checkpoint")
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(app)
        await pilot.press("s")
        await pilot.pause()
        assert "registrar" in text(app.screen.query_one("#checkpoint-message", Static))
        assert not any(isinstance(m, CheckpointSigned) for m in messages)


async def test_the_registrar_signs_a_checkpoint(
    make_app: MakeApp, ledger: Ledger, demo: DemoCopy
) -> None:
    messages: list[object] = []
    app = make_app(start="checkpoint", unlock="li.na")
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(app)
        await pilot.press("s")
        await settle(app)
        await pilot.pause()
        signed = [m for m in messages if isinstance(m, CheckpointSigned)]
        assert len(signed) == 1 and not signed[0].new  # the demo signed its whole year already
        assert signed[0].checkpoint.size == demo.entries
        assert "already" in text(app.screen.query_one("#checkpoint-message", Static))


async def test_a_wrong_passphrase_is_refused_and_the_field_cleared(
    make_app: MakeApp, ledger: Ledger
) -> None:
    app = make_app(ask_unlock=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        await pilot.press("enter", *"not-it", "enter")
        await settle(app)
        await pilot.pause()
        assert ledger.actor is None
        assert "Wrong passphrase" in text(app.screen.query_one("#unlock-error", Static))
        assert app.screen.query_one("#unlock-passphrase", Input).value == ""
        await pilot.press("escape")
        assert ledger.read_only and app.sub_title == "read-only"
