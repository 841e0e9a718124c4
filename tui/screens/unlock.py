"""Unlock: choose who you are, type your passphrase (masked), or browse read-only."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from keys import BadPassphraseError, KeysError
from ledger.app.identity import PersonChoice, people
from ledger.errors import LedgerError
from tui.i18n import pad, t
from tui.screens.base import LedgerModal


class UnlockScreen(LedgerModal[str | None]):
    """Dismisses with the person who unlocked, or None for read-only browsing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "read_only", "unlock.read_only"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.people: list[PersonChoice] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-dialog"):
            yield Label(t("unlock.title"), id="unlock-title")
            yield Static(t("unlock.intro"), id="unlock-intro")
            yield OptionList(id="unlock-people")
            yield Label(t("unlock.passphrase"), id="unlock-passphrase-label")
            yield Input(password=True, id="unlock-passphrase", placeholder=t("unlock.hint"))
            yield Static("", id="unlock-error")
            with Horizontal(id="unlock-buttons"):
                yield Button(t("unlock.unlock"), id="unlock-go", variant="primary")
                yield Button(t("unlock.read_only"), id="unlock-read-only")

    def on_mount(self) -> None:
        self.load_people()

    def load_people(self) -> None:
        self.fetch(partial(people, self.ledger), self.show_people, group="unlock-people")

    def show_people(self, people: list[PersonChoice]) -> None:
        self.people = people
        options = self.query_one("#unlock-people", OptionList)
        options.clear_options()
        width = max((len(p.id) for p in people), default=0) + 2
        for person in people:
            note = t("unlock.key_here") if person.key_here else t("unlock.no_key_here")
            prompt = f"{pad(person.name, 10)} {person.id.ljust(width)}{note}"
            options.add_option(Option(prompt, id=person.id, disabled=not person.key_here))
        first = next((i for i, p in enumerate(people) if p.key_here), None)
        if first is not None:
            options.highlighted = first
        options.focus()

    @on(OptionList.OptionSelected, "#unlock-people")
    def chosen(self) -> None:
        self.query_one("#unlock-passphrase", Input).focus()

    @on(Input.Submitted, "#unlock-passphrase")
    @on(Button.Pressed, "#unlock-go")
    def submit(self) -> None:
        options = self.query_one("#unlock-people", OptionList)
        if options.highlighted is None or not self.people:
            self.show_error(t("unlock.choose"))
            return
        person = self.people[options.highlighted].id
        secret = self.query_one("#unlock-passphrase", Input).value
        if not secret:
            self.show_error(t("unlock.empty"))
            return
        self.show_error(t("unlock.working"))
        self.query_one("#unlock-go", Button).disabled = True
        self.unlock(person, secret)

    def unlock(self, person: str, secret: str) -> None:
        self.fetch(
            lambda: self.ledger.unlock(person, secret),
            lambda _: self.unlocked(person),
            group="unlock",
            failed=self.refused_by,
            errors=(KeysError, LedgerError),
        )

    def unlocked(self, person: str) -> None:
        self.dismiss(person)

    def refused_by(self, error: Exception) -> None:
        wrong = isinstance(error, BadPassphraseError)
        self.failed(t("unlock.wrong_passphrase") if wrong else str(error))

    def failed(self, message: str) -> None:
        self.show_error(message)
        self.query_one("#unlock-go", Button).disabled = False
        field = self.query_one("#unlock-passphrase", Input)
        field.value = ""
        field.focus()

    def show_error(self, message: str) -> None:
        self.query_one("#unlock-error", Static).update(message)

    @on(Button.Pressed, "#unlock-read-only")
    def action_read_only(self) -> None:
        self.ledger.lock()
        self.dismiss(None)
