"""Placeholder for the meeting screen: the recording screens replace this module whole.

Hook: `PLACES` in `tui/screens/__init__.py` shows `MeetingScreen` (built with no arguments) when
the user presses `m`, once someone has unlocked a key. Its strings go in
`tui/locale/<lang>/record.toml`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from tui.i18n import t
from tui.screens.base import LedgerScreen


class MeetingScreen(LedgerScreen):
    """Not built yet: says so."""

    def body(self) -> ComposeResult:
        yield Static(t("app.not_built"), classes="placeholder")
