"""DataTable helpers."""

from __future__ import annotations

from typing import Any, Literal

from textual.widgets import DataTable


def reset(table: DataTable[Any], *labels: str) -> None:
    """Empty `table`, giving it the columns `labels` the first time.

    The columns are added once and kept: clearing and re-adding them while a refresh is
    pending leaves auto-sized columns at their header's width.
    """
    if table.columns:
        table.clear()
    else:
        table.add_columns(*labels)


def titled(
    table_id: str, title: str, *, cursor: Literal["none", "row"] = "none"
) -> DataTable[object]:
    """A zebra-striped table with `title` on its border."""
    table: DataTable[object] = DataTable(id=table_id, cursor_type=cursor, zebra_stripes=True)
    table.border_title = title
    return table
