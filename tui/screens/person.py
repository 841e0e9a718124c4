"""A person's page: their posts, their keys and every part they had in every matter."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from ledger.app import accountability, decisions
from tui.format import label, short_hash, when
from tui.i18n import t
from tui.screens.base import LedgerScreen
from tui.screens.labels import basis_text, post_at, role_name
from tui.widgets.panel import Panel
from tui.widgets.tables import reset, titled


class PersonScreen(LedgerScreen):
    """Pushed from People or a decision's trace; Escape goes back; Enter on a matter that is a
    decision opens it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "nav.back")]

    def __init__(self, ident: str) -> None:
        super().__init__()
        self.ident = ident
        self.subjects: list[str] = []
        self.decisions: set[str] = set()

    def body(self) -> ComposeResult:
        with VerticalScroll(id="person"):
            yield Panel(self.ident, id="person-head")
            yield titled("person-posts", t("person.posts"))
            yield titled("person-keys", t("person.keys"))
            yield titled("person-involvement", t("person.involvement"), cursor="row")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load(self.ident)

    def action_back(self) -> None:
        self.app.pop_screen()

    def load(self, ident: str) -> None:
        self.fetch(lambda: self.read(ident), self.show, group="person")

    def read(self, ident: str) -> dict[str, Any]:
        person = accountability.trace_person(self.ledger, ident)
        subjects = [item["subject"] for item in person["involvement"]]
        person["decisions"] = decisions.which_decisions(self.ledger, subjects)
        return person

    def show(self, person: dict[str, Any]) -> None:
        head = self.query_one("#person-head", Panel)
        head.border_title = f"{person['name']} ({person['person']})"
        current = [p for p in person["posts"] if p["to"] is None]
        head.show_pairs(
            [
                (t("person.registered"), t("person.at_seq", seq=person["registered_seq"])),
                (
                    t("person.now"),
                    ", ".join(f"{p['organ_name']} · {label('post', p['role'])}" for p in current)
                    or t("common.none"),
                ),
                (t("person.parts"), str(len(person["involvement"]))),
            ]
        )
        posts = self.query_one("#person-posts", DataTable)
        reset(
            posts,
            t("person.organ"),
            t("person.role"),
            t("person.from"),
            t("person.to"),
            t("person.seqs"),
        )
        for p in person["posts"]:
            posts.add_row(
                f"{p['organ_name']} ({p['organ']})",
                label("post", p["role"]),
                p["from"],
                p["to"] or t("person.current"),
                f"{p['started_seq']}–{'' if p['ended_seq'] is None else p['ended_seq']}",
            )
        keys = self.query_one("#person-keys", DataTable)
        reset(keys, t("person.key"), t("person.bound"), t("person.revoked"), t("person.reason"))
        for k in person["keys"]:
            revoked = (
                Text(t("person.valid"), style="green")
                if k["revoked_seq"] is None
                else Text(t("person.revoked_at", seq=k["revoked_seq"], at=when(k["revoked_at"])))
            )
            keys.add_row(
                short_hash(k["key_id"]),
                t("person.bound_at", seq=k["bound_seq"], at=when(k["bound_at"])),
                revoked,
                k["reason"] or "",
            )
        parts = self.query_one("#person-involvement", DataTable)
        reset(
            parts,
            t("decision.seq"),
            t("decision.date"),
            t("person.matter"),
            t("decision.role"),
            t("decision.basis"),
            t("decision.roles_then"),
            t("decision.stance"),
        )
        self.subjects, self.decisions = [], person["decisions"]
        for item in person["involvement"]:
            stance = item.get("stance")
            parts.add_row(
                Text(str(item["seq"]), justify="right"),
                item["date"],
                item["subject"],
                role_name(item["role"]),
                basis_text(item["basis"]),
                ", ".join(post_at(post) for post in item["roles_at_time"]),
                "" if stance is None else label("stance", stance),
            )
            self.subjects.append(item["subject"])

    @on(DataTable.RowSelected, "#person-involvement")
    def open_matter(self, event: DataTable.RowSelected) -> None:
        from tui.screens.decision import DecisionScreen

        if 0 <= event.cursor_row < len(self.subjects):
            subject = self.subjects[event.cursor_row]
            if subject in self.decisions:
                self.app.push_screen(DecisionScreen(subject))
