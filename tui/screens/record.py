"""Placeholder for the record screen: the recording screens replace this module whole.

Hook: `PLACES` in `tui/screens/__init__.py` shows `RecordScreen` (built with no arguments) when
the user presses `r`, once someone has unlocked a key. Its strings go in
`tui/locale/<lang>/record.toml`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from tui.i18n import t
from tui.screens.base import LedgerScreen


class RecordScreen(LedgerScreen):
    """Not built yet: says so."""

    def body(self) -> ComposeResult:
        yield Static(t("app.not_built"), classes="placeholder")
