"""Export: the bundle, a decision's dossier and the annual report, with a progress bar.

The bundle and the dossier are signed by whoever is unlocked and recorded as `export.produced`
(the result shows the bundle hash, the checkpoint it is bound to and that entry's seq); the annual
report needs no key. A refused export shows the ledger's reason and writes nothing.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from ledger.app import exports as app_exports
from ledger.app.exports import ExportDone, ReportDone
from ledger.errors import InputError, LedgerError
from tui.i18n import has, t
from tui.messages import EntriesAppended
from tui.screens.base import LedgerScreen
from tui.widgets.panel import Panel

TICK = 0.1  # seconds between progress updates sent to the screen


def field_name(where: str | None) -> str | None:
    """The form field an InputError's `where` names, in the current language."""
    if where is None:
        return None
    name, _, line = where.partition(" ")
    key = f"export.field.{name}"
    if not has(key):
        return where
    return t(key) + (" " + t("export.line", n=line) if line else "")


def error_text(exc: Exception) -> str:
    """The ledger's message, with the field it is about named in the current language (the
    file system's refusal as it says it)."""
    if not isinstance(exc, LedgerError):
        return t("app.error", message=str(exc))
    if isinstance(exc, InputError):
        field = field_name(exc.where)
        if field is not None:
            return t("export.field_error", field=field, message=exc.message)
        return t("app.error", message=exc.message)
    return t("app.error", message=exc.diagnostics())


class ExportScreen(LedgerScreen):
    """`b`, `o` and `a` pick the bundle, a dossier or the annual report; `ctrl+s` (or the
    button) starts; `escape` leaves a field so the place keys work again."""

    CSS_PATH = "export.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "export.start", priority=True),
        Binding("b", "kind('bundle')", "export.bundle"),
        Binding("o", "kind('dossier')", "export.dossier"),
        Binding("a", "kind('annual')", "export.annual"),
        Binding("escape", "leave", "export.leave"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}
        self.busy = False
        self.wanted_decision: str | None = None

    def body(self) -> ComposeResult:
        with VerticalScroll(id="export"):
            yield Static(t("export.intro"), id="export-intro")
            with TabbedContent(id="export-kinds", initial="bundle"):
                with TabPane(t("export.bundle"), id="bundle"):
                    yield Static(t("export.bundle_help"), classes="export-help")
                    yield from _field("out", Input(id="bundle-out"))
                    with Horizontal(classes="export-row"):
                        yield from _field(
                            "from", Input(id="bundle-from", placeholder=t("export.date_hint"))
                        )
                        yield from _field(
                            "to", Input(id="bundle-to", placeholder=t("export.date_hint"))
                        )
                    yield Label(t("export.field.withheld"), classes="export-label")
                    yield Static(t("export.withheld_hint"), classes="export-hint")
                    yield TextArea(id="bundle-withheld", soft_wrap=True, classes="export-input")
                with TabPane(t("export.dossier"), id="dossier"):
                    yield Static(t("export.dossier_help"), classes="export-help")
                    yield from _field(
                        "decision",
                        Select[str]([], id="dossier-decision", prompt=t("export.choose")),
                    )
                    yield from _field("out", Input(id="dossier-out"))
                with TabPane(t("export.annual"), id="annual"):
                    yield Static(t("export.annual_help"), classes="export-help")
                    with Horizontal(classes="export-row"):
                        yield from _field("year", Input(id="annual-year", type="integer"))
                        yield from _field(
                            "format",
                            Select[str](
                                [(t(f"export.format.{f}"), f) for f in app_exports.REPORT_FORMATS],
                                id="annual-format",
                                value="md",
                                allow_blank=False,
                            ),
                        )
                    yield from _field("out", Input(id="annual-out"))
            yield Button(t("export.start_button"), id="export-start", variant="primary")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-message")
            yield Panel(t("export.result"), id="export-result")

    def on_mount(self) -> None:
        self.query_one("#export-result", Panel).display = False
        self.query_one("#export-progress", ProgressBar).update(total=1, progress=0)
        self._choose_wanted()
        self.load()

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        self.fetch(
            lambda: (
                app_exports.suggested_names(self.ledger),
                app_exports.decision_choices(self.ledger),
            ),
            lambda found: self.show_choices(*found),
            group="export-load",
            failed=lambda error: self.say(error_text(error), "bold red"),
        )

    def show_choices(self, names: dict[str, str], choices: list[tuple[str, str]]) -> None:
        first = not self.names
        self.names = names
        picker = self.query_one("#dossier-decision", Select)
        current = picker.value
        picker.set_options([(f"{ident}  {title}", ident) for ident, title in choices])
        if isinstance(current, str):
            picker.value = current
        if first:
            self.query_one("#bundle-out", Input).value = names["bundle"]
            year = names["annual"].rpartition("-")[2]
            self.query_one("#annual-year", Input).value = year
            self._name_annual()
            self._name_dossier()
        self._choose_wanted()

    def choose_dossier(self, decision: str) -> None:
        """Show the dossier form with `decision` chosen (from a decision's page)."""
        self.wanted_decision = decision
        if self.is_mounted:
            self._choose_wanted()

    def _choose_wanted(self) -> None:
        if self.wanted_decision is None:
            return
        self.query_one("#export-kinds", TabbedContent).active = "dossier"
        picker = self.query_one("#dossier-decision", Select)
        if self.names:  # the choices are loaded
            picker.value = self.wanted_decision
            self.wanted_decision = None
            self._name_dossier()
        picker.focus()

    # -- the suggested file names follow the choices ----------------------------------------

    @on(Select.Changed, "#dossier-decision")
    def _dossier_changed(self) -> None:
        self._name_dossier()

    @on(Select.Changed, "#annual-format")
    @on(Input.Changed, "#annual-year")
    def _annual_changed(self) -> None:
        self._name_annual()

    def _name_dossier(self) -> None:
        value = self.query_one("#dossier-decision", Select).value
        if self.names and isinstance(value, str):
            self.query_one("#dossier-out", Input).value = self.names["dossier"].format(
                decision=value
            )

    def _name_annual(self) -> None:
        if not self.names:
            return
        year = self.query_one("#annual-year", Input).value.strip()
        fmt = self.query_one("#annual-format", Select).value
        self.query_one("#annual-out", Input).value = f"annual-{year}.{fmt}"

    # -- actions ----------------------------------------------------------------------------

    def action_leave(self) -> None:
        """Leave the field (the place keys work again)."""
        self.set_focus(None)

    def action_kind(self, kind: str) -> None:
        """Show the form of `kind` and put the cursor in its first field."""
        self.query_one("#export-kinds", TabbedContent).active = kind
        self.query_one(f"#{kind}").query(".export-input").first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-start":
            self.action_start()

    @property
    def kind(self) -> str:
        return self.query_one("#export-kinds", TabbedContent).active or "bundle"

    def action_start(self) -> None:
        if self.busy:
            return
        kind = self.kind
        if kind != "annual" and self.ledger.read_only:
            self.say(t("export.needs_key"), "yellow")
            self.ledger_app.action_unlock()
            return
        form: dict[str, str] = {}
        if kind == "bundle":
            form = {
                "out": self.query_one("#bundle-out", Input).value,
                "from_date": self.query_one("#bundle-from", Input).value,
                "to_date": self.query_one("#bundle-to", Input).value,
                "withheld": self.query_one("#bundle-withheld", TextArea).text,
            }
        elif kind == "dossier":
            value = self.query_one("#dossier-decision", Select).value
            form = {
                "decision": value if isinstance(value, str) else "",
                "out": self.query_one("#dossier-out", Input).value,
            }
        else:
            fmt = self.query_one("#annual-format", Select).value
            form = {
                "year": self.query_one("#annual-year", Input).value,
                "fmt": fmt if isinstance(fmt, str) else "",
                "out": self.query_one("#annual-out", Input).value,
            }
        self.busy = True
        self.query_one("#export-start", Button).disabled = True
        self.query_one("#export-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#export-result", Panel).display = False
        self.say(t(f"export.running_{kind}"), "")
        self.run_export(kind, form)

    def run_export(self, kind: str, form: dict[str, str]) -> None:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= TICK or done == total:
                last[0] = now
                self.app.call_from_thread(self.advance, done, total)

        def export() -> ExportDone | ReportDone:
            if kind == "bundle":
                return app_exports.bundle(self.ledger, progress=progress, **form)
            if kind == "dossier":
                return app_exports.dossier(self.ledger, progress=progress, **form)
            return app_exports.write_annual_report(self.ledger, progress=progress, **form)

        self.fetch(
            export,
            self.finished,
            group="export",
            failed=lambda error: self.refused(error_text(error)),
            errors=(LedgerError, OSError),  # OSError: the file system refused (a full disk)
        )

    def advance(self, done: int, total: int) -> None:
        self.query_one("#export-progress", ProgressBar).update(total=total, progress=done)

    def refused(self, message: str) -> None:
        self.busy = False
        self.query_one("#export-start", Button).disabled = False
        self.query_one("#export-progress", ProgressBar).update(total=1, progress=0)
        self.say(message, "bold red")

    def finished(self, result: ExportDone | ReportDone) -> None:
        self.busy = False
        self.query_one("#export-start", Button).disabled = False
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=1, progress=1)
        panel = self.query_one("#export-result", Panel)
        checkpoint = t(
            "export.checkpoint_value", size=result.checkpoint_size, root=result.checkpoint_root
        )
        pairs: list[tuple[str, str | Text]]
        if isinstance(result, ReportDone):
            self.say(t("export.report_done", year=result.year), "bold green")
            pairs = [
                (t("export.path"), str(result.path)),
                (t("export.field.format"), t(f"export.format.{result.format}")),
                (t("export.decisions"), str(result.decisions)),
                (t("export.checkpoint"), checkpoint),
                (t("export.bytes"), t("export.bytes_value", n=result.size)),
            ]
        else:
            self.say(t(f"export.done_{result.kind}"), "bold green")
            pairs = [
                (t("export.path"), str(result.path)),
                (t("export.hash"), Text(result.bundle_hash, style="bold")),
                (t("export.checkpoint"), checkpoint),
                (t("export.recorded"), t("export.seq_value", seq=result.seq)),
                (
                    t("export.contents"),
                    t("export.contents_value", entries=result.entries, blobs=result.blobs),
                ),
            ]
            for blob, reason in result.withheld:
                pairs.append((t("export.withheld"), f"{blob[:16]}… {reason}"))
            self.app.post_message(EntriesAppended([result.seq]))
        panel.show_pairs(pairs)
        panel.display = True

    def say(self, message: str, style: str) -> None:
        self.query_one("#export-message", Static).update(Text(message, style=style))


def _field(name: str, widget: Any) -> ComposeResult:
    """A labelled form field (the label from `export.field.<name>`)."""
    with Vertical(classes="export-field"):
        yield Label(t(f"export.field.{name}"), classes="export-label")
        widget.add_class("export-input")
        yield widget
