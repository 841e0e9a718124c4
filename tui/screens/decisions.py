"""Decisions: a searchable, filterable list, one page at a time, read with SQL over the
derived tables (it never loads every decision); Enter opens a decision's page."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static

from ledger.app import decisions
from ledger.app.decisions import DecisionFilters, DecisionPage, DecisionQuery
from tui.format import status_label
from tui.i18n import t
from tui.screens.base import LedgerScreen

PAGE = 30
DEBOUNCE = 0.25  # seconds of quiet typing before a search runs


class DecisionsScreen(LedgerScreen):
    """The list; `/` searches, `pagedown`/`pageup` page, Enter opens."""

    RELOADS_ON_RESUME = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "decisions.search_key"),
        Binding("pagedown,right_square_bracket", "page(1)", "decisions.next", priority=True),
        Binding("pageup,left_square_bracket", "page(-1)", "decisions.previous", priority=True),
        Binding("escape", "to_table", "decisions.to_table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = DecisionQuery()
        self.page_offset = 0
        self.total = 0
        self.page_ids: list[str] = []
        self._debounce: Timer | None = None

    def body(self) -> ComposeResult:
        with Horizontal(id="decision-filters"):
            yield Input(placeholder=t("decisions.search"), id="decision-search")
            yield Select[str]([], prompt=t("decisions.any_status"), id="decision-status")
            yield Select[int]([], prompt=t("decisions.any_year"), id="decision-year")
            yield Select[str]([], prompt=t("decisions.any_organ"), id="decision-organ")
            yield Input(placeholder=t("decisions.scope"), id="decision-scope")
        yield DataTable(id="decision-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="decision-status-line")

    def on_mount(self) -> None:
        table = self.query_one("#decision-table", DataTable)
        table.add_column(t("decisions.id"), width=10)
        table.add_column(t("decisions.status"), width=14)
        table.add_column(t("decisions.year"), width=4)
        table.add_column(t("decisions.title"), width=44)
        table.add_column(t("decisions.organ"), width=14)
        table.add_column(t("decisions.scope_col"))
        table.focus()
        self.load_filters()

    def on_screen_resume(self) -> None:
        self.reload()

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        self.load(self.query_state, self.page_offset, None)  # the ledger may have grown

    def load_filters(self) -> None:
        self.fetch(
            partial(decisions.filters, self.ledger), self.show_filters, group="decision-filters"
        )

    def show_filters(self, filters: DecisionFilters) -> None:
        self.query_one("#decision-status", Select).set_options(
            (status_label(s), s) for s in filters.statuses
        )
        self.query_one("#decision-year", Select).set_options((str(y), y) for y in filters.years)
        self.query_one("#decision-organ", Select).set_options(
            (name, ident) for ident, name in filters.organs
        )

    def load(self, query: DecisionQuery, offset: int, total: int | None) -> None:
        self.fetch(
            lambda: decisions.page(self.ledger, query, offset=offset, limit=PAGE, total=total),
            lambda page: self.show_page(query, page),
            group="decision-page",
        )

    def show_page(self, query: DecisionQuery, page: DecisionPage) -> None:
        if query != self.query_state:
            return  # an older search finished late
        self.page_offset, self.total = page.offset, page.total
        table = self.query_one("#decision-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.page_ids = [d.id for d in page.rows]
        for d in page.rows:
            table.add_row(
                d.id,
                status_label(d.status),
                Text(str(d.year)),
                d.title,
                d.organ_name,
                d.scope,
                key=d.id,
            )
        if page.rows:
            table.move_cursor(row=min(row, len(page.rows) - 1))
        line = self.query_one("#decision-status-line", Static)
        if page.total == 0:
            line.update(t("decisions.none_found"))
        else:
            pages = (page.total + PAGE - 1) // PAGE
            line.update(
                t(
                    "decisions.showing",
                    first=page.offset + 1,
                    last=page.offset + len(page.rows),
                    total=page.total,
                    page=page.offset // PAGE + 1,
                    pages=pages,
                )
            )

    # -- filters ------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    def filters_changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self.apply_filters)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.apply_filters()
        self.query_one("#decision-table", DataTable).focus()

    def apply_filters(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

        def chosen(widget_id: str) -> object:
            value = self.query_one(widget_id, Select).value
            return None if value is Select.BLANK else value

        text = self.query_one("#decision-search", Input).value.strip()
        scope = self.query_one("#decision-scope", Input).value.strip()
        status, year, organ = (
            chosen("#decision-status"),
            chosen("#decision-year"),
            chosen("#decision-organ"),
        )
        query = DecisionQuery(
            text=text or None,
            status=status if isinstance(status, str) else None,
            scope=scope or None,
            year=year if isinstance(year, int) else None,
            organ=organ if isinstance(organ, str) else None,
        )
        if query != self.query_state:
            self.query_state, self.page_offset = query, 0
            self.load(query, 0, None)

    # -- actions ------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#decision-search", Input).focus()

    def action_to_table(self) -> None:
        self.query_one("#decision-table", DataTable).focus()

    def action_page(self, step: int) -> None:
        offset = self.page_offset + step * PAGE
        if offset < 0 or offset >= max(self.total, 1):
            self.app.bell()
            return
        self.page_offset = offset
        self.load(self.query_state, offset, self.total)  # same query: no need to count again

    @on(DataTable.RowSelected, "#decision-table")
    def open_decision(self, event: DataTable.RowSelected) -> None:
        from tui.screens.decision import DecisionScreen

        if event.row_key.value is not None:
            self.app.push_screen(DecisionScreen(event.row_key.value))
