"""LedgerApp: the shell every screen plugs into.

The app receives a `Ledger` (`ledger.app`) and never opens the database itself. Each place of
`tui.screens.PLACES` is a Textual mode (its own screen stack, kept while you look elsewhere),
reached by its key, by the command palette (ctrl+p) or from the footer. `u` switches who is
signing (the unlock dialog), `q` quits. Places that sign (`Place.signs`) ask for a key first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar, cast

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen

from ledger.app import Ledger
from tui import i18n
from tui.i18n import t
from tui.messages import EntriesAppended, Unlocked
from tui.screens import PLACES, place
from tui.screens.base import LedgerScreen, localize_bindings


class LedgerApp(App[None]):
    """The decision ledger's terminal UI.

    Args:
        ledger: the open ledger and keys (the app closes nothing: the caller owns it).
        language: one of `tui.i18n.LANGUAGES`.
        start: the place shown first.
        ask_unlock: open the unlock dialog at start when there is a key directory.
    """

    CSS_PATH = "app.tcss"
    TITLE = ""
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        p.name: p.factory() for p in PLACES
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(p.key, f"go('{p.name}')", p.label) for p in PLACES),
        Binding("u", "unlock", "nav.unlock"),
        Binding("q", "quit", "nav.quit"),
        Binding("ctrl+p", "command_palette", "nav.palette", show=False, priority=True),
    ]

    def __init__(
        self,
        ledger: Ledger,
        *,
        language: str = i18n.DEFAULT_LANGUAGE,
        start: str = "dashboard",
        ask_unlock: bool = True,
    ) -> None:
        i18n.use(language)
        super().__init__()
        localize_bindings(self)
        self.ledger = ledger
        self.language = language
        self.start = start
        self.ask_unlock = ask_unlock
        self.changes = 0  # appends and unlocks so far: a screen shown again reloads if behind

    def on_mount(self) -> None:
        self.title = t("app.title")
        self.update_sub_title()
        self.switch_mode(self.start)
        if self.ask_unlock and self.ledger.keystore is not None:
            self.action_unlock()

    def update_sub_title(self) -> None:
        """Show who signs, or that the session is read-only."""
        if self.ledger.actor is None:
            self.sub_title = t("app.read_only")
        else:
            who = f"{self.ledger.actor_name} ({self.ledger.actor})"
            self.sub_title = t("app.signing_as", person=who)

    # -- navigation -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("go", "unlock") and isinstance(self.screen, ModalScreen):
            return False  # a dialog is open: finish it first
        return True

    def action_go(self, name: str) -> None:
        """Show the place `name`; a place that signs asks for a key first."""
        target = place(name)
        if target.signs and self.ledger.read_only:
            self.notify(t("app.needs_key"), severity="warning")
            self.action_unlock(then=name)
            return
        self.switch_mode(name)

    def action_unlock(self, then: str | None = None) -> None:
        from tui.screens.unlock import UnlockScreen

        self.push_screen(UnlockScreen(), partial(self._unlocked, then))

    def _unlocked(self, then: str | None, person: str | None) -> None:
        self.changes += 1
        self.update_sub_title()
        self.post_message(Unlocked(person))
        if then is not None and person is not None:
            self.switch_mode(then)

    def on_unlocked(self, message: Unlocked) -> None:
        self._refresh_current()

    def on_entries_appended(self, message: EntriesAppended) -> None:
        self.changes += 1
        self._refresh_current()

    def _refresh_current(self) -> None:
        """Reload the screen shown; the others reload when shown again (`LedgerScreen`)."""
        screen = self.screen
        if isinstance(screen, LedgerScreen):
            screen.refresh_if_stale()
            return
        reload = getattr(screen, "reload", None)
        if callable(reload):
            reload()

    def action_command_palette(self) -> None:
        """The command palette, its search field in the chosen language."""
        if self.use_command_palette and not CommandPalette.is_open(cast(App[object], self)):
            self.push_screen(
                CommandPalette(placeholder=t("nav.palette_search"), id="--command-palette")
            )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for p in PLACES:
            yield SystemCommand(t(p.label), t(f"{p.label}_help"), partial(self.action_go, p.name))
        yield SystemCommand(t("nav.unlock"), t("nav.unlock_help"), self.action_unlock)
        yield SystemCommand(t("nav.quit"), t("nav.quit_help"), self.exit)
