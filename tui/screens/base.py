"""What every screen of the TUI shares.

`LedgerScreen` gives a screen the service (`self.service`), localised key bindings (write the
catalog key as a binding's description: `Binding("f", "find", "decisions.find")`) and the
shell's header and footer. Screens call the service only from `@work(thread=True)` workers
and hand results back with `self.app.call_from_thread(...)`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

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
    """A place of the app: header, the screen's body (`body()`), footer.

    A screen with a `reload()` that is not showing when the ledger changes (entries appended
    elsewhere, someone unlocked) reloads when it is shown again, so it never shows an older
    state than the ledger's. Screens that reload on every resume say so (`RELOADS_ON_RESUME`)."""

    RELOADS_ON_RESUME: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)
        self.changes_seen = 0  # the app's count of ledger changes this screen has shown

    def refresh_if_stale(self) -> None:
        """Reload when the ledger changed since this screen last loaded."""
        changes = self.ledger_app.changes
        if self.changes_seen >= changes:
            return
        self.changes_seen = changes
        reload = getattr(self, "reload", None)
        if callable(reload):
            reload()

    def on_mount(self) -> None:
        self.changes_seen = self.ledger_app.changes  # the screen's own first load is current

    def on_screen_resume(self) -> None:
        if not self.RELOADS_ON_RESUME:
            self.refresh_if_stale()

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
