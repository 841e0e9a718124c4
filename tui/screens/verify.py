"""Verify: recompute and check everything, with a progress bar; the first failure stands out."""

from __future__ import annotations

import time
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, DataTable, ProgressBar, Static

from ledger.app import verification
from ledger.app.verification import VerifyResult
from tui.format import when
from tui.i18n import t
from tui.messages import VerificationFinished
from tui.screens.base import LedgerScreen
from tui.screens.labels import failure_kind
from tui.widgets.tables import reset

TICK = 0.1  # seconds between progress updates sent to the screen


class VerifyScreen(LedgerScreen):
    """`s` (or the button) starts a run; the bar follows the entries checked."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("s", "start", "verify.start")]

    def body(self) -> ComposeResult:
        yield Static(t("verify.intro"), id="verify-intro")
        yield Button(t("verify.start"), id="verify-start", variant="primary")
        yield ProgressBar(id="verify-progress", show_eta=False)
        yield Static("", id="verify-result")
        yield Static("", id="verify-first")
        yield DataTable(id="verify-failures", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#verify-failures", DataTable).display = False
        self.query_one("#verify-first", Static).display = False
        self.show_last()

    def show_last(self) -> None:
        self.fetch(
            partial(verification.last_verify, self.ledger), self.show_kept, group="verify-last"
        )

    def show_kept(self, last: VerifyResult | None) -> None:
        if last is not None:
            self.show(last, True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "verify-start":
            self.action_start()

    def action_start(self) -> None:
        button = self.query_one("#verify-start", Button)
        if button.disabled:
            return
        button.disabled = True
        self.query_one("#verify-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#verify-result", Static).update(t("verify.running"))
        self.query_one("#verify-first", Static).display = False
        self.query_one("#verify-failures", DataTable).display = False
        self.run_verify()

    def run_verify(self) -> None:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= TICK:
                last[0] = now
                self.app.call_from_thread(self.advance, done, total)

        self.fetch(
            lambda: verification.verify_and_remember(self.ledger, progress),
            lambda result: self.show(result, False),
            group="verify",
            failed=lambda error: self.crashed(str(error)),
        )

    def advance(self, done: int, total: int) -> None:
        self.query_one("#verify-progress", ProgressBar).update(total=total, progress=done)

    def crashed(self, message: str) -> None:
        self.query_one("#verify-start", Button).disabled = False
        self.query_one("#verify-result", Static).update(
            Text(t("app.error", message=message), style="bold red")
        )

    def show(self, result: VerifyResult, remembered: bool) -> None:
        self.query_one("#verify-start", Button).disabled = False
        bar = self.query_one("#verify-progress", ProgressBar)
        bar.update(total=max(result.entries, 1), progress=max(result.entries, 1))
        headline = t(
            "verify.summary",
            entries=result.entries,
            blobs=result.blobs,
            head=(result.head or "")[:16],
            at=when(result.at),
        )
        verdict = (
            Text(t("verify.ok"), style="bold green")
            if result.ok
            else Text(t("verify.failed"), style="bold red")
        )
        prefix = t("verify.remembered") + " " if remembered else ""
        self.query_one("#verify-result", Static).update(
            Text.assemble(prefix, verdict, "  ", headline)
        )
        first = self.query_one("#verify-first", Static)
        table = self.query_one("#verify-failures", DataTable)
        if result.ok:
            first.display = False
            table.display = False
        else:
            failure = result.failures[0]
            seq = failure["seq"]
            where = t("verify.at_seq", seq=seq) if seq is not None else ""
            first.update(
                Text.assemble(
                    (t("verify.first_failure") + ": ", "bold"),
                    (f"{where} [{failure_kind(failure['class'])}] ", "bold red"),
                    failure["message"],
                )
            )
            first.display = True
            reset(table, t("verify.class"), t("verify.seq"), t("verify.count"), t("verify.message"))
            for f in result.failures:
                table.add_row(
                    failure_kind(f["class"]),
                    "" if f["seq"] is None else Text(str(f["seq"]), justify="right"),
                    Text(str(f["count"]), justify="right"),
                    f["message"],
                )
            table.display = True
        if not remembered:
            self.app.post_message(VerificationFinished(result))
