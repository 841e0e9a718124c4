"""What every screen of the TUI shares.

`LedgerScreen` gives a screen the open ledger (`self.ledger`), localised key bindings (write the
catalog key as a binding's description: `Binding("f", "find", "decisions.find")`) and the
shell's header and footer. Screens call the ledger only in workers, through `fetch`: the worker
reads, and the screen shows what it read (a newer fetch of the same group replaces an older one,
whose result is dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from ledger.app import Ledger
from ledger.errors import LedgerError
from tui.i18n import has, t

if TYPE_CHECKING:
    from tui.app import LedgerApp

ResultT = TypeVar("ResultT")
T = TypeVar("T")


def localize_bindings(node: DOMNode) -> None:
    """Replace each binding description that is a catalog key by its message."""
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(b, description=t(b.description)) if has(b.description) else b for b in bindings
        ]


if TYPE_CHECKING:
    _Screen = Screen[Any]
else:
    _Screen = object  # a mixin: a second Screen base would put its styles above a modal's


class Fetching(_Screen):
    """A screen that calls the ledger in workers and shows what they return (`fetch`)."""

    def fetch(
        self,
        read: Callable[[], T],
        then: Callable[[T], None],
        *,
        group: str,
        failed: Callable[[Exception], None] | None = None,
        errors: tuple[type[Exception], ...] = (LedgerError,),
    ) -> None:
        """Run `read` (it may block: the database, scrypt, signatures) in a worker thread, then
        show its result with `then`. One of `errors` raised by `read` goes to `failed` (by
        default a notification with its message); any other exception is a bug and ends the app
        with its traceback. A newer fetch of the same `group` replaces an older one, and what
        the older one read is not shown.

        The result is shown before the worker ends (the one hand-back to the app's thread is
        here), so that whoever waits for the workers sees the screen they left."""
        show_failure = failed or self.notify_error

        def work() -> None:
            try:
                result = read()
            except errors as exc:
                if not get_current_worker().is_cancelled:
                    self.app.call_from_thread(show_failure, exc)
                return
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(then, result)

        self.run_worker(work, group=group, thread=True, exclusive=True)

    def notify_error(self, error: Exception) -> None:
        self.notify(str(error), severity="error")

    @property
    def ledger_app(self) -> LedgerApp:
        from tui.app import LedgerApp

        return cast(LedgerApp, self.app)

    @property
    def ledger(self) -> Ledger:
        return self.ledger_app.ledger


class LedgerScreen(Fetching, Screen[None]):
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

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield from self.body()
        yield Footer(compact=True)

    def body(self) -> ComposeResult:
        """The screen's own widgets, between header and footer."""
        yield from ()


class LedgerModal(Fetching, ModalScreen[ResultT]):
    """A modal dialog with localised bindings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)
