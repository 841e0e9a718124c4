"""A ledger recorded by release 0.1.0 still opens and verifies, and is judged by its own rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.cli import app

FIXTURE = Path(__file__).parent.parent / "fixtures" / "release-0.1.0" / "demo.sqlite3"
HEAD = "11599e702fbe48fe2642eb924430fd413e13619ccdbbfac5b3c72b25bf0dfbe2"


@pytest.fixture
def old_ledger(tmp_path: Path) -> Path:
    copy = tmp_path / "ledger.db"
    shutil.copyfile(FIXTURE, copy)
    return copy


def test_release_0_1_0_demo_still_verifies(old_ledger: Path) -> None:
    result = CliRunner().invoke(app, ["--db", str(old_ledger), "verify", "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report["failures"]
    assert (report["ok"], report["entries"], report["blobs"], report["head"]) == (
        True,
        373,
        42,
        HEAD,
    )


def test_release_0_1_0_demo_is_reported_on(old_ledger: Path) -> None:
    result = CliRunner().invoke(app, ["--db", str(old_ledger), "decisions"])
    assert result.exit_code == 0, result.stderr
    assert "d2020-01" in result.stdout and "d2020-05" in result.stdout
