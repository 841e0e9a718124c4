"""Key bindings the form screens share.

Tab and shift+tab move between fields as priority bindings. A plain binding is resolved only
after the key has bubbled up from the focused input through each container around it, one
message queue at a time, while keys that arrive meanwhile still go to that input: text typed at
machine speed (a paste, keys sent by tmux) right after a Tab then lands in the field being left.
A priority binding is resolved when the key arrives, before the keys after it.
"""

from __future__ import annotations

from textual.binding import Binding

FIELD_KEYS = (
    Binding("tab", "app.focus_next", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", show=False, priority=True),
)
