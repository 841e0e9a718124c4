"""People: everyone registered; Enter opens a person's page."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input

from ledger.app.identity import PersonChoice, people
from tui.i18n import t
from tui.screens.base import LedgerScreen


class PeopleScreen(LedgerScreen):
    """The register of people, filtered as you type."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "decisions.search_key"),
        Binding("escape", "to_table", "decisions.to_table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.people: list[PersonChoice] = []

    def body(self) -> ComposeResult:
        yield Input(placeholder=t("people.search"), id="people-search")
        yield DataTable(id="people-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#people-table", DataTable)
        table.add_column(t("people.name"), width=10)
        table.add_column(t("people.id"), width=16)
        table.add_column(t("people.key_here"))
        table.focus()
        self.reload()

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        self.fetch(partial(people, self.ledger), self.show, group="people")

    def show(self, people: list[PersonChoice]) -> None:
        self.people = people
        self.refilter()

    @on(Input.Changed, "#people-search")
    def refilter(self) -> None:
        text = self.query_one("#people-search", Input).value.strip().lower()
        table = self.query_one("#people-table", DataTable)
        table.clear()
        for person in self.people:
            if text and text not in person.id.lower() and text not in person.name.lower():
                continue
            here = t("common.yes") if person.key_here else t("common.no")
            table.add_row(person.name, person.id, here, key=person.id)

    @on(Input.Submitted, "#people-search")
    def action_to_table(self) -> None:
        self.query_one("#people-table", DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#people-search", Input).focus()

    @on(DataTable.RowSelected, "#people-table")
    def open_person(self, event: DataTable.RowSelected) -> None:
        from tui.screens.person import PersonScreen

        if event.row_key.value is not None:
            self.app.push_screen(PersonScreen(event.row_key.value))
