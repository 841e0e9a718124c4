"""Key bindings and focus rules the form screens share.

Tab and shift+tab move between fields as priority bindings. A plain binding is resolved only
after the key has bubbled up from the focused input through each container around it, one
message queue at a time, while keys that arrive meanwhile still go to that input: text typed at
machine speed (a paste, keys sent by tmux) right after a Tab then lands in the field being left.
A priority binding is resolved when the key arrives, before the keys after it.

A form screen puts the cursor in a text field only as the sequel of the user's own action in
that form (an entry saved, a row added). After an unlock, a reload or on arrival it only notes
the field the form waits for: a place key pressed next must still change the place, not be typed
into a field. Tab from outside the form goes to that field.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TextArea

FIELD_KEYS = (
    Binding("tab", "enter_form", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", show=False, priority=True),
)


class FormFocus(Screen[None]):
    """Where a form screen's cursor goes (mixed into a `LedgerScreen`, before it).

    `acting` is set when the user acts in the form (saves, submits, adds a row) and cleared
    when they leave it (escape, a dialog such as the unlock, another place)."""

    FORM_REGIONS: ClassVar[str] = ""  # selector of the containers that make up the form
    acting: bool = False
    wanted: Widget | None = None

    def offer_focus(self, widget: Widget) -> None:
        """`widget` is where the form waits: focus it now if it takes no text or the user's
        own action led here; otherwise keep it for the next tab."""
        self.wanted = widget
        if self.acting or not isinstance(widget, Input | TextArea):
            widget.focus()

    def in_form(self, widget: Widget) -> bool:
        regions = list(self.query(self.FORM_REGIONS)) if self.FORM_REGIONS else []
        return any(widget is r or r in widget.ancestors for r in regions)

    def action_enter_form(self) -> None:
        """Tab: from outside the form, to the field it waits for; inside it, the next field."""
        wanted, focused = self.wanted, self.focused
        outside = focused is None or not self.in_form(focused)
        if outside and wanted is not None and wanted in self.focus_chain:
            wanted.focus()
        else:
            self.focus_next()

    def leave_form(self) -> None:
        """No field has the cursor; the place keys work again."""
        self.acting = False
        self.set_focus(None)

    def on_screen_suspend(self) -> None:
        self.acting = False  # a dialog or another place: coming back is not a sequel
