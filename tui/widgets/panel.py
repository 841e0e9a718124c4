"""A titled box of label/value lines, as the dashboard and detail pages show them."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

Value = str | Text


class Panel(Static):
    """A bordered box (its title in the border) showing label/value pairs or any renderable."""

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.border_title = title

    def show_pairs(self, pairs: list[tuple[str, Value]]) -> None:
        """Show `pairs` as two aligned columns (CJK labels take two columns per character)."""
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for label, value in pairs:
            grid.add_row(label, value)
        self.update(grid)
