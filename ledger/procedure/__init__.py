"""The decision procedure of Decree 713: typed records, the rule profile, gates G1–G17, the
compliance report and the responsibility trace.

`bodies` defines and registers every procedure entry type; `profile` the versioned rule profile;
`gates` the gate table; `state` replays entries into per-decision state and enforces the gates
(the same code at append time and in `ledger verify`); `compliance` and `trace` read that state.
"""

from ledger.procedure import bodies as bodies  # registers the procedure's entry types
