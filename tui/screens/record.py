"""Record: a new decision, or its next step, as a form checked as you type.

Choose the decision (or a new one) and the step; the step due next is chosen for you and the form
starts with what the ledger already says (the organ, the newest draft, today). Each field is
checked with the ledger's own rules as you type. `ctrl+s` checks the entry against every gate
before anything is signed: a refused gate shows its rule, article and what would satisfy it; a soft
gate asks for the reason, recorded with the entry. A document field takes a file's path: the file
is stored (as a blob) when the entry is recorded.

The form's shape is in `form_layout`; what is left here is one screen's handlers (pick, fill,
add and remove rows, check, save), which read best together.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from ledger.app import appending, decisions, entries, recording
from ledger.app.appending import Refusal, with_reason
from ledger.app.forms import FieldError, FieldSpec, build_body, check_field, form
from tui.i18n import t
from tui.messages import EntriesAppended
from tui.screens.base import LedgerModal, LedgerScreen
from tui.screens.form_keys import FIELD_KEYS, FormFocus
from tui.screens.form_layout import (
    Leaf,
    drop_row,
    label_of,
    layout,
    looks_like_hash,
    nest,
    row_counts,
    value_at,
    widget_id,
)
from tui.screens.labels import choice_label, field_error, refusal_text, status_label, type_label

NEW = "+"  # the subject picker's value for a new decision


class ReasonScreen(LedgerModal[str | None]):
    """A soft gate tripped: ask for the reason to record with the entry (or cancel)."""

    CSS_PATH = "recording.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "record.cancel")]

    def __init__(self, refusal: Refusal) -> None:
        super().__init__()
        self.refusal = refusal

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-dialog"):
            yield Label(t("record.reason_title", gate=str(self.refusal.gate)), id="reason-title")
            yield Static(refusal_text(self.refusal), id="reason-refusal")
            yield Label(t("record.reason_prompt"))
            yield Input(id="reason-input", placeholder=t("record.reason_hint"))
            yield Static("", id="reason-error")

    def on_mount(self) -> None:
        self.query_one("#reason-input", Input).focus()

    @on(Input.Submitted, "#reason-input")
    def submit(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#reason-error", Static).update(t("record.error.required"))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class Saved:
    """What saving a form came to: its fields' problems, the seq it was written at, or the
    ledger's refusal."""

    problems: dict[str, FieldError] | None = None
    seq: int | None = None
    refusal: Refusal | None = None


class RecordScreen(FormFocus, LedgerScreen):
    """Record a new decision or the next step of one."""

    CSS_PATH = "recording.tcss"
    FORM_REGIONS = "#record-other, #record-form"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "record.save", priority=True),
        *FIELD_KEYS,
        Binding("escape", "leave", "record.leave"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.subject: str | None = None
        self.new_id = ""
        self.entry_type = "decision.proposed"
        self.form_leaves: dict[str, Leaf] = {}
        self.counts: dict[str, int] = {}  # rows of each list of records, by its path
        self.other: str | None = None  # the subject's kind, when it is not the decision
        self.keep_type = False  # after recording: the same type again, not the due step
        self.choices: recording.Choices | None = None
        self.drafts: list[tuple[str, str]] = []
        self.note = ""
        self.form_lock = asyncio.Lock()
        self.busy = False

    # -- layout -------------------------------------------------------------------------------

    def body(self) -> ComposeResult:
        with Horizontal(id="record-top"):
            yield Label(t("record.decision"), classes="record-pick-label")
            yield Select[str]([], id="record-subject", prompt=t("record.choose"))
            yield Label(t("record.step"), classes="record-pick-label")
            yield Select[str]([], id="record-type", prompt=t("record.choose"))
        with Horizontal(id="record-other"):
            yield Label("", id="record-other-label", classes="record-pick-label")
            yield Input(id="record-other-subject")
        yield Static("", id="record-summary")
        yield VerticalScroll(id="record-form")
        yield Static("", id="record-refusal")
        yield Static(t("common.loading"), id="record-status")

    def on_mount(self) -> None:
        self.load_subjects()

    def action_leave(self) -> None:
        """Leave the form (the place keys work again)."""
        self.leave_form()

    def reload(self) -> None:
        self.load_subjects()

    # -- the decision and the step ------------------------------------------------------------

    def load_subjects(self) -> None:
        self.fetch(
            lambda: (recording.choices(self.ledger), decisions.next_decision_id(self.ledger)),
            lambda found: self.show_subjects(*found),
            group="record-load",
        )

    def show_subjects(self, choices: recording.Choices, new_id: str) -> None:
        self.choices, self.new_id = choices, new_id
        picker = self.query_one("#record-subject", Select)
        options = [(t("record.new_decision", id=new_id), NEW)]
        options += [
            (f"{ident}  {title}  [{status_label(status)}]", ident)
            for ident, title, status in choices.decisions[:200]
        ]
        current = self.subject if self.subject in {o[1] for o in options} else NEW
        with picker.prevent(Select.Changed):  # one load of the steps, not two
            picker.set_options(options)
            picker.value = current
        self.pick_subject(current)

    @on(Select.Changed, "#record-subject")
    def subject_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.pick_subject(event.value)

    def pick_subject(self, value: str) -> None:
        self.subject = None if value == NEW else value
        self.load_steps(self.subject)

    def load_steps(self, subject: str | None) -> None:
        self.fetch(
            lambda: self.read_steps(subject),
            lambda found: self.show_steps(subject, *found),
            group="record-load",
        )

    def read_steps(self, subject: str | None) -> tuple[list[str], list[tuple[str, str]]]:
        """The steps that may come next for `subject`, and its drafts (newest first)."""
        steps = recording.steps(self.ledger, subject)
        state = None if subject is None else decisions.find_decision(self.ledger, subject)
        drafts = []
        if state is not None:
            for doc in reversed(state["draft_order"]):
                drafts.append((doc, f"v{state['drafts'][doc]['version']}  {doc[:12]}…"))
        return steps, drafts

    def show_steps(self, subject: str | None, steps: list[str], drafts: list[Any]) -> None:
        if subject != self.subject:
            return
        self.drafts = drafts
        picker = self.query_one("#record-type", Select)
        chosen = steps[0]
        if self.keep_type and self.entry_type in steps:
            chosen = self.entry_type  # another entry of the same kind, likely (a catalog…)
        self.keep_type = False
        with picker.prevent(Select.Changed):
            picker.set_options([(type_label(s), s) for s in steps])
            picker.value = chosen
        self.pick_type(chosen)

    @on(Select.Changed, "#record-type")
    def type_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.entry_type:
            self.pick_type(event.value)

    def pick_type(self, entry_type: str) -> None:
        self.entry_type = entry_type
        self.load_form(entry_type, self.subject)

    def load_form(self, entry_type: str, subject: str | None) -> None:
        self.fetch(
            lambda: (
                recording.start(self.ledger, entry_type, subject),
                recording.subject_for(self.ledger, entry_type, subject),
            ),
            lambda found: self.build_form(entry_type, subject, *found),
            group="record-load",
        )

    def build_form(
        self, entry_type: str, subject: str | None, values: dict[str, Any], other: str
    ) -> None:
        self.run_worker(self.show_form(entry_type, subject, values, other), group="record-form")

    # -- the form -----------------------------------------------------------------------------

    async def show_form(
        self, entry_type: str, subject: str | None, values: dict[str, Any], other: str
    ) -> None:
        async with self.form_lock:  # one build at a time; a stale one is skipped
            if (entry_type, subject) != (self.entry_type, self.subject):
                return
            spec = form(entry_type)
            kind = spec.subject
            self.other = None if kind == "decision" or (kind == "seq" and subject) else kind
            row = self.query_one("#record-other")
            row.set_class(self.other is not None, "shown")
            if self.other is not None:
                self.query_one("#record-other-label", Label).update(t(f"record.subject.{kind}"))
                field = self.query_one("#record-other-subject", Input)
                field.value = other
                field.placeholder = t(f"record.subject_hint.{kind}")
            self.counts = row_counts(spec.fields, values)
            await self.build_rows(entry_type, values)

    async def rebuild(self, values: dict[str, Any], focus: str) -> None:
        """Lay the form out again with its rows (one added or removed), keeping what was
        typed; focus the first input under `focus`."""
        async with self.form_lock:
            await self.build_rows(self.entry_type, nest(values), focus)

    @on(Button.Pressed, ".record-add")
    def add_row(self, event: Button.Pressed) -> None:
        path = str(event.button.id)[len("add-") :].replace("--", ".")
        values = self.values()
        self.counts[path] = self.counts.get(path, 1) + 1
        self.run_worker(self.rebuild(values, f"{path}.{self.counts[path] - 1}."))

    @on(Button.Pressed, ".record-remove")
    def remove_row(self, event: Button.Pressed) -> None:
        path, _, index = str(event.button.id)[len("rm-") :].replace("--", ".").rpartition(".")
        values = self.values()
        drop_row(values, self.counts, path, int(index))
        row = min(int(index), self.counts[path] - 1)
        self.run_worker(self.rebuild(values, f"{path}.{row}."))

    async def build_rows(self, entry_type: str, values: dict[str, Any], focus: str = "") -> None:
        spec = form(entry_type)
        self.query_one("#record-summary", Static).update(
            t(f"record.type.{entry_type}.help") if entry_type else ""
        )
        container = self.query_one("#record-form", VerticalScroll)
        await container.remove_children()
        self.form_leaves = {}
        rows: list[Widget] = []
        for kind, path, field_spec, needed in layout(spec.fields, "", True, self.counts):
            if kind == "row":
                group, _, index = path.rpartition(".")
                rows.append(
                    Horizontal(
                        Label(
                            t("record.row", what=label_of(group), number=int(index) + 1),
                            classes="record-row-title",
                        ),
                        Button(
                            t("record.remove"), id=f"rm-{widget_id(path)}", classes="record-remove"
                        ),
                        classes="record-group-row",
                    )
                )
                continue
            if kind == "add":
                rows.append(
                    Button(
                        t("record.add_row", what=label_of(path)),
                        id=f"add-{widget_id(path)}",
                        classes="record-add",
                    )
                )
                continue
            widget = self.make_widget(path, field_spec, value_at(values, path))
            self.form_leaves[path] = Leaf(path, field_spec, widget, needed)
            mark = " *" if needed else ""
            rows.append(
                Vertical(
                    Horizontal(
                        Label(label_of(path) + mark, classes="record-label"),
                        widget,
                        classes="record-row",
                    ),
                    Static("", id=f"err-{widget_id(path)}", classes="record-error"),
                    classes="record-field",
                )
            )
        await container.mount_all(rows)
        self.query_one("#record-refusal", Static).update("")
        self.query_one("#record-refusal", Static).remove_class("shown")
        ready = t("record.ready", type=type_label(entry_type))
        self.set_status(f"{self.note}  {ready}" if self.note else ready)
        self.note = ""
        empty = [
            leaf
            for leaf in self.form_leaves.values()
            if leaf.needed and self.raw_value(leaf) in (None, "", [])
        ]
        under = [
            leaf for leaf in self.form_leaves.values() if focus and leaf.path.startswith(focus)
        ]
        first = next(iter(under or empty or self.form_leaves.values()), None)
        self.wanted = None if first is None else first.widget
        if first is not None and (under or self.acting):
            first.widget.focus()

    def make_widget(self, path: str, spec: FieldSpec, value: Any) -> Widget:
        wid = f"f-{widget_id(path)}"
        if isinstance(value, bool):
            value = "yes" if value else "no"
        choices = self.choices
        options: list[tuple[str, str]] = []
        if spec.kind == "choice":
            options = [(choice_label(c), c) for c in spec.choices]
        elif spec.kind == "bool":
            options = [(t("common.yes"), "yes"), (t("common.no"), "no")]
        elif spec.kind == "person" and choices is not None:
            options = [(f"{name} {ident}", ident) for ident, name in choices.persons]
        elif spec.kind == "organ" and choices is not None:
            options = [(f"{name} {ident}", ident) for ident, name in choices.organs]
        elif spec.kind == "draft":
            options = [(label, doc) for doc, label in self.drafts]
        if options and spec.many:
            chosen = set(value.split()) if isinstance(value, str) else set()
            widget: Widget = SelectionList[str](
                *[(label, v, v in chosen) for label, v in options], id=wid
            )
            widget.add_class("record-many")
            return widget
        if options:
            known = {v for _, v in options}
            return Select[str](
                options,
                id=wid,
                allow_blank=not spec.required or value not in known,
                value=value if value in known else Select.NULL,
                prompt=t("record.choose"),
            )
        hint = t(f"record.hint.{spec.kind}")
        return Input(value="" if value is None else str(value), id=wid, placeholder=hint)

    def raw_value(self, leaf: Leaf) -> Any:
        widget = leaf.widget
        if isinstance(widget, SelectionList):
            return list(widget.selected)
        if isinstance(widget, Select):
            value = widget.value
            return None if value == Select.NULL else value
        if isinstance(widget, Input):
            return widget.value
        return None

    def values(self) -> dict[str, Any]:
        return {path: self.raw_value(leaf) for path, leaf in self.form_leaves.items()}

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def field_changed(self, event: Any) -> None:
        widget = event.control if hasattr(event, "control") else None
        if widget is None or widget.id is None or not widget.id.startswith("f-"):
            return
        leaf = next((x for x in self.form_leaves.values() if x.widget is widget), None)
        if leaf is not None:
            self.check_leaf(leaf)

    def check_leaf(self, leaf: Leaf) -> bool:
        raw = self.raw_value(leaf)
        problem: FieldError | None = None
        note = ""
        if leaf.spec.kind == "blob" and isinstance(raw, str) and raw.strip():
            text = raw.strip()
            if not looks_like_hash(text.lower()):
                file = Path(text).expanduser()
                if file.is_file():
                    note = t("record.file_ready", name=file.name, size=file.stat().st_size)
                    raw = "0" * 64
                else:
                    problem = FieldError(leaf.path, text, "no_file", value=text)
        if problem is None and not (leaf.spec.required and raw in (None, "", [])):
            problem = check_field(leaf.spec, raw, leaf.path)
            if problem is not None and problem.code == "required":
                problem = None  # a group's required field is asked for when it is saved
        self.show_problem(leaf.path, problem, note)
        return problem is None

    def show_problem(self, path: str, problem: FieldError | None, note: str = "") -> None:
        target = self.query(f"#err-{widget_id(path)}")
        if not target:
            return
        static = target.first(Static)
        static.update(field_error(problem) if problem is not None else note)
        static.set_class(problem is not None, "bad")

    # -- saving -------------------------------------------------------------------------------

    def set_status(self, text: str) -> None:
        self.query_one("#record-status", Static).update(text)

    def action_save(self) -> None:
        if self.busy or not self.form_leaves:
            return
        subject = self.subject or self.new_id
        if self.other is not None:
            subject = self.query_one("#record-other-subject", Input).value.strip()
            if not subject:
                self.set_status(t("record.subject_needed"))
                self.query_one("#record-other-subject", Input).focus()
                return
        if not all(self.check_leaf(leaf) for leaf in self.form_leaves.values()):
            self.set_status(t("record.fix_fields"))
            return
        self.busy = True
        self.acting = True  # the next step's form follows from this: the cursor too
        self.set_status(t("record.checking"))
        self.save(self.entry_type, subject, self.values(), None)

    def save(
        self, entry_type: str, subject: str, values: dict[str, Any], reason: tuple[str, str] | None
    ) -> None:
        self.fetch(
            lambda: self.write(entry_type, subject, values, reason),
            lambda saved: self.saved(entry_type, subject, values, saved),
            group="record-save",
            failed=lambda error: self.failed(str(error)),
        )

    def write(
        self, entry_type: str, subject: str, values: dict[str, Any], reason: tuple[str, str] | None
    ) -> Saved:
        """Store the documents named by path, build the body, run the gates, and sign."""
        for path, leaf in self.form_leaves.items():
            raw = values.get(path)
            if leaf.spec.kind == "blob" and isinstance(raw, str) and raw.strip():
                if not looks_like_hash(raw.strip().lower()):
                    values[path] = entries.attach(self.ledger, raw.strip()).sha256
        body, problems = build_body(entry_type, nest(values))
        if problems:
            return Saved(problems=problems)
        if reason is not None:
            body = with_reason(entry_type, body, *reason)
        checked = appending.preflight(self.ledger, entry_type, subject, body)
        refusal = checked.refusal
        if refusal is None:
            seq, refusal = appending.record(
                self.ledger, entry_type, subject, body, checked=checked.checked
            )
            if seq is not None:
                return Saved(seq=seq)
        assert refusal is not None
        return Saved(refusal=refusal)

    def saved(self, entry_type: str, subject: str, values: dict[str, Any], saved: Saved) -> None:
        if saved.problems:
            self.show_problems(saved.problems)
        elif saved.seq is not None:
            self.recorded(subject, saved.seq)
        elif saved.refusal is not None:
            self.refused(entry_type, subject, values, saved.refusal)

    def show_problems(self, problems: dict[str, FieldError]) -> None:
        self.busy = False
        for path, problem in problems.items():
            if self.query(f"#err-{widget_id(path)}"):
                self.show_problem(path, problem)
            else:
                owner = next((p for p in self.form_leaves if p.startswith(f"{path}.")), None)
                if owner is not None:
                    self.show_problem(owner, problem)
        self.set_status(t("record.fix_fields"))

    def refused(
        self, entry_type: str, subject: str, values: dict[str, Any], refusal: Refusal
    ) -> None:
        self.busy = False
        if refusal.needs_reason and form(entry_type).exceptions:

            def answered(reason: str | None) -> None:
                if reason is None:
                    self.set_status(t("record.cancelled"))
                    return
                self.busy = True
                self.acting = True  # the dialog suspended the form; this is still its sequel
                self.set_status(t("record.checking"))
                self.save(entry_type, subject, values, (str(refusal.gate), reason))

            self.set_status(t("record.reason_title", gate=str(refusal.gate)))
            self.app.push_screen(ReasonScreen(refusal), answered)
            return
        panel = self.query_one("#record-refusal", Static)
        panel.update(refusal_text(refusal))
        panel.add_class("shown")
        if refusal.field is not None:
            path = refusal.field
            leaf = self.form_leaves.get(path) or next(
                (x for p, x in self.form_leaves.items() if p.startswith(f"{path}.")), None
            )
            if leaf is not None:
                leaf.widget.focus()
        self.set_status(t("record.not_recorded"))

    def recorded(self, subject: str, seq: int) -> None:
        self.busy = False
        if self.other is None:
            self.subject = subject
        else:
            self.keep_type = True
        self.note = t("record.recorded", seq=seq, subject=subject)
        self.app.post_message(EntriesAppended([seq]))
        self.notify(self.note)
        self.set_status(self.note)  # the app reloads this screen (EntriesAppended)

    def failed(self, message: str) -> None:
        self.busy = False
        panel = self.query_one("#record-refusal", Static)
        panel.update(t("app.error", message=message))
        panel.add_class("shown")
        self.set_status(t("record.not_recorded"))
