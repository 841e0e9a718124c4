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

from keys import KeyStore
from ledger.app import Ledger, entries
from ledger.app import exports as app_exports
from ledger.checkpoints import current_log_keys
from ledger.entry import decode_statement
from ledger.errors import InputError
from ledger.export.verify_bundle import verify_bundle
from ledger.receipts import Trust
from ledger.registry import lookup
from tests.builders import Clock, new_ledger
from tests.tui.conftest import SIZE
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


def trust(ledger: Ledger) -> Trust:
    return Trust(current_log_keys(ledger.store))


def fill(screen: ExportScreen, selector: str, value: str) -> None:
    screen.query_one(selector, Input).value = value


async def test_a_bundle_written_through_the_tui_verifies_against_the_checkpoint_key(
    make_app: MakeApp, ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guards the issue's export: the bundle is written with a progress bar, signed by the
    unlocked person, recorded as export.produced, and verifies offline."""
    out = tmp_path / "audit-2020.zip"
    blob = next(
        ref
        for row in ledger.store.rows()
        for ref in lookup(row.type).blob_refs(decode_statement(row.statement).body)
    )
    reason = "涉及个人信息，依《个人信息保护法》第十三条不予提供"
    messages: list[object] = []
    app = make_app(start="export", unlock=EXPORTER)
    before = ledger.store.count()
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        fill(screen, "#bundle-out", str(out))
        fill(screen, "#bundle-from", "2020-01-01")
        fill(screen, "#bundle-to", "2020-12-31")
        screen.query_one("#bundle-withheld", TextArea).text = f"{blob} {reason}\n"
        fed: list[tuple[int, int]] = []
        advance = screen.advance

        def follow(done: int, total: int) -> None:
            fed.append((done, total))
            advance(done, total)

        monkeypatch.setattr(screen, "advance", follow)
        await pilot.press("ctrl+s")
        await settle(app)
        await pilot.pause()
        shown = text(screen.query_one("#export-result", Panel))
    assert out.is_file()
    assert fed and fed[-1] == (before, before)  # the bar followed the entries written
    assert ledger.store.count() == before + 1
    produced = entries.statement_json(ledger, before)
    assert produced["type"] == "export.produced"
    body = produced["body"]
    assert body["from_date"] == "2020-01-01" and body["checkpoint"]["size"] == before
    assert body["bundle_sha256"] in shown
    assert f"seq {before}" in shown and f"{before} entries" in shown
    assert [m.seqs for m in messages if isinstance(m, EntriesAppended)] == [[before]]
    report = verify_bundle(out, trust=trust(ledger))
    assert report.ok, report.to_json()
    assert report.exporter == EXPORTER and report.bundle_hash == body["bundle_sha256"]
    assert report.size == before and report.withheld == [(blob, reason)]
    assert body["withheld"] == [{"blob": blob, "reason": reason}]
    assert blob[:16] in shown


async def test_a_dossier_from_a_decisions_page(
    make_app: MakeApp, ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guards the key on a decision's page: `x` opens the export screen with that decision's
    dossier chosen; ctrl+s writes it, and it verifies alone."""
    monkeypatch.chdir(tmp_path)
    app = make_app(start="decisions", unlock=EXPORTER)
    before = ledger.store.count()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        for key in ("down", "down", "down", "down", "down", "enter"):
            await pilot.press(key)
        await settle(app)
        await pilot.press("x")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#dossier-decision", Select).value == "d2020-01"
        out = screen.query_one("#dossier-out", Input).value
        assert out == "dossier-d2020-01-2021-01-15.zip"
        await pilot.press("ctrl+s")
        await settle(app)
        await pilot.pause()
        shown = text(screen.query_one("#export-result", Panel))
    produced = entries.statement_json(ledger, before)
    assert produced["type"] == "export.produced"
    assert produced["body"]["decision"] == "d2020-01" and produced["body"]["kind"] == "dossier"
    assert produced["body"]["bundle_sha256"] in shown and f"seq {before}" in shown
    report = verify_bundle(tmp_path / out, trust=trust(ledger))
    assert report.ok, report.to_json()
    assert report.kind == "dossier" and report.decision == "d2020-01"


async def test_the_annual_report_is_saved_to_a_file_without_a_key(
    make_app: MakeApp, ledger: Ledger, tmp_path: Path
) -> None:
    """Guards the annual report: read-only is enough; the year's statistics are written in the
    chosen format, stamped with the checkpoint, and nothing is appended to the ledger."""
    out = tmp_path / "report-2020.json"
    app = make_app(start="export")
    before = ledger.store.count()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        await pilot.press("escape", "a")
        assert screen.query_one("#annual-year", Input).value == "2020"
        screen.query_one("#annual-format", Select).value = "json"
        await pilot.pause()
        assert screen.query_one("#annual-out", Input).value == "annual-2020.json"
        fill(screen, "#annual-out", str(out))
        await pilot.press("ctrl+s")
        await settle(app)
        await pilot.pause()
        shown = text(screen.query_one("#export-result", Panel))
        message = text(screen.query_one("#export-message", Static))
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["year"] == 2020 and report["decisions"]["total"] == 6
    assert report["checkpoint"]["size"] == before == ledger.store.count()
    assert "2020 annual report is saved" in message
    assert f"{before} entries" in shown and report["checkpoint"]["root"] in shown


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"#bundle-from": "2020-13-01"}, "Proposed from: '2020-13-01' is not a date YYYY-MM-DD"),
        ({"#bundle-out": "{existing}"}, "already exists; choose a new name"),
    ],
    ids=["bad-date", "exists"],
)
async def test_a_bad_bundle_form_shows_why_and_writes_nothing(
    make_app: MakeApp,
    ledger: Ledger,
    tmp_path: Path,
    fields: dict[str, str],
    expected: str,
) -> None:
    """Guards input errors: the field and the ledger's message are shown; no file, no entry."""
    folder = tmp_path / "exports"
    folder.mkdir()
    existing = folder / "old.zip"
    existing.write_bytes(b"an earlier export")
    app = make_app(start="export", unlock=EXPORTER)
    before = ledger.store.count()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        fill(screen, "#bundle-out", str(folder / "new.zip"))
        for selector, value in fields.items():
            fill(screen, selector, value.format(existing=existing))
        await pilot.press("ctrl+s")
        await settle(app)
        await pilot.pause()
        message = text(screen.query_one("#export-message", Static))
        assert not screen.query_one("#export-result", Panel).display
    assert expected in message
    assert ledger.store.count() == before
    assert sorted(p.name for p in folder.iterdir()) == ["old.zip"]
    assert existing.read_bytes() == b"an earlier export"


async def refused_bundle(
    db: str, keys: Path, person: str, passphrase: str, language: str, out: Path
) -> tuple[str, int]:
    """Unlock `person` on the ledger at `db`, press ctrl+s on the bundle form with `out`;
    the message shown, and how many entries were appended."""
    ledger = Ledger.open(str(db), key_dir=keys, clock=Clock(), home=keys.parent / "state")
    try:
        ledger.unlock(person, passphrase)
        before = ledger.store.count()
        app = LedgerApp(ledger, language=language, start="export", ask_unlock=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app)
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            fill(screen, "#bundle-out", str(out))
            await pilot.press("ctrl+s")
            await settle(app)
            await pilot.pause()
            message = text(screen.query_one("#export-message", Static))
        return message, ledger.store.count() - before
    finally:
        ledger.close()


async def test_an_export_without_a_checkpoint_is_refused_with_the_ledgers_reason(
    tmp_path: Path,
) -> None:
    """Guards the refusal: a ledger with no signed checkpoint cannot be exported; the screen
    shows the core's reason (in zh-Hans around it) and writes nothing."""
    (tmp_path / "fresh").mkdir()
    fixture = new_ledger(tmp_path / "fresh")
    person = "li.na"
    KeyStore(tmp_path / "keys").save(fixture.keys[person], "pass-li")
    fixture.store.close()
    message, appended = await refused_bundle(
        fixture.db, tmp_path / "keys", person, "pass-li", "zh-Hans", tmp_path / "audit.zip"
    )
    assert message.startswith("错误：an export is bound to a signed checkpoint")
    assert "`ledger checkpoint`" in message
    assert appended == 0
    assert not (tmp_path / "audit.zip").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ledger-export")]


async def test_a_bundle_needs_a_key_and_asks_for_one(make_app: MakeApp, tmp_path: Path) -> None:
    """Guards read-only sessions: starting a bundle export opens the unlock dialog instead."""
    from tui.screens.unlock import UnlockScreen

    app = make_app(start="export")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        fill(screen, "#bundle-out", str(tmp_path / "b.zip"))
        await pilot.press("ctrl+s")
        await settle(app)
        assert isinstance(app.screen, UnlockScreen)
        assert "unlock it first" in text(screen.query_one("#export-message", Static))
    assert not (tmp_path / "b.zip").exists()


def test_withheld_lines_are_read_and_a_bad_one_is_named() -> None:
    """Guards the withheld field: hash, space, reason, one a line; the bad line is named."""
    digest = "ab" * 32
    assert app_exports.parse_withheld(f"\n{digest} 涉密\n") == [(digest, "涉密")]
    with pytest.raises(InputError, match="not a SHA-256") as bad:
        app_exports.parse_withheld(f"{digest} ok\nabc reason")
    assert bad.value.where == "withheld 2"
    with pytest.raises(InputError, match="give the reason"):
        app_exports.parse_withheld(digest)


async def test_a_key_bound_after_the_checkpoint_is_refused_with_the_ledgers_reason(
    tmp_path: Path,
) -> None:
    """Guards the second refusal: someone whose key was bound after the latest checkpoint
    cannot export (an auditor could not check the signature); nothing is written."""
    from ledger.checkpoints import sign_checkpoint

    (tmp_path / "fresh").mkdir()
    fixture = new_ledger(tmp_path / "fresh")
    sign_checkpoint(store=fixture.store, keys=[fixture.keys["li.na"]])
    late = fixture.register("wang.fang", "王芳")  # after the checkpoint
    KeyStore(tmp_path / "keys").save(late, "pass-wang")
    fixture.store.close()
    message, appended = await refused_bundle(
        fixture.db, tmp_path / "keys", "wang.fang", "pass-wang", "en", tmp_path / "audit"
    )
    assert "wang.fang's key" in message
    assert "is not bound to them in the ledger up to the checkpoint (size 1)" in message
    assert appended == 0
    assert not (tmp_path / "audit").exists()
