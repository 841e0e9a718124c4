"""Meeting: convene with attendance, put the decision on the agenda, take each member's position in
speaking order (the head last, enforced), then the head's decision or the vote.

A member signs their own position on the spot by typing their passphrase; with no passphrase the
recorder (whoever is unlocked) writes it, and the member confirms it later here, once they unlock
their own key. The head signs the decision the same way. Each step shows what the item waits for,
so a refusal is rare; when one comes, it names the gate, its article and what would satisfy it.

The sub-forms' widgets are in `meeting_forms`; this module is the one screen that moves between
them as the meeting goes on, and its handlers read best in the order a meeting takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Label, Select, SelectionList, Static

from keys import BadPassphraseError, KeysError
from ledger.app import meeting, minutes
from ledger.app.appending import Refusal
from ledger.app.decisions import find_decision
from ledger.app.meeting import Floor
from ledger.app.minutes import MinutesTask, Unconfirmed
from ledger.errors import LedgerError
from ledger.procedure.model import Decision
from tui.i18n import t
from tui.messages import EntriesAppended
from tui.screens.base import LedgerScreen
from tui.screens.form_keys import FIELD_KEYS, FormFocus
from tui.screens.labels import choice_label, refusal_text, status_label
from tui.screens.meeting_forms import (
    AgendaForm,
    ConfirmForm,
    ConveneForm,
    DecideForm,
    FloorForm,
    MembersTable,
    MinutesForm,
)

VOTES = {"y": "yes", "n": "no", "a": "abstain"}
Outcome = tuple[int | None, Refusal | None]  # the seq written, or the refusal


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
    state: Decision | None
    floor: Floor | None
    open_meeting: str | None
    due: list[tuple[str, str]]
    unconfirmed: list[Unconfirmed]
    minutes: list[MinutesTask]
    passes: list[bool]  # by the number of yes votes, when the item is decided by a vote


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
        self.tasks: list[MinutesTask] = []
        self.minutes_of: str | None = None  # the meeting the minutes fields are for
        self.votes: dict[str, str] = {}  # the vote being taken, member by member
        self.busy = False

    def body(self) -> ComposeResult:
        with Horizontal(id="meeting-top"):
            yield Label(t("record.decision"), classes="record-pick-label")
            yield Select[str]([], id="meeting-decision", prompt=t("meeting.choose_decision"))
        yield Static("", id="meeting-heading")
        yield ConveneForm()
        yield AgendaForm()
        yield MembersTable()
        yield FloorForm()
        yield DecideForm()
        yield MinutesForm()
        yield ConfirmForm()
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

    def load_items(self) -> None:
        self.fetch(partial(meeting.open_items, self.ledger), self.show_items, group="meeting-load")

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

    def load_confirmations(self) -> None:
        self.fetch(self.read_confirmations, self.show_pending, group="meeting-load")

    def read_confirmations(self) -> tuple[list[MinutesTask], list[Unconfirmed]]:
        return minutes.minutes_tasks(self.ledger), minutes.unconfirmed(self.ledger)

    def show_pending(self, found: tuple[list[MinutesTask], list[Unconfirmed]]) -> None:
        self.show_minutes(found[0])
        self.show_confirmations(found[1])

    def load(self, decision: str) -> None:
        self.fetch(partial(self.read_snapshot, decision), self.show, group="meeting-load")

    def read_snapshot(self, decision: str) -> Snapshot:
        state = find_decision(self.ledger, decision)
        item = None
        if state is not None and state.get("agenda") is not None:
            item = meeting.floor(self.ledger, decision)
        start = meeting.agenda_values(self.ledger, state) if state else {}
        due = meeting.members_named(self.ledger, state["organ"]) if state else []
        passes = meeting.vote_passes(self.ledger, item) if item is not None and item.by_vote else []
        return Snapshot(
            decision,
            state,
            item,
            start.get("meeting"),
            due,
            minutes.unconfirmed(self.ledger),
            minutes.minutes_tasks(self.ledger),
            passes,
        )

    def act(self, call: Callable[[], Outcome], *, decides: bool = False) -> None:
        """Carry out a recording use case in a worker; its outcome shows when it is done."""
        show = self.decided if decides else self.done
        self.fetch(
            call,
            lambda outcome: show(*outcome),
            group="meeting-act",
            failed=self.refused_by,
            errors=(KeysError, LedgerError),
        )

    def refused_by(self, error: Exception) -> None:
        wrong = isinstance(error, BadPassphraseError)
        self.failed(t("unlock.wrong_passphrase") if wrong else str(error))

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
            hint.update(str(why))
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

    def show_minutes(self, tasks: list[MinutesTask]) -> None:
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
        if task.action == "finalize":
            self.act(partial(minutes.finalize_minutes, self.ledger, task.meeting, number, doc))
        else:
            self.act(partial(minutes.confirm_minutes, self.ledger, task))

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
        organ = snapshot.state["organ"]
        self.act(partial(meeting.convene, self.ledger, "", organ, number, place, present))

    @on(Button.Pressed, "#meeting-open-item")
    def open_item(self) -> None:
        if self.decision is None or not self.begin():
            return
        self.act(partial(meeting.open_item, self.ledger, self.decision))

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
        self.act(
            partial(
                meeting.state_position,
                self.ledger,
                snapshot.floor,
                person,
                stance,
                reason,
                secret or None,
                written or None,
            )
        )

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
        self.act(partial(meeting.recuse, self.ledger, snapshot.floor, person, reason, declared_by))

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
            votes = dict(self.votes)
            self.act(partial(meeting.vote, self.ledger, item, method, votes, result), decides=True)
            return
        outcome = self.query_one("#meeting-outcome", Select).value
        reason = self.query_one("#meeting-divergence", Input).value
        secret = self.query_one("#meeting-head-passphrase", Input).value
        self.act(
            partial(meeting.head_decides, self.ledger, item, str(outcome), reason, secret or None),
            decides=True,
        )

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
        self.act(partial(minutes.confirm, self.ledger, self.pending[0]))
