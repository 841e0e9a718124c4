"""Pilot tests of the export screen: a bundle, a dossier and an annual report written through
the TUI, each checked on disk and in the ledger; a refused export shows why and writes nothing."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, Select, Static, TextArea

from ledger import app_exports
from ledger.app_service import LedgerService
from ledger.checkpoints import current_log_keys
from ledger.entry import decode_statement
from ledger.errors import InputError
from ledger.export.verify_bundle import verify_bundle
from ledger.receipts import Trust
from ledger.types import lookup
from tests.builders import Clock, new_ledger
from tests.tui.conftest import SIZE, DemoCopy
from tui.app import LedgerApp
from tui.messages import EntriesAppended
from tui.screens.export import ExportScreen
from tui.widgets.panel import Panel

MakeApp = Callable[..., LedgerApp]
EXPORTER = "wu.xia"


async def settle(app: LedgerApp) -> None:
    for _ in range(4):
        await app.workers.wait_for_complete()
        await asyncio.sleep(0.02)


def text(widget: Static) -> str:
    buffer = io.StringIO()
    Console(width=300, file=buffer, color_system=None).print(widget.content)
    return buffer.getvalue()


def trust(service: LedgerService) -> Trust:
    return Trust(current_log_keys(service.store))


def fill(screen: ExportScreen, selector: str, value: str) -> None:
    screen.query_one(selector, Input).value = value


async def test_a_bundle_written_through_the_tui_verifies_against_the_checkpoint_key(
    make_app: MakeApp, service: LedgerService, tmp_path: Path
) -> None:
    """Guards the issue's export: the bundle is written with a progress bar, signed by the
    unlocked person, recorded as export.produced, and verifies offline."""
    out = tmp_path / "audit-2020.zip"
    blob = next(
        ref
        for row in service.store.rows()
        for ref in lookup(row.type).blob_refs(decode_statement(row.statement).body)
    )
    reason = "涉及个人信息，依《个人信息保护法》第十三条不予提供"
    messages: list[object] = []
    app = make_app(start="export", unlock=EXPORTER)
    before = service.store.count()
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        fill(screen, "#bundle-out", str(out))
        fill(screen, "#bundle-from", "2020-01-01")
        fill(screen, "#bundle-to", "2020-12-31")
        screen.query_one("#bundle-withheld", TextArea).text = f"{blob} {reason}\n"
        await pilot.press("ctrl+s")
        await settle(app)
        await pilot.pause()
        shown = text(screen.query_one("#export-result", Panel))
    assert out.is_file()
    assert service.store.count() == before + 1
    produced = service.entry(before)
    assert produced["type"] == "export.produced"
    body = produced["body"]
    assert body["from_date"] == "2020-01-01" and body["checkpoint"]["size"] == before
    assert body["bundle_sha256"] in shown
    assert f"seq {before}" in shown and f"{before} entries" in shown
    assert [m.seqs for m in messages if isinstance(m, EntriesAppended)] == [[before]]
    report = verify_bundle(out, trust=trust(service))
    assert report.ok, report.to_json()
    assert report.exporter == EXPORTER and report.bundle_hash == body["bundle_sha256"]
    assert report.size == before and report.withheld == [(blob, reason)]
    assert body["withheld"] == [{"blob": blob, "reason": reason}]
    assert blob[:16] in shown
