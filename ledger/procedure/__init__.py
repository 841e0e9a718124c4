"""The decision procedure of Decree 713: typed records, the rule profile, gates G1–G17, the
compliance report and the responsibility trace.

`bodies` defines and registers every procedure entry type; `profile` the versioned rule profile;
`gates` the gate table; `state` holds the replayed state and runs each entry's handler, which
enforces the gates (the same code at append time and in `ledger verify`); the handlers live in
`drafting` (up to the legality review), `meeting` (the collective decision) and `after` (issue,
execution, evaluation, adjustment, archive, accountability, normative documents); `compliance`
reads the state.
"""

from ledger.procedure import after as after  # and, with these, the handler of each
from ledger.procedure import bodies as bodies  # registers the procedure's entry types
from ledger.procedure import drafting as drafting
from ledger.procedure import meeting as meeting
