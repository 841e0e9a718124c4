"""Back-filling and corrections at the command line: `ledger show decision` gives each entry's
recorded time beside its business time, `ledger check` notes every step recorded late (with
the delay in working days) and lists the steps with both times, and `check`, `trace` and the
timeline show a correction beside the entry it corrects, confirmed or not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ledger.app.demo import DISTRICT_RULES
from ledger.cli import app
from ledger.entry import SignedEntry
from ledger.store import open_store
from tests.procedure.bureau import Bureau, build_template

LATER = timedelta(days=3 * 365)  # the whole decision is written up three years on


class BackFilled(Bureau):
    """A bureau whose recorder writes every step up `LATER` after it happened."""

    late = False

    def rec(
        self,
        actor: str,
        kind: str,
        subject: str,
        body: dict[str, Any],
        at: str | None = None,
        recorded: str | None = None,
    ) -> SignedEntry:
        at = at or self.at()
        if self.late and recorded is None:
            recorded = (datetime.fromisoformat(at) + LATER).isoformat()
        return super().rec(actor, kind, subject, body, at, recorded)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[BackFilled]:
    """The demo's bureau with its decisions held to edition 2."""
    db = tmp_path / "ledger.db"
    build_template(db)
    store = open_store(str(db))
    bureau = BackFilled(store, db)
    body = {
        "version": 3,
        "effective_from": "2021-01-01",
        "rules": {**DISTRICT_RULES, "edition": 2},
        "reason": "本地规定",
    }
    bureau.rec("li.na", "rule_profile.versioned", "edition-2", body)
    try:
        yield bureau
    finally:
        bureau.store.close()


def run(bureau: Bureau, *args: str) -> Result:
    result = CliRunner().invoke(app, list(args), env={"LEDGER_DB": str(bureau.db)})
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def test_a_decision_recorded_years_later_is_noted_step_by_step(office: BackFilled) -> None:
    office.late = True
    office.decided()
    (report,) = [
        json.loads(line) for line in run(office, "check", "d1", "--json").stdout.splitlines()
    ]
    steps = report["timeline"]
    assert len(steps) > 10
    late = {f["seq"]: f["message"] for f in report["findings"] if f["check"] == "recorded_late"}
    assert set(late) == {step["seq"] for step in steps}  # every step, none left out
    # every gate held when it was recorded, so nothing but the note on each step — and, read
    # today, the archive that never came (G16, Art. 33) — stands against it
    others = {f["check"] for f in report["findings"] if f["check"] != "recorded_late"}
    assert others == {"archive_deadline"}, report["findings"]
    assert report["compliance_status"] == "non_compliant"
    first = steps[0]
    assert first["occurred_at"].startswith("2021-03") and first["recorded_at"].startswith("2024")
    assert "working days later (the profile allows 5)" in late[first["seq"]]
    text = run(office, "check", "d1").stdout
    assert f"note: Art. 33: {late[first['seq']]} (seq {first['seq']})" in text
    assert "  steps (occurred, recorded):" in text
    assert f"    seq {first['seq']}\tdecision.proposed\t{first['occurred_at'][:16]}\t" in text
    shown = run(office, "show", "decision", "d1").stdout.splitlines()
    assert shown[3] == "seq\toccurred\trecorded\ttype\tactor\tsummary"
    row = next(line for line in shown if line.startswith(f"{first['seq']}\t"))
    assert row.split("\t")[1:3] == [first["occurred_at"][:16], first["recorded_at"][:16] + "Z"]


def test_a_decision_recorded_on_time_has_no_note(office: BackFilled) -> None:
    office.decided()
    (report,) = [
        json.loads(line) for line in run(office, "check", "d1", "--json").stdout.splitlines()
    ]
    assert not [f for f in report["findings"] if f["check"] == "recorded_late"]
    assert all(s["recorded_at"][:10] == s["occurred_at"][:10] for s in report["timeline"][:1])


def test_a_correction_shows_beside_what_it_corrects(office: BackFilled) -> None:
    draft = office.ready()
    office.meeting("m1")
    office.item("d1", "m1", draft)
    dissent = office.position("d1", "m1", "chen.jing", 1, "disagree", "配送标准偏低").seq
    body = {"corrects": dissent, "reason": "笔误", "correction": "意见应为“同意”"}
    correction = office.rec("huang.li", "entry.corrected", "d1", body).seq
    awaits = f"correction at seq {correction} awaits confirmation by chen.jing"
    (report,) = [
        json.loads(line) for line in run(office, "check", "d1", "--json").stdout.splitlines()
    ]
    assert awaits in [f["message"] for f in report["findings"]]
    beside = f"seq {dissent} corrected by seq {correction} (huang.li, "
    check = run(office, "check", "d1").stdout
    assert f"pending: Art. 30, 33: {awaits} (seq {correction})" in check
    assert f"  correction: {beside}" in check
    assert "[awaits confirmation by chen.jing]" in check
    trace = run(office, "trace", "decision", "d1").stdout
    assert f"[corrected by seq {correction}: awaits_confirmation]" in trace
    shown = run(office, "show", "decision", "d1").stdout.splitlines()
    at = next(i for i, line in enumerate(shown) if line.startswith(f"{dissent}\t"))
    assert shown[at + 1].startswith(f"\t{beside}")
    office.rec("chen.jing", "entry.correction_confirmed", "d1", {"correction": correction})
    timeline = json.loads(run(office, "show", "decision", "d1", "--json").stdout)["timeline"]
    (entry,) = [e for e in timeline if e["seq"] == dissent]
    (listed,) = entry["corrected_by"]
    assert (listed["status"], listed["by"], listed["reason"]) == ("confirmed", "huang.li", "笔误")
    assert "[confirmed by chen.jing at seq" in run(office, "check", "d1").stdout
