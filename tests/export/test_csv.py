"""CSV formula injection: no cell an export writes begins with what a spreadsheet runs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ledger.export import render
from ledger.export.bag import bag_files
from ledger.export.bundle import Scope
from ledger.export.service import export_bundle
from tests.export.conftest import NOW, TITLES, Small
from tests.export.forge import verify

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


@given(st.text())
def test_a_cell_never_starts_a_formula_and_reads_back_as_written(text: str) -> None:
    """Guards the one helper every CSV writer uses: the OWASP rule (a leading quote before
    `= + - @`, tab, CR), applied to quotes too so that reading a cell back is exact."""
    cell = render.csv_cell(text)
    assert not cell.startswith(DANGEROUS)
    assert render.csv_text(cell) == text
    assert cell == text or cell == "'" + text


def test_numbers_and_none_are_written_as_they_are() -> None:
    assert render.csv_cell(None) == ""
    assert render.csv_cell(-2) == -2  # a number holds no formula
    assert render.csv_bytes(["a", "b"], [(None, -2)]) == b"a,b\n,-2\n"


def test_real_decisions_titled_as_formulas_are_neutralised_in_every_csv_and_verify(
    small: Small, tmp_path: Path
) -> None:
    """Four real decisions are titled `=HYPERLINK(…)`, `+1`, `-2`, `@SUM(…)`, and a withheld
    document's reason is a DDE payload: in decisions.csv each title is a quoted text cell; no
    cell of any CSV in the bag starts a formula; the bag verifies (the verifier writes the
    CSVs again through the same helper and compares them byte for byte)."""
    cells = _cells(small.bundle / "data/reports/decisions.csv")
    titles = {row[0]: row[1] for row in cells[1:]}
    assert titles == {f"d2020-0{n}": "'" + title for n, title in enumerate(TITLES, start=1)}
    for name in bag_files(small.bundle):
        if name.endswith(".csv"):
            for row in _cells(small.bundle / name):
                assert not any(c.startswith(DANGEROUS) for c in row), (name, row)
    result = verify(small.bundle, small.vkey())
    assert result.exit_code == 0, result.stderr

    reason = "=cmd|' /C calc'!A0"
    out = tmp_path / "withheld"
    store = small.ledger.store
    digest = small.blob
    export_bundle(
        store=store, out=out, exporter="wu.xia", key=small.ledger.keys["wu.xia"], now=NOW,
        scope=Scope(withheld=((digest, reason),)),
    )  # fmt: skip
    [header, row] = _cells(out / "data/reports/withheld.csv")
    assert header == ["sha256", "first_seq", "reason"] and row[2] == "'" + reason
    result = verify(out, small.vkey(), "--json")
    assert result.exit_code == 0, result.stdout
    assert f'"reason": "{reason}"' in result.stdout.replace('\\"', '"')
