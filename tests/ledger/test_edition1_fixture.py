"""A ledger recorded under the edition-1 rules (built before the edition-2 checks existed) still
verifies, and every decision in it is judged by the rules of its own profile version: the same
status, completeness, exceptions and findings as when it was recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ledger.cli import app

FIXTURE = Path(__file__).parent.parent / "fixtures" / "edition-1"
HEAD_HASH = "a60a3dac6c443e9f3f9c08b29d9e50b5b24855862ae153fc1f7e6fc9727a9c6b"
JUDGED = ("decision", "compliance_status", "record_completeness", "missing_records", "exceptions")


@pytest.fixture
def edition_1(tmp_path: Path) -> Path:
    copy = tmp_path / "ledger.db"
    shutil.copyfile(FIXTURE / "demo.sqlite3", copy)
    return copy


def run(db: Path, *args: str) -> Result:
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert "Traceback" not in result.output, result.output
    return result


def judgement(report: dict[str, Any]) -> dict[str, Any]:
    findings = [
        {key: finding[key] for key in ("check", "basis", "severity", "seq") if key in finding}
        for finding in report["findings"]
    ]
    return {key: report[key] for key in JUDGED} | {"findings": findings}


def test_edition_1_ledger_verifies(edition_1: Path) -> None:
    result = run(edition_1, "verify", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report["failures"]
    assert (report["ok"], report["entries"], report["blobs"], report["head"]) == (
        True,
        373,
        42,
        HEAD_HASH,
    )


def test_edition_1_ledger_is_judged_by_its_own_rules(edition_1: Path) -> None:
    result = run(edition_1, "check", "--all", "--json")
    assert result.exit_code == 0, result.output
    reports = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    recorded = json.loads((FIXTURE / "judgement.json").read_text(encoding="utf-8"))
    assert [judgement(report) for report in reports] == recorded
    assert all(report["profile"]["name"] == "example-district-2020" for report in reports)
