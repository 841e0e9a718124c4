"""The application layer: the one door through which the CLI and the terminal UI reach the
ledger.

`Ledger` (`ledger.app.ledger`) is an open store with its key directory, clock and unlocked
signer; the use cases are functions taking it, grouped by concept:

- `recording`: what comes next for a decision, a form's starting values, the pickers;
  `forms`: each entry type's fields and the body typed values make; `appending`: the ledger's
  answer before signing (preflight) and at the append.
- `meeting`: the item before a meeting, positions in speaking order, the vote or the head's
  decision; `minutes`: the minutes and each member's confirmation.
- `decisions`: the list, one decision and its timeline; `accountability`: compliance, the
  responsibility trace, undue delay, filing rates; `overview`: the dashboard.
- `identity`: a new ledger, people and keys; `entries`: entries and documents;
  `checkpoints`, `verification`, `exports`, `database`; `demo`: the demo year.
"""

from __future__ import annotations

from ledger.app.ledger import Ledger

__all__ = ["Ledger"]
