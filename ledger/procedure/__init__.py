"""The decision procedure of Decree 713: typed records, the rule profile, gates G1–G17, the
compliance report and the responsibility trace.

`bodies` defines every procedure entry type (`ledger.registry` collects them); `profile` the
versioned rule profile; `gates` the gate table; `model` the shape of each kind of state object;
`state` holds the replayed state and runs each entry's handler, which enforces the gates (the
same code at append time and in `ledger verify`); the handlers live in `drafting` (up to the
legality review), `meeting` (the collective decision) and `after` (issue, execution,
evaluation, adjustment, archive, accountability, normative documents); `floor` says who may
speak at an agenda item, for the handler and for anyone who predicts it; `compliance` reads the
state.
"""

# Importing the package registers, through these, the handler of each entry type.
from ledger.procedure import after as after
from ledger.procedure import bodies as bodies
from ledger.procedure import drafting as drafting
from ledger.procedure import meeting as meeting
