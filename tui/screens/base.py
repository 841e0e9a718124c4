"""What every screen of the TUI shares.

`LedgerScreen` gives a screen the service (`self.service`), localised key bindings (write the
catalog key as a binding's description: `Binding("f", "find", "decisions.find")`) and the
shell's header and footer. Screens call the service only from `@work(thread=True)` workers
and hand results back with `self.app.call_from_thread(...)`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header

from ledger.app_service import LedgerService
from tui.i18n import has, t

if TYPE_CHECKING:
    from tui.app import LedgerApp

ResultT = TypeVar("ResultT")


def localize_bindings(node: DOMNode) -> None:
    """Replace each binding description that is a catalog key by its message."""
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(b, description=t(b.description)) if has(b.description) else b for b in bindings
        ]


class LedgerScreen(Screen[None]):
    """A place of the app: header, the screen's body (`body()`), footer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)

    @property
    def ledger_app(self) -> LedgerApp:
        from tui.app import LedgerApp

        return cast(LedgerApp, self.app)

    @property
    def service(self) -> LedgerService:
        return self.ledger_app.service

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield from self.body()
        yield Footer(compact=True)

    def body(self) -> ComposeResult:
        """The screen's own widgets, between header and footer."""
        yield from ()


class LedgerModal(ModalScreen[ResultT]):
    """A modal dialog with localised bindings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)
