"""A decision's page: its state, its timeline (each entry's signer, times and whether it
verifies on its own), its compliance findings and its responsibility trace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from ledger.app import accountability, decisions
from ledger.app.decisions import TimelineItem
from tui.format import label, short_hash, status_label, when
from tui.i18n import t
from tui.screens.base import LedgerScreen
from tui.screens.labels import basis_text, entry_type_name, finding_name, post_at, role_name
from tui.widgets.panel import Panel
from tui.widgets.tables import reset


@dataclass(frozen=True)
class DecisionView:
    state: dict[str, Any]
    timeline: list[TimelineItem]
    compliance: dict[str, Any]
    trace: dict[str, Any]


class DecisionScreen(LedgerScreen):
    """Pushed from the list; Escape goes back. Enter on a person opens their page."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "nav.back"),
        Binding("t", "tab('timeline')", "decision.timeline"),
        Binding("k", "tab('compliance')", "decision.compliance"),
        Binding("w", "tab('trace')", "decision.trace"),
        Binding("x", "export_dossier", "decision.export"),
    ]

    def __init__(self, ident: str) -> None:
        super().__init__()
        self.ident = ident
        self.trace_people: list[str] = []

    def body(self) -> ComposeResult:
        yield Panel(self.ident, id="decision-head")
        with TabbedContent(id="decision-tabs", initial="timeline"):
            with TabPane(t("decision.timeline"), id="timeline"):
                yield DataTable(id="timeline-table", cursor_type="row", zebra_stripes=True)
            with TabPane(t("decision.compliance"), id="compliance"):
                yield Static("", id="compliance-summary")
                yield DataTable(id="findings-table", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="positions-table", cursor_type="row", zebra_stripes=True)
            with TabPane(t("decision.trace"), id="trace"):
                yield DataTable(id="trace-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load(self.ident)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export_dossier(self) -> None:
        """The export screen, with this decision's dossier chosen."""
        from tui.screens.export import ExportScreen

        self.ledger_app.action_go("export")
        screen = self.app.screen
        if isinstance(screen, ExportScreen):
            screen.choose_dossier(self.ident)

    def action_tab(self, name: str) -> None:
        self.query_one("#decision-tabs", TabbedContent).active = name
        self.query_one(f"#{name} DataTable", DataTable).focus()

    def load(self, ident: str) -> None:
        self.fetch(lambda: self.read(ident), self.show, group="decision")

    def read(self, ident: str) -> DecisionView:
        return DecisionView(
            decisions.decision_view(self.ledger, ident),
            decisions.checked_timeline(self.ledger, ident),
            accountability.check(self.ledger, ident, today=self.ledger.today())[0],
            accountability.trace_decision(self.ledger, ident),
        )

    def show(self, view: DecisionView) -> None:
        state, report = view.state, view.compliance
        self.query_one("#decision-head", Panel).border_title = f"{state['id']}  {state['title']}"
        self.query_one("#decision-head", Panel).show_pairs(
            [
                (t("decisions.status"), status_label(state["status"])),
                (t("decisions.organ"), f"{state['organ_name']} ({state['organ']})"),
                (t("decision.proposed"), when(state.get("proposed_at"))),
                (t("decision.compliance"), _compliance(report)),
                (t("decision.record"), label("record", report["record_completeness"])),
            ]
        )
        self._timeline(view.timeline)
        self._compliance(report)
        self._trace(view.trace)
        self.query_one("#timeline-table", DataTable).focus()

    def _timeline(self, items: list[TimelineItem]) -> None:
        table = self.query_one("#timeline-table", DataTable)
        reset(
            table,
            t("decision.seq"),
            t("decision.occurred"),
            t("decision.type"),
            t("decision.subject"),
            t("decision.signer"),
            t("decision.key"),
            t("decision.recorded"),
            t("decision.verified"),
        )
        for item in items:
            verified = (
                Text("✓ " + t("decision.ok"), style="green")
                if item.verified
                else Text("✗ " + label("problem", item.problem), style="bold red")
            )
            table.add_row(
                Text(str(item.seq), justify="right"),
                when(item.occurred_at),
                entry_type_name(item.type),
                item.subject,
                f"{item.actor_name} ({item.actor})",
                short_hash(item.key_id, 8),
                when(item.recorded_at),
                verified,
            )

    def _compliance(self, report: dict[str, Any]) -> None:
        missing = report["missing_records"]
        lines = [
            t("decision.profile", name=report["profile"]["name"], v=report["profile"]["version"])
        ]
        if missing:
            lines.append(t("decision.missing", records=", ".join(missing)))
        for exc in report["exceptions"]:
            lines.append(
                t(
                    "decision.exception",
                    basis=basis_text(exc.get("basis")),
                    seq=exc.get("seq"),
                    reason=exc.get("reason") or "",
                )
            )
        for d in report["head_divergence"]:
            lines.append(t("decision.divergence", seq=d["seq"], reason=d.get("reason") or ""))
        for c in report.get("corrections", []):
            status = label("correction", c["status"])
            if c["status"] in ("awaits_confirmation", "confirmed"):
                status += f" ({c['awaits']})"
            lines.append(
                t(
                    "decision.correction",
                    corrects=c["corrects"],
                    seq=c["seq"],
                    by=c["by"],
                    at=when(c["occurred_at"]),
                    reason=c["reason"],
                    status=status,
                )
            )
        self.query_one("#compliance-summary", Static).update("\n".join(lines))
        findings = self.query_one("#findings-table", DataTable)
        findings.border_title = t("decision.findings", n=len(report["findings"]))
        reset(
            findings,
            t("decision.check"),
            t("decision.basis"),
            t("decision.severity"),
            t("decision.seq"),
            t("decision.message"),
        )
        if not report["findings"]:
            findings.add_row(t("decision.no_findings"), "", "", "", "")
        for f in report["findings"]:
            findings.add_row(
                finding_name(f["check"]),
                basis_text(f["basis"]),
                Text(label("severity", f["severity"]), style="red"),
                "" if f["seq"] is None else str(f["seq"]),
                f["message"],
            )
        positions = self.query_one("#positions-table", DataTable)
        positions.border_title = t("decision.positions")
        reset(
            positions,
            t("decision.meeting"),
            t("decision.order"),
            t("decision.person"),
            t("decision.stance"),
            t("decision.signed"),
            t("decision.seq"),
            t("decision.reason"),
        )
        for p in report["positions"]:
            positions.add_row(
                p["meeting"],
                str(p["order"]),
                p["person"],
                label("stance", p["stance"]),
                label("signed", p["signed"]),
                str(p["seq"]),
                p.get("reason") or "",
            )

    def _trace(self, trace: dict[str, Any]) -> None:
        table = self.query_one("#trace-table", DataTable)
        reset(
            table,
            t("decision.seq"),
            t("decision.date"),
            t("decision.person"),
            t("decision.role"),
            t("decision.basis"),
            t("decision.roles_then"),
            t("decision.stance"),
        )
        self.trace_people = []
        for item in trace["people"]:
            stance = "" if item.get("stance") is None else label("stance", item["stance"])
            for c in item.get("corrected_by", []):
                stance += f" ✎{c['seq']}"
            table.add_row(
                Text(str(item["seq"]), justify="right"),
                item["date"],
                f"{item['name']} ({item['person']})",
                role_name(item["role"]),
                basis_text(item["basis"]),
                ", ".join(post_at(post) for post in item["roles_at_time"]),
                stance,
            )
            self.trace_people.append(item["person"])

    @on(DataTable.RowSelected, "#trace-table")
    def open_person(self, event: DataTable.RowSelected) -> None:
        from tui.screens.person import PersonScreen

        if 0 <= event.cursor_row < len(self.trace_people):
            self.app.push_screen(PersonScreen(self.trace_people[event.cursor_row]))


def _compliance(report: dict[str, Any]) -> Text:
    status = report["compliance_status"]
    style = {"compliant": "green", "non_compliant": "bold red"}.get(status, "yellow")
    return Text(label("compliance", status), style=style)
