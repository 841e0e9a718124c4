"""The dashboard screen (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from tui.i18n import t
from tui.screens.base import LedgerScreen


class DashboardScreen(LedgerScreen):
    """Not built yet: says so."""

    def body(self) -> ComposeResult:
        yield Static(t("app.not_built"), classes="placeholder")
