"""The places of the TUI, one screen per workflow, reached by a key, the command palette
(ctrl+p) or the footer.

`PLACES` is the registry: each `Place` names a mode of the app, its key, its catalog label
and the module and class of its screen, imported only when first shown. Each screen class is
built with no arguments and reaches the open ledger as `self.ledger` when it derives from
`tui.screens.base.LedgerScreen`; another place is one `Place(...)` line appended to `PLACES`
(keep the order of the others).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class Place:
    """A place of the app: `name` is its mode, `key` the key that shows it, `label` its
    catalog key, `module`/`cls` its screen; `signs` marks places that need an unlocked key."""

    name: str
    key: str
    label: str
    module: str
    cls: str
    signs: bool = False

    def factory(self) -> Callable[[], Screen[None]]:
        def build() -> Screen[None]:
            screen_class = getattr(importlib.import_module(self.module), self.cls)
            screen: Screen[None] = screen_class()
            return screen

        return build


PLACES: list[Place] = [
    Place("dashboard", "d", "nav.dashboard", "tui.screens.dashboard", "DashboardScreen"),
    Place("decisions", "l", "nav.decisions", "tui.screens.decisions", "DecisionsScreen"),
    Place("people", "p", "nav.people", "tui.screens.people", "PeopleScreen"),
    Place("verify", "v", "nav.verify", "tui.screens.verify", "VerifyScreen"),
    Place("checkpoint", "c", "nav.checkpoint", "tui.screens.checkpoint", "CheckpointScreen"),
    Place("record", "r", "nav.record", "tui.screens.record", "RecordScreen", signs=True),
    Place("meeting", "m", "nav.meeting", "tui.screens.meeting", "MeetingScreen", signs=True),
    Place("export", "e", "nav.export", "tui.screens.export", "ExportScreen"),
]


def place(name: str) -> Place:
    """The place called `name` (KeyError if none)."""
    for candidate in PLACES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
