"""Dashboard: the ledger's health at a glance.

Origin, size and head; the last checkpoint and its witnesses; the last verify result;
decisions by status; overdue catalog matters (G17); the normative-document filing rates.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import DataTable

from ledger.app import witnesses as ledger_witnesses
from ledger.app.ledger import Ledger
from ledger.app.overview import Overview, overview
from ledger.app.witnesses import WitnessStatus
from tui.format import percent, short_hash, status_label, when
from tui.i18n import t
from tui.screens.base import LedgerScreen
from tui.widgets.panel import Panel
from tui.widgets.tables import titled


class DashboardScreen(LedgerScreen):
    """The first place: a few indexed queries, loaded in a worker."""

    RELOADS_ON_RESUME = True
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "reload", "dashboard.reload")]

    def body(self) -> ComposeResult:
        with VerticalScroll(id="dashboard"):
            with Grid(id="dashboard-grid"):
                yield Panel(t("dashboard.ledger"), id="dash-ledger")
                yield Panel(t("dashboard.checkpoint"), id="dash-checkpoint")
                yield Panel(t("dashboard.verify"), id="dash-verify")
                yield Panel(t("dashboard.filing"), id="dash-filing")
            with Horizontal(id="dashboard-tables"):
                yield titled("dash-status", t("dashboard.by_status"))
                yield titled("dash-overdue", t("dashboard.overdue"), cursor="row")

    def on_mount(self) -> None:
        self.query_one("#dash-ledger", Panel).update(t("common.loading"))
        self.query_one("#dash-status", DataTable).add_columns(
            t("dashboard.status"), t("dashboard.count")
        )
        self.query_one("#dash-overdue", DataTable).add_columns(
            t("dashboard.item"),
            t("dashboard.title"),
            t("dashboard.planned"),
            t("dashboard.days"),
            t("dashboard.decision"),
            t("dashboard.status"),
        )

    def on_screen_resume(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        self.fetch(partial(_read, self.ledger), self._show_all, group="dashboard")

    def _show_all(self, read: tuple[Overview, list[WitnessStatus], int]) -> None:
        o, witnesses, quorum = read
        self.show(o, _witness_pairs(witnesses, quorum) if witnesses else [])

    def show(self, o: Overview, witnesses: list[tuple[str, str | Text]] | None = None) -> None:
        self.query_one("#dash-ledger", Panel).show_pairs(
            [
                (t("dashboard.origin"), o.origin),
                (t("dashboard.organisation"), o.organisation),
                (t("dashboard.size"), t("dashboard.entries", n=o.size)),
                (
                    t("dashboard.head"),
                    t("common.none")
                    if o.head_seq is None
                    else t("dashboard.head_value", seq=o.head_seq, hash=short_hash(o.head_hash)),
                ),
                (t("dashboard.head_at"), when(o.head_recorded_at)),
            ]
        )
        checkpoint = self.query_one("#dash-checkpoint", Panel)
        if o.checkpoint is None:
            checkpoint.update(t("dashboard.no_checkpoint"))
        else:
            cp = o.checkpoint
            behind = o.size - cp.size
            checkpoint.show_pairs(
                [
                    (t("dashboard.cp_size"), t("dashboard.entries", n=cp.size)),
                    (t("dashboard.cp_root"), short_hash(cp.root)),
                    (t("dashboard.cp_at"), when(cp.recorded_at)),
                    (
                        t("dashboard.cp_witnesses"),
                        ", ".join(cp.witnesses) if cp.witnesses else t("dashboard.no_witnesses"),
                    ),
                    (
                        t("dashboard.cp_behind"),
                        t("dashboard.up_to_date")
                        if behind == 0
                        else t("dashboard.entries", n=behind),
                    ),
                    *(witnesses or []),
                ]
            )
        verify = self.query_one("#dash-verify", Panel)
        last = o.last_verify
        if last is None:
            verify.update(t("dashboard.never_verified"))
        else:
            result = (
                Text(t("verify.ok"), style="bold green")
                if last.ok
                else Text(t("verify.failed"), style="bold red")
            )
            pairs: list[tuple[str, str | Text]] = [
                (t("dashboard.verify_result"), result),
                (t("dashboard.verify_at"), when(last.at)),
                (t("dashboard.size"), t("dashboard.entries", n=last.entries)),
            ]
            first = last.first_failure
            if first is not None:
                pairs.append((t("verify.first_failure"), _failure(first)))
            verify.show_pairs(pairs)
        filing = self.query_one("#dash-filing", Panel)
        if o.filing is None:
            filing.update(t("dashboard.no_filing"))
        else:
            filing.border_title = t("dashboard.filing_year", year=o.filing["year"])
            filing.show_pairs(
                [
                    (t(f"dashboard.{name}"), percent(o.filing[name]))
                    for name in ("filing_rate", "timeliness_rate", "legality_rate")
                ]
            )
        status = self.query_one("#dash-status", DataTable)
        status.clear()
        for name, count in sorted(o.by_status.items(), key=lambda kv: (-kv[1], kv[0])):
            status.add_row(status_label(name), Text(str(count), justify="right"))
        status.add_row(
            Text(t("dashboard.total"), style="bold"),
            Text(str(sum(o.by_status.values())), style="bold", justify="right"),
        )
        overdue = self.query_one("#dash-overdue", DataTable)
        overdue.clear()
        if not o.overdue:
            overdue.add_row(t("dashboard.nothing_overdue"), "", "", "", "", "")
        for late in o.overdue:
            overdue.add_row(
                late["item"],
                late["title"],
                late["planned_decision_by"],
                Text(str(late["days_overdue"]), justify="right"),
                late["decision"] or t("common.none"),
                status_label(late["status"]),
            )


def _failure(failure: dict[str, object]) -> Text:
    seq = failure.get("seq")
    where = t("verify.at_seq", seq=seq) if seq is not None else ""
    return Text(f"{where} [{failure['class']}] {failure['message']}".strip(), style="red")


def _read(ledger: Ledger) -> tuple[Overview, list[WitnessStatus], int]:
    """The overview, and the ledger's witnesses with the last size each cosigned."""
    rows, quorum = ledger_witnesses.status(ledger)
    return overview(ledger), rows, quorum


def _witness_pairs(rows: list[WitnessStatus], quorum: int) -> list[tuple[str, str | Text]]:
    """The checkpoint panel's lines about the witnesses: the policy, then each witness."""
    pairs: list[tuple[str, str | Text]] = [
        (t("dashboard.cp_policy"), t("dashboard.policy_value", k=quorum, n=len(rows)))
    ]
    for row in rows:
        value = (
            t("dashboard.witness_cosigned", n=row.cosigned)
            if row.cosigned
            else t("dashboard.witness_nothing")
        )
        pairs.append((row.name, value))
    return pairs
