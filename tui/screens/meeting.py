"""Meeting: convene with attendance, put the decision on the agenda, take each member's position in
speaking order (the head last, enforced), then the head's decision or the vote.

A member signs their own position on the spot by typing their passphrase; with no passphrase the
recorder (whoever is unlocked) writes it, and the member confirms it later here, once they unlock
their own key. The head signs the decision the same way. Each step shows what the item waits for,
so a refusal is rare; when one comes, it names the gate, its article and what would satisfy it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Select, SelectionList, Static

from keys import BadPassphraseError, KeysError
from ledger import app_recording as rec
from ledger.errors import LedgerError
from ledger.recording import Floor, Refusal, Unconfirmed
from tui.i18n import t
from tui.messages import EntriesAppended
from tui.screens.base import LedgerScreen
from tui.screens.form_keys import FIELD_KEYS, FormFocus
from tui.screens.labels import choice_label, refusal_text, status_label

STANCES = ("agree", "agree_with_modifications", "disagree", "defer", "abstain")
OUTCOMES = (
    "approve",
    "approve_with_editorial_changes",
    "approve_pending_substantive_changes",
    "reject",
    "defer",
    "rediscuss",
)
RECUSALS = ("self_interest", "relative", "other")
DECLARERS = ("self", "chair")
METHODS = ("show_of_hands", "oral", "secret_ballot")
RESULTS = ("passed", "failed", "deferred")
VOTES = {"y": "yes", "n": "no", "a": "abstain"}


def first_vote(stance: str | None) -> str:
    """The vote a member's stated position suggests (the clerk corrects it in the table)."""
    if stance in ("agree", "agree_with_modifications"):
        return "yes"
    if stance == "disagree":
        return "no"
    return "abstain"


@dataclass(frozen=True)
class Snapshot:
    """What the meeting screen shows for one decision."""

    decision: str
    state: dict[str, Any] | None
    floor: Floor | None
    open_meeting: str | None
    due: list[tuple[str, str]]
    unconfirmed: list[Unconfirmed]
    minutes: list[rec.MinutesTask]
    passes: list[bool]  # by the number of yes votes, when the item is decided by a vote


def _field(label: str, widget: Widget, *, row_id: str | None = None) -> Horizontal:
    """A labelled row of the meeting's forms."""
    return Horizontal(
        Label(t(label), classes="record-label"), widget, classes="record-row", id=row_id
    )


class MeetingScreen(FormFocus, LedgerScreen):
    """The meeting, member by member."""

    CSS_PATH = "recording.tcss"
    FORM_REGIONS = ".meeting-part"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "refresh", "meeting.refresh"),
        *FIELD_KEYS,
        Binding("escape", "leave", "record.leave"),
        Binding("y", "vote('yes')", "meeting.vote_yes"),
        Binding("n", "vote('no')", "meeting.vote_no"),
        Binding("a", "vote('abstain')", "meeting.vote_abstain"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: Snapshot | None = None
        self.decision: str | None = None
        self.pending: list[Unconfirmed] = []
        self.tasks: list[rec.MinutesTask] = []
        self.minutes_of: str | None = None  # the meeting the minutes fields are for
        self.votes: dict[str, str] = {}  # the vote being taken, member by member
        self.busy = False

    def body(self) -> ComposeResult:
        with Horizontal(id="meeting-top"):
            yield Label(t("record.decision"), classes="record-pick-label")
            yield Select[str]([], id="meeting-decision", prompt=t("meeting.choose_decision"))
        yield Static("", id="meeting-heading")
        with Vertical(id="meeting-convene", classes="meeting-part"):
            yield Static("", id="meeting-convene-intro")
            yield _field(
                "meeting.number",
                Input(id="meeting-number", placeholder=t("meeting.number_hint")),
            )
            yield _field(
                "meeting.place",
                Input(id="meeting-place", placeholder=t("meeting.place_hint")),
            )
            yield _field(
                "meeting.present",
                SelectionList[str](id="meeting-present", classes="record-many"),
            )
            yield Button(t("meeting.convene"), id="meeting-convene-go", variant="primary")
        with Vertical(id="meeting-agenda", classes="meeting-part"):
            yield Static("", id="meeting-agenda-intro")
            yield Button(t("meeting.open_item"), id="meeting-open-item", variant="primary")
        with Vertical(id="meeting-table", classes="meeting-part"):
            yield DataTable(id="meeting-speakers", cursor_type="row", zebra_stripes=True)
        with Vertical(id="meeting-floor", classes="meeting-part"):
            yield _field(
                "meeting.speaker",
                Select[str]([], id="meeting-speaker", prompt=t("record.choose")),
            )
            yield _field(
                "meeting.stance",
                Select[str](
                    [(choice_label(s), s) for s in STANCES],
                    id="meeting-stance",
                    allow_blank=False,
                    value="agree",
                ),
            )
            yield _field(
                "meeting.reason",
                Input(id="meeting-reason", placeholder=t("meeting.reason_hint")),
            )
            yield _field(
                "meeting.passphrase",
                Input(
                    id="meeting-passphrase", password=True, placeholder=t("meeting.passphrase_hint")
                ),
            )
            yield _field(
                "meeting.written",
                Input(id="meeting-written", placeholder=t("meeting.written_hint")),
                row_id="meeting-written-row",
            )
            with Horizontal(classes="meeting-buttons"):
                yield Button(t("meeting.state"), id="meeting-state-go", variant="primary")
                yield Select[str](
                    [(choice_label(r), r) for r in RECUSALS],
                    id="meeting-recusal",
                    allow_blank=False,
                    value="self_interest",
                )
                yield Select[str](
                    [(t(f"meeting.declared.{d}"), d) for d in DECLARERS],
                    id="meeting-declared-by",
                    allow_blank=False,
                    value="self",
                )
                yield Button(t("meeting.recuse"), id="meeting-recuse-go")
            yield Static("", id="meeting-hint")
        with Vertical(id="meeting-decide", classes="meeting-part"):
            yield Static("", id="meeting-decide-intro")
            yield _field(
                "meeting.outcome",
                Select[str](
                    [(choice_label(o), o) for o in OUTCOMES],
                    id="meeting-outcome",
                    allow_blank=False,
                    value="approve",
                ),
            )
            yield _field(
                "meeting.divergence",
                Input(id="meeting-divergence", placeholder=t("meeting.divergence_hint")),
            )
            yield _field(
                "meeting.head_passphrase",
                Input(
                    id="meeting-head-passphrase",
                    password=True,
                    placeholder=t("meeting.head_passphrase_hint"),
                ),
            )
            with Horizontal(classes="record-row", id="meeting-vote-row"):
                yield Label(t("meeting.method"), classes="record-label")
                yield Select[str](
                    [(choice_label(m), m) for m in METHODS],
                    id="meeting-method",
                    allow_blank=False,
                    value="show_of_hands",
                )
                yield Label(t("meeting.result"), classes="record-pick-label")
                yield Select[str](
                    [(choice_label(r), r) for r in RESULTS],
                    id="meeting-result",
                    allow_blank=False,
                    value="passed",
                )
            yield Static("", id="meeting-vote-count")
            yield Button(t("meeting.decide"), id="meeting-decide-go", variant="primary")
        with Vertical(id="meeting-minutes", classes="meeting-part"):
            yield Static("", id="meeting-minutes-intro")
            yield _field(
                "meeting.minutes_number",
                Input(id="minutes-number", placeholder=t("meeting.minutes_number_hint")),
                row_id="minutes-number-row",
            )
            yield _field(
                "meeting.minutes_doc",
                Input(id="minutes-doc", placeholder=t("meeting.minutes_doc_hint")),
                row_id="minutes-doc-row",
            )
            yield Button(t("meeting.minutes_finalize"), id="minutes-go", variant="primary")
        with Vertical(id="meeting-confirm", classes="meeting-part"):
            yield Static("", id="meeting-confirm-list")
            yield Button(t("meeting.confirm"), id="meeting-confirm-go")
        yield Static("", id="meeting-refusal")
        yield Static(t("common.loading"), id="meeting-status")

    def on_mount(self) -> None:
        table = self.query_one("#meeting-speakers", DataTable)
        for key in ("order", "member", "role", "attendance", "stance", "signed"):
            table.add_column(t(f"meeting.col.{key}"), key=key)
        self.load_items()

    def action_leave(self) -> None:
        """Leave the form (the place keys work again)."""
        self.leave_form()

    def reload(self) -> None:
        self.load_items()

    def action_refresh(self) -> None:
        self.acting = False
        self.load_items()

    # -- loading ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="meeting-load")
    def load_items(self) -> None:
        items = rec.open_items(self.service)
        self.app.call_from_thread(self.show_items, items)

    def show_items(self, items: list[tuple[str, str, str]]) -> None:
        picker = self.query_one("#meeting-decision", Select)
        options = [
            (f"{ident}  {title}  [{status_label(status)}]", ident) for ident, title, status in items
        ]
        with picker.prevent(Select.Changed):
            picker.set_options(options)
            if self.decision in {o[1] for o in options}:
                picker.value = self.decision
            elif options:
                picker.value = options[0][1]
        value = picker.value
        self.decision = value if isinstance(value, str) else None
        if self.decision is None:
            self.show(None)
            self.load_confirmations()
        else:
            self.load(self.decision)

    @on(Select.Changed, "#meeting-decision")
    def decision_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.decision:
            self.decision = event.value
            self.load(event.value)

    @work(thread=True, exclusive=True, group="meeting-load")
    def load_confirmations(self) -> None:
        pending = rec.unconfirmed(self.service)
        tasks = rec.minutes_tasks(self.service)
        self.app.call_from_thread(self.show_minutes, tasks)
        self.app.call_from_thread(self.show_confirmations, pending)

    @work(thread=True, exclusive=True, group="meeting-load")
    def load(self, decision: str) -> None:
        state = rec.decision(self.service, decision)
        item = None
        if state is not None and state.get("agenda") is not None:
            item = rec.floor(self.service, decision)
        start = rec.start(self.service, "agenda_item.opened", decision) if state else {}
        due = rec.members_due(self.service, state["organ"]) if state else []
        passes = rec.vote_passes(self.service, item) if item is not None and item.by_vote else []
        snapshot = Snapshot(
            decision,
            state,
            item,
            start.get("meeting"),
            due,
            rec.unconfirmed(self.service),
            rec.minutes_tasks(self.service),
            passes,
        )
        self.app.call_from_thread(self.show, snapshot)

    # -- showing ------------------------------------------------------------------------------

    def part(self, name: str, shown: bool) -> None:
        self.query_one(f"#meeting-{name}").display = shown

    def show(self, snapshot: Snapshot | None) -> None:
        self.snapshot = snapshot
        self.busy = False
        self.wanted = None
        state = None if snapshot is None else snapshot.state
        item = None if snapshot is None else snapshot.floor
        ready = state is not None and state["status"] == "ready_for_deliberation"
        self.part("convene", ready and snapshot is not None and snapshot.open_meeting is None)
        self.part("agenda", ready and snapshot is not None and snapshot.open_meeting is not None)
        self.part("table", item is not None)
        self.part("floor", item is not None and (not item.ready or bool(item.absent_silent)))
        self.part("decide", item is not None and item.ready)
        if item is None:
            self.show_minutes([] if snapshot is None else snapshot.minutes)
        else:
            self.show_minutes([])
        heading = self.query_one("#meeting-heading", Static)
        if snapshot is None or state is None:
            heading.update(t("meeting.nothing"))
        elif item is not None:
            rule = t(f"meeting.rule.{item.rule}")
            heading.update(
                t(
                    "meeting.heading",
                    meeting=item.meeting,
                    organ=item.organ,
                    day=item.day,
                    rule=rule,
                )
            )
        else:
            heading.update(t("meeting.heading_ready", decision=state["id"], title=state["title"]))
        if snapshot is not None:
            self.show_confirmations(snapshot.unconfirmed)
        if ready and snapshot is not None:
            self.show_ready(snapshot)
        if item is not None:
            self.show_floor(item)

    def show_ready(self, snapshot: Snapshot) -> None:
        assert snapshot.state is not None
        organ = snapshot.state["organ"]
        if snapshot.open_meeting is None:
            self.query_one("#meeting-convene-intro", Static).update(
                t("meeting.convene_intro", organ=organ)
            )
            present = self.query_one("#meeting-present", SelectionList)
            present.clear_options()
            present.add_options([(f"{name} {ident}", ident, True) for ident, name in snapshot.due])
            self.offer_focus(self.query_one("#meeting-number", Input))
            self.set_status(t("meeting.status_convene"))
        else:
            self.query_one("#meeting-agenda-intro", Static).update(
                t("meeting.agenda_intro", meeting=snapshot.open_meeting)
            )
            self.offer_focus(self.query_one("#meeting-open-item", Button))
            self.set_status(t("meeting.status_agenda"))

    def show_floor(self, item: Floor) -> None:
        table = self.query_one("#meeting-speakers", DataTable)
        table.clear()
        voting = item.ready and item.by_vote
        if voting and "vote" not in table.columns:
            table.add_column(t("meeting.col.vote"), key="vote")
        elif not voting and "vote" in table.columns:
            table.remove_column("vote")
        self.votes = {s.person: first_vote(s.stance) for s in item.speakers if s.voting}
        for speaker in item.speakers:
            attendance = (
                "recused" if speaker.recused else "present" if speaker.present else "absent"
            )
            signed = ""
            if speaker.spoke:
                signed = (
                    t("meeting.signed_self")
                    if speaker.by == speaker.person
                    else t("meeting.signed_by", person=str(speaker.by))
                )
                if speaker.by != speaker.person and speaker.confirmed:
                    signed += t("meeting.confirmed_mark")
            if speaker.spoke and not speaker.present:
                signed = f"{signed}{t('meeting.written_mark')}"
            cells = [
                str(speaker.order or ""),
                f"{speaker.name} {speaker.person}",
                t("meeting.role_head") if speaker.head else t("meeting.role_member"),
                t(f"meeting.attendance.{attendance}"),
                choice_label(speaker.stance) if speaker.stance else "",
                signed,
            ]
            if voting:
                vote = self.votes.get(speaker.person)
                cells.append(choice_label(vote) if vote else "")
            table.add_row(*cells, key=speaker.person)
        speaker_pick = self.query_one("#meeting-speaker", Select)
        waiting = [s for s in item.speakers if s.voting and not s.spoke] if not item.ready else []
        absent = [s for s in item.speakers if s.person in item.absent_silent]
        options = [(f"{s.name} {s.person}", s.person) for s in waiting]
        options += [
            (t("meeting.absent_option", name=f"{s.name} {s.person}"), s.person) for s in absent
        ]
        with speaker_pick.prevent(Select.Changed):
            speaker_pick.set_options(options)
            if item.next_speaker is not None and not item.ready:
                speaker_pick.value = item.next_speaker
            elif options:
                speaker_pick.value = options[0][1]
        if item.ready:
            self.show_hint()
            self.show_decide(item)
            return
        self.query_one("#meeting-stance", Select).value = "agree"
        self.query_one("#meeting-reason", Input).value = ""
        self.query_one("#meeting-passphrase", Input).value = ""
        self.query_one("#meeting-written", Input).value = ""
        self.show_hint()
        self.offer_focus(self.query_one("#meeting-passphrase", Input))
        self.set_status(t("meeting.status_floor", order=item.next_order))

    def show_hint(self) -> None:
        item = None if self.snapshot is None else self.snapshot.floor
        if item is None:
            return
        person = self.query_one("#meeting-speaker", Select).value
        hint = self.query_one("#meeting-hint", Static)
        if not isinstance(person, str):
            self.query_one("#meeting-written-row").display = False
            hint.update("")
            return
        speaker = item.speaker(person)
        self.query_one("#meeting-written-row").display = not speaker.present
        why = item.may_speak(person, written=not speaker.present)
        if not speaker.present:
            hint.update(t("meeting.written_next", name=speaker.name, order=item.next_order))
        elif why is not None and speaker.head:
            hint.update(t("meeting.head_last", waiting=", ".join(p for p in item.waiting[:-1])))
        elif why is not None:
            hint.update(why)
        else:
            hint.update(t("meeting.next", name=speaker.name, order=item.next_order))

    @on(Select.Changed, "#meeting-speaker")
    def speaker_changed(self) -> None:
        self.show_hint()

    def show_decide(self, item: Floor) -> None:
        majority = item.majority
        view = t(f"meeting.majority.{majority}") if majority else t("meeting.majority.none")
        head = next((s for s in item.speakers if s.head), None)
        name = head.name if head else item.chair
        intro = t("meeting.decide_vote") if item.by_vote else t("meeting.decide_intro", head=name)
        self.query_one("#meeting-decide-intro", Static).update(f"{intro}\n{view}")
        for widget in ("#meeting-outcome", "#meeting-divergence", "#meeting-head-passphrase"):
            self.query_one(widget).parent.display = not item.by_vote  # type: ignore[union-attr]
        self.query_one("#meeting-vote-row").display = item.by_vote
        self.query_one("#meeting-vote-count").display = item.by_vote
        if item.by_vote:
            self.show_count()
            self.offer_focus(self.query_one("#meeting-speakers", DataTable))
            self.set_status(t("meeting.status_vote"))
        else:
            self.offer_focus(self.query_one("#meeting-head-passphrase", Input))
            self.set_status(t("meeting.status_decide"))

    def show_count(self) -> None:
        """The counts of the vote as the table stands, and the result they give (G11)."""
        counts = {k: sum(1 for v in self.votes.values() if v == k) for k in VOTES.values()}
        passes = [] if self.snapshot is None else self.snapshot.passes
        yes = counts["yes"]
        result = "passed" if yes < len(passes) and passes[yes] else "failed"
        self.query_one("#meeting-result", Select).value = result
        self.query_one("#meeting-vote-count", Static).update(
            t("meeting.vote_count", result=choice_label(result), **counts)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "vote":  # only while a vote is taken, in the members' table
            item = None if self.snapshot is None else self.snapshot.floor
            return item is not None and item.ready and item.by_vote
        return True

    def action_vote(self, vote: str) -> None:
        """Set the vote of the member under the table's cursor; the cursor moves on."""
        table = self.query_one("#meeting-speakers", DataTable)
        if self.focused is not table or "vote" not in table.columns or not table.row_count:
            return
        row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        person = str(row.value)
        if person not in self.votes:
            return
        self.votes[person] = vote
        table.update_cell(person, "vote", choice_label(vote))
        table.move_cursor(row=table.cursor_row + 1)
        self.show_count()

    def show_minutes(self, tasks: list[rec.MinutesTask]) -> None:
        """The first meeting whose minutes whoever is unlocked is to finalize or confirm."""
        self.tasks = tasks
        self.part("minutes", bool(tasks))
        if not tasks:
            return
        task = tasks[0]
        if task.meeting != self.minutes_of:  # another meeting's minutes: empty fields
            self.minutes_of = task.meeting
            self.query_one("#minutes-number", Input).value = ""
            self.query_one("#minutes-doc", Input).value = ""
        finalize = task.action == "finalize"
        key = "meeting.minutes_intro_finalize" if finalize else "meeting.minutes_intro_confirm"
        self.query_one("#meeting-minutes-intro", Static).update(
            t(key, meeting=task.meeting, organ=task.organ, day=task.day, number=task.number)
        )
        self.query_one("#minutes-number-row").display = finalize
        self.query_one("#minutes-doc-row").display = finalize
        button = self.query_one("#minutes-go", Button)
        button.label = t("meeting.minutes_finalize" if finalize else "meeting.minutes_confirm")
        if not self.pending:
            if finalize:
                self.offer_focus(self.query_one("#minutes-number", Input))
            else:
                self.offer_focus(button)

    @on(Input.Submitted, "#minutes-doc")
    @on(Button.Pressed, "#minutes-go")
    def minutes(self) -> None:
        if not self.tasks or not self.begin():
            return
        task = self.tasks[0]
        number = self.query_one("#minutes-number", Input).value
        doc = self.query_one("#minutes-doc", Input).value
        self.run_minutes(task, number, doc)

    @work(thread=True, exclusive=True, group="meeting-act")
    def run_minutes(self, task: rec.MinutesTask, number: str, doc: str) -> None:
        try:
            if task.action == "finalize":
                seq, refusal = rec.finalize_minutes(self.service, task.meeting, number, doc)
            else:
                seq, refusal = rec.confirm_minutes(self.service, task)
        except LedgerError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.done, seq, refusal)

    def show_confirmations(self, pending: list[Unconfirmed]) -> None:
        self.pending = pending
        self.part("confirm", bool(pending))
        lines = [
            t(
                "meeting.unconfirmed",
                decision=p.decision,
                meeting=p.meeting,
                seq=p.position_seq,
                stance=choice_label(p.stance),
                by=p.recorded_by,
            )
            for p in pending
        ]
        self.query_one("#meeting-confirm-list", Static).update("\n".join(lines))
        if pending and (self.snapshot is None or self.snapshot.state is None):
            self.offer_focus(self.query_one("#meeting-confirm-go", Button))

    def set_status(self, text: str) -> None:
        self.query_one("#meeting-status", Static).update(text)

    def show_refusal(self, refusal: Refusal | None) -> None:
        panel = self.query_one("#meeting-refusal", Static)
        panel.update("" if refusal is None else refusal_text(refusal))
        panel.set_class(refusal is not None, "shown")

    # -- acting -------------------------------------------------------------------------------

    def begin(self) -> bool:
        if self.busy:
            return False
        self.busy = True
        self.acting = True  # what the screen shows next follows from this: the cursor too
        self.show_refusal(None)
        self.set_status(t("record.checking"))
        return True

    def done(self, seq: int | None, refusal: Refusal | None) -> None:
        self.busy = False
        if refusal is not None:
            self.show_refusal(refusal)
            self.set_status(t("record.not_recorded"))
            return
        if seq is not None:
            self.notify(t("meeting.recorded", seq=seq))
            self.set_status(t("meeting.recorded", seq=seq))
            self.app.post_message(EntriesAppended([seq]))  # the app reloads this screen
        else:
            self.load_items()

    def failed(self, message: str) -> None:
        self.busy = False
        panel = self.query_one("#meeting-refusal", Static)
        panel.update(message)
        panel.add_class("shown")
        self.set_status(t("record.not_recorded"))

    @on(Input.Submitted, "#meeting-place")
    @on(Button.Pressed, "#meeting-convene-go")
    def convene(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.state is None or not self.begin():
            return
        number = self.query_one("#meeting-number", Input).value
        place = self.query_one("#meeting-place", Input).value
        present = list(self.query_one("#meeting-present", SelectionList).selected)
        self.run_convene(snapshot.state["organ"], number, place, present)

    @work(thread=True, exclusive=True, group="meeting-act")
    def run_convene(self, organ: str, number: str, place: str, present: list[str]) -> None:
        try:
            seq, refusal = rec.convene(self.service, "", organ, number, place, present)
        except LedgerError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.done, seq, refusal)

    @on(Button.Pressed, "#meeting-open-item")
    def open_item(self) -> None:
        if self.decision is None or not self.begin():
            return
        self.run_open_item(self.decision)

    @work(thread=True, exclusive=True, group="meeting-act")
    def run_open_item(self, decision: str) -> None:
        try:
            seq, refusal = rec.open_item(self.service, decision)
        except LedgerError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.done, seq, refusal)

    @on(Input.Submitted, "#meeting-passphrase")
    @on(Input.Submitted, "#meeting-reason")
    @on(Button.Pressed, "#meeting-state-go")
    def state_position(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.floor is None:
            return
        person = self.query_one("#meeting-speaker", Select).value
        stance = self.query_one("#meeting-stance", Select).value
        if not isinstance(person, str) or not isinstance(stance, str) or not self.begin():
            return
        reason = self.query_one("#meeting-reason", Input).value
        secret = self.query_one("#meeting-passphrase", Input).value
        written = self.query_one("#meeting-written", Input).value
        if snapshot.floor.speaker(person).present:
            written = ""
        self.run_position(snapshot.floor, person, stance, reason, secret, written)

    @work(thread=True, exclusive=True, group="meeting-act")
    def run_position(
        self, item: Floor, person: str, stance: str, reason: str, secret: str, written: str
    ) -> None:
        try:
            seq, refusal = rec.state_position(
                self.service, item, person, stance, reason, secret or None, written or None
            )
        except BadPassphraseError:
            self.app.call_from_thread(self.failed, t("unlock.wrong_passphrase"))
            return
        except (KeysError, LedgerError) as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.done, seq, refusal)

    @on(Button.Pressed, "#meeting-recuse-go")
    def recuse(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.floor is None:
            return
        person = self.query_one("#meeting-speaker", Select).value
        reason = self.query_one("#meeting-recusal", Select).value
        declared_by = str(self.query_one("#meeting-declared-by", Select).value)
        if not isinstance(person, str) or not isinstance(reason, str) or not self.begin():
            return
        self.run_recuse(snapshot.floor, person, reason, declared_by)

    @work(thread=True, exclusive=True, group="meeting-act")
    def run_recuse(self, item: Floor, person: str, reason: str, declared_by: str) -> None:
        try:
            seq, refusal = rec.recuse(self.service, item, person, reason, declared_by)
        except LedgerError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.done, seq, refusal)

    @on(Input.Submitted, "#meeting-head-passphrase")
    @on(Input.Submitted, "#meeting-divergence")
    @on(Button.Pressed, "#meeting-decide-go")
    def decide(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or snapshot.floor is None or not self.begin():
            return
        item = snapshot.floor
        if item.by_vote:
            method = str(self.query_one("#meeting-method", Select).value)
            result = str(self.query_one("#meeting-result", Select).value)
            self.run_vote(item, dict(self.votes), method, result)
            return
        outcome = self.query_one("#meeting-outcome", Select).value
        reason = self.query_one("#meeting-divergence", Input).value
        secret = self.query_one("#meeting-head-passphrase", Input).value
        self.run_decide(item, str(outcome), reason, secret)

    @work(thread=True, exclusive=True, group="meeting-act")
    def run_decide(self, item: Floor, outcome: str, reason: str, secret: str) -> None:
        try:
            seq, refusal = rec.head_decides(self.service, item, outcome, reason, secret or None)
        except BadPassphraseError:
            self.app.call_from_thread(self.failed, t("unlock.wrong_passphrase"))
            return
        except (KeysError, LedgerError) as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.decided, seq, refusal)

    @work(thread=True, exclusive=True, group="meeting-act")
    def run_vote(self, item: Floor, votes: dict[str, str], method: str, result: str) -> None:
        try:
            seq, refusal = rec.vote(self.service, item, method, votes, result)
        except LedgerError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.decided, seq, refusal)

    def decided(self, seq: int | None, refusal: Refusal | None) -> None:
        if refusal is None and seq is not None:
            self.decision = None
        self.done(seq, refusal)
        if refusal is None and seq is not None:
            self.set_status(t("meeting.status_decided", seq=seq))

    @on(Button.Pressed, "#meeting-confirm-go")
    def confirm(self) -> None:
        if not self.pending or not self.begin():
            return
        self.run_confirm(self.pending[0])

    @work(thread=True, exclusive=True, group="meeting-act")
    def run_confirm(self, pending: Unconfirmed) -> None:
        try:
            seq, refusal = rec.confirm(self.service, pending)
        except LedgerError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        self.app.call_from_thread(self.done, seq, refusal)
