"""The gate table of the docs (docs/reference/gates.md) is the gates the code enforces: id, rule,
basis (article and instrument), kind and what to do to proceed, each read from
`ledger.procedure.gates` and the remedies' English words. After changing a gate, paste the table
this test prints."""

from __future__ import annotations

from pathlib import Path

from ledger.procedure.gates import GATES
from ledger.procedure.remedies import remedy

README = Path(__file__).parents[2] / "docs" / "reference" / "gates.md"
HEADER = "| gate | rule | basis | kind | to proceed |\n|---|---|---|---|---|\n"


def gate_table() -> str:
    rows = [
        f"| {g.id} | {g.rule} | {g.citation} | {g.strength} | {remedy(g.remedy)} |"
        for g in GATES.values()
    ]
    return HEADER + "\n".join(rows) + "\n"


def test_the_readme_tables_every_gate_as_the_code_states_it() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index(HEADER)
    end = text.index("\n\n", start) + 1
    assert text[start:end] == gate_table(), (
        "docs/reference/gates.md's table should read:\n" + gate_table()
    )
