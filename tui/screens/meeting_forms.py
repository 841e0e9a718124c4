"""The meeting screen's parts, one widget a sub-form: convening, the agenda, the members' table,
the floor (positions and recusals), the decision or vote, the minutes, and confirmations.

Each part composes its own fields; the screen (`tui.screens.meeting`) shows the parts a
decision's state calls for and acts on them. The closed lists the fields offer (stances,
outcomes, recusal grounds, vote methods and results) are the ledger's own schemas' lists.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Select, SelectionList, Static

from ledger.app.forms import closed_list
from tui.i18n import t
from tui.screens.labels import choice_label

STANCES = closed_list("position.stated", "stance")
OUTCOMES = closed_list("head_decision.made", "outcome")
RECUSALS = closed_list("recusal.declared", "reason")
DECLARERS = closed_list("recusal.declared", "declared_by")
METHODS = closed_list("vote.taken", "method")
RESULTS = closed_list("vote.taken", "result")


def field(label: str, widget: Widget, *, row_id: str | None = None) -> Horizontal:
    """A labelled row of the meeting's forms."""
    return Horizontal(
        Label(t(label), classes="record-label"), widget, classes="record-row", id=row_id
    )


def picker(values: tuple[str, ...], ident: str, value: str) -> Select[str]:
    """A drop-down over a closed list, named in the reader's language, never blank."""
    return Select[str](
        [(choice_label(v), v) for v in values], id=ident, allow_blank=False, value=value
    )


class Part(Vertical):
    """A sub-form of the meeting, shown only when the decision's state calls for it."""

    def __init__(self, name: str) -> None:
        super().__init__(id=f"meeting-{name}", classes="meeting-part")


class ConveneForm(Part):
    """Convene the organ: the meeting's number, its place, who is present."""

    def __init__(self) -> None:
        super().__init__("convene")

    def compose(self) -> ComposeResult:
        yield Static("", id="meeting-convene-intro")
        yield field(
            "meeting.number", Input(id="meeting-number", placeholder=t("meeting.number_hint"))
        )
        yield field("meeting.place", Input(id="meeting-place", placeholder=t("meeting.place_hint")))
        yield field(
            "meeting.present", SelectionList[str](id="meeting-present", classes="record-many")
        )
        yield Button(t("meeting.convene"), id="meeting-convene-go", variant="primary")


class AgendaForm(Part):
    """Put the decision on the open meeting's agenda."""

    def __init__(self) -> None:
        super().__init__("agenda")

    def compose(self) -> ComposeResult:
        yield Static("", id="meeting-agenda-intro")
        yield Button(t("meeting.open_item"), id="meeting-open-item", variant="primary")


class MembersTable(Part):
    """The members in speaking order: attendance, stance, who signed (and each vote)."""

    def __init__(self) -> None:
        super().__init__("table")

    def compose(self) -> ComposeResult:
        yield DataTable(id="meeting-speakers", cursor_type="row", zebra_stripes=True)


class FloorForm(Part):
    """A member's position (signed on the spot, or written by the recorder), or a recusal."""

    def __init__(self) -> None:
        super().__init__("floor")

    def compose(self) -> ComposeResult:
        yield field(
            "meeting.speaker", Select[str]([], id="meeting-speaker", prompt=t("record.choose"))
        )
        yield field("meeting.stance", picker(STANCES, "meeting-stance", "agree"))
        yield field(
            "meeting.reason", Input(id="meeting-reason", placeholder=t("meeting.reason_hint"))
        )
        yield field(
            "meeting.passphrase",
            Input(id="meeting-passphrase", password=True, placeholder=t("meeting.passphrase_hint")),
        )
        yield field(
            "meeting.written",
            Input(id="meeting-written", placeholder=t("meeting.written_hint")),
            row_id="meeting-written-row",
        )
        with Horizontal(classes="meeting-buttons"):
            yield Button(t("meeting.state"), id="meeting-state-go", variant="primary")
            yield picker(RECUSALS, "meeting-recusal", "self_interest")
            yield Select[str](
                [(t(f"meeting.declared.{d}"), d) for d in DECLARERS],
                id="meeting-declared-by",
                allow_blank=False,
                value="self",
            )
            yield Button(t("meeting.recuse"), id="meeting-recuse-go")
        yield Static("", id="meeting-hint")


class DecideForm(Part):
    """The head's decision after the discussion, or the vote where the organ votes."""

    def __init__(self) -> None:
        super().__init__("decide")

    def compose(self) -> ComposeResult:
        yield Static("", id="meeting-decide-intro")
        yield field("meeting.outcome", picker(OUTCOMES, "meeting-outcome", "approve"))
        yield field(
            "meeting.divergence",
            Input(id="meeting-divergence", placeholder=t("meeting.divergence_hint")),
        )
        yield field(
            "meeting.head_passphrase",
            Input(
                id="meeting-head-passphrase",
                password=True,
                placeholder=t("meeting.head_passphrase_hint"),
            ),
        )
        with Horizontal(classes="record-row", id="meeting-vote-row"):
            yield Label(t("meeting.method"), classes="record-label")
            yield picker(METHODS, "meeting-method", "show_of_hands")
            yield Label(t("meeting.result"), classes="record-pick-label")
            yield picker(RESULTS, "meeting-result", "passed")
        yield Static("", id="meeting-vote-count")
        yield Button(t("meeting.decide"), id="meeting-decide-go", variant="primary")


class MinutesForm(Part):
    """Finalize a meeting's minutes, or confirm them."""

    def __init__(self) -> None:
        super().__init__("minutes")

    def compose(self) -> ComposeResult:
        yield Static("", id="meeting-minutes-intro")
        yield field(
            "meeting.minutes_number",
            Input(id="minutes-number", placeholder=t("meeting.minutes_number_hint")),
            row_id="minutes-number-row",
        )
        yield field(
            "meeting.minutes_doc",
            Input(id="minutes-doc", placeholder=t("meeting.minutes_doc_hint")),
            row_id="minutes-doc-row",
        )
        yield Button(t("meeting.minutes_finalize"), id="minutes-go", variant="primary")


class ConfirmForm(Part):
    """Positions the recorder wrote for a member, for that member to confirm with their key."""

    def __init__(self) -> None:
        super().__init__("confirm")

    def compose(self) -> ComposeResult:
        yield Static("", id="meeting-confirm-list")
        yield Button(t("meeting.confirm"), id="meeting-confirm-go")
