"""Checkpoint: the last signed checkpoint (size, root, signers, witnesses, the note itself),
and signing a new one with the registrar's unlocked key."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from ledger.app import checkpoints, entries
from ledger.app.checkpoints import CheckpointInfo
from tui.format import when
from tui.i18n import t
from tui.messages import CheckpointSigned
from tui.screens.base import LedgerScreen
from tui.widgets.panel import Panel


class CheckpointScreen(LedgerScreen):
    """`s` (or the button) signs a checkpoint of the ledger as it stands."""

    RELOADS_ON_RESUME = True
    BINDINGS: ClassVar[list[BindingType]] = [Binding("s", "sign", "checkpoint.sign")]

    def body(self) -> ComposeResult:
        with VerticalScroll(id="checkpoint"):
            yield Static(t("checkpoint.intro"), id="checkpoint-intro")
            yield Button(t("checkpoint.sign"), id="checkpoint-sign", variant="primary")
            yield Static("", id="checkpoint-message")
            yield Panel(t("checkpoint.last"), id="checkpoint-last")
            note = Static("", id="checkpoint-note")
            note.border_title = t("checkpoint.note")
            yield note

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        self.fetch(
            lambda: (checkpoints.last(self.ledger), entries.count(self.ledger)),
            lambda found: self.show(*found),
            group="checkpoint",
        )

    def show(self, info: CheckpointInfo | None, size: int) -> None:
        panel = self.query_one("#checkpoint-last", Panel)
        note = self.query_one("#checkpoint-note", Static)
        if info is None:
            panel.update(t("dashboard.no_checkpoint"))
            note.display = False
            return
        panel.show_pairs(
            [
                (t("dashboard.cp_size"), t("dashboard.entries", n=info.size)),
                (t("checkpoint.root"), info.root),
                (t("dashboard.cp_at"), when(info.recorded_at)),
                (t("checkpoint.signers"), ", ".join(info.signers)),
                (
                    t("dashboard.cp_witnesses"),
                    ", ".join(info.witnesses) if info.witnesses else t("dashboard.no_witnesses"),
                ),
                (
                    t("dashboard.cp_behind"),
                    t("dashboard.up_to_date")
                    if size == info.size
                    else t("dashboard.entries", n=size - info.size),
                ),
            ]
        )
        note.update(Text(info.note))
        note.display = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "checkpoint-sign":
            self.action_sign()

    def action_sign(self) -> None:
        if self.ledger.read_only:
            self.say(t("checkpoint.needs_registrar"), "yellow")
            return
        self.query_one("#checkpoint-sign", Button).disabled = True
        self.say(t("checkpoint.signing"), "")
        self.sign()

    def sign(self) -> None:
        self.fetch(
            lambda: (*checkpoints.sign_as_unlocked(self.ledger), entries.count(self.ledger)),
            lambda done: self.signed(*done),
            group="checkpoint-sign",
            failed=lambda error: self.refused(str(error)),
        )

    def refused(self, message: str) -> None:
        self.query_one("#checkpoint-sign", Button).disabled = False
        self.say(t("app.error", message=message), "bold red")

    def signed(self, info: CheckpointInfo, new: bool, size: int) -> None:
        self.query_one("#checkpoint-sign", Button).disabled = False
        key = "checkpoint.signed" if new else "checkpoint.existed"
        self.say(t(key, size=info.size), "green")
        self.show(info, size)
        self.app.post_message(CheckpointSigned(info, new))

    def say(self, message: str, style: str) -> None:
        self.query_one("#checkpoint-message", Static).update(Text(message, style=style))
