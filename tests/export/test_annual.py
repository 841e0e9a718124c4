"""The annual rule-of-law statistics: the demo year's figures, stamped with the checkpoint, the
same whether entries were appended after it or not."""

from __future__ import annotations

import json

from ledger.export.annual import annual_report, render_html, render_json, render_md
from tests.export.conftest import Demo


def test_the_demo_years_figures_with_their_documents(demo_ledger: Demo) -> None:
    """Guards build point 4: rates with numerator, denominator and the documents behind them."""
    store = demo_ledger.store()
    try:
        report = annual_report(store=store, year=2020)
    finally:
        store.close()
    nd = report["normative_documents"]
    assert nd["documents"] == 63
    assert (nd["filing_rate"]["numerator"], nd["filing_rate"]["denominator"]) == (62, 63)
    assert nd["filing_rate"]["short"] == ["nd-2020-40"]
    assert len(nd["filing_rate"]["documents"]) == 62 and len(nd["filing_rate"]["of"]) == 63
    assert (nd["timeliness_rate"]["numerator"], nd["legality_rate"]["denominator"]) == (60, 62)
    assert nd["legality_rate"]["short"] == ["nd-2020-22"]
    decisions = report["decisions"]
    assert decisions["total"] == 6 and len(decisions["decided"]) == 5
    assert decisions["by_status"]["drafting"] == ["d2020-07"]
    legality = report["coverage"]["legality_review"]
    assert (legality["numerator"], legality["denominator"]) == (5, 5)
    assert report["coverage"]["risk_assessment"]["performed"] == ["d2020-01"]
    assert "G3 (soft gate)" in report["documented_exceptions"]
    cp = report["checkpoint"]
    assert cp["size"] == demo_ledger.built.entries
    assert cp["note"] == demo_ledger.built.checkpoint


def test_the_report_is_computed_at_the_checkpoint_even_after_more_entries(
    demo_ledger: Demo, tmp_path: object
) -> None:
    """Guards the stamp: entries after the checkpoint (an export's own record) do not change
    the figures, which come from a replay of the checkpoint's entries."""
    store = demo_ledger.store()
    try:
        before = render_json(annual_report(store=store, year=2020))
    finally:
        store.close()
    from pathlib import Path

    demo_ledger.export(Path(str(tmp_path)) / "grow")  # appends export.produced
    store = demo_ledger.store()
    try:
        assert store.head().seq + 1 > demo_ledger.built.entries  # type: ignore[union-attr]
        after = render_json(annual_report(store=store, year=2020))
    finally:
        store.close()
    assert before == after
    value = json.loads(after)
    assert render_md(value).startswith("# 示例区教育局 2020 年度法治政府建设统计".encode())
    assert "备案率 filing rate" in render_html(value).decode()
