"""`ledger export …`, `ledger report annual` and `ledger verify --bundle` as commands: exit codes,
data on stdout, diagnostics on stderr, and a bundle verified by the installed command with no
database anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ledger.cli import app
from tests.export.conftest import Demo

Invoke = Callable[..., Result]


@pytest.fixture(scope="module")
def run(demo_ledger: Demo) -> Invoke:
    env = {
        "LEDGER_DB": str(demo_ledger.built.db),
        "LEDGER_KEY_DIR": str(demo_ledger.built.key_dir),
        "LEDGER_PASSPHRASE": demo_ledger.built.passphrase,
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    return invoke


def test_export_then_verify_the_bundle_as_an_auditor(
    run: Invoke, demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards the walk-through: export (hash on stdout), then verify with the published key
    given as a file; the installed command does it with no database configured."""
    invoke = run
    vkey = tmp_path / "bureau.vkey"
    result = invoke("checkpoint", "--verifier-key")
    assert result.exit_code == 0
    vkey.write_text(result.stdout)
    out = tmp_path / "audit-2020.zip"
    result = invoke("export", "bundle", "--out", str(out), "--as", "wu.xia", "--from", "2020-01-01")
    assert result.exit_code == 0, result.stderr
    digest = result.stdout.split("\t")[0]
    assert len(digest) == 64 and "recorded as seq" in result.stderr
    result = invoke("verify", "--bundle", str(out), "--trust", str(vkey))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: bundle of edu.example-district.gov.cn/decisions")
    assert digest in result.stderr
    ledger = Path(sys.executable).with_name("ledger")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(HOME=str(tmp_path), LEDGER_HOME=str(tmp_path / "nothing-here"))
    done = subprocess.run(
        [str(ledger), "verify", "--bundle", str(out), "--trust", vkey.read_text().strip(),
         "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"ok": true' in done.stdout and not (tmp_path / "nothing-here" / "ledger.db").exists()


def test_a_tampered_bundle_exits_3_naming_the_file(
    run: Invoke, demo_ledger: Demo, tmp_path: Path
) -> None:
    invoke = run
    out = tmp_path / "b"
    assert invoke("export", "bundle", "--out", str(out), "--as", "wu.xia").exit_code == 0
    page = out / "data/decisions.html"
    page.write_bytes(page.read_bytes().replace("示例区".encode(), "某区".encode(), 1))
    key = invoke("checkpoint", "--verifier-key").stdout.strip()
    result = invoke("verify", "--bundle", str(out), "--trust", key)
    assert result.exit_code == 3
    assert "FAIL [bag] data/decisions.html: its sha256 is " in result.stderr
    assert result.stdout.startswith("FAILED:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--withhold", "ab" * 32), "1 --withhold but 0 --reason"),
        (("--withhold", "xyz", "--reason", "r"), "is not a SHA-256 hex hash"),
        (("--withhold", "ab" * 32, "--reason", "r"), "referenced by no entry"),
        (("--from", "2020-13-01"), "is not a date"),
    ],
)
def test_bad_export_options_exit_6_and_write_nothing(
    run: Invoke, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    invoke = run
    out = tmp_path / "b"
    result = invoke("export", "bundle", "--out", str(out), "--as", "wu.xia", *args)
    assert result.exit_code == 6, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_existing_output_and_a_missing_trust_key_are_refused(
    run: Invoke, tmp_path: Path
) -> None:
    invoke = run
    result = invoke("export", "dossier", "d2020-01", "--out", str(tmp_path), "--as", "wu.xia")
    assert result.exit_code == 6 and "already exists" in result.stderr
    result = invoke("verify", "--bundle", str(tmp_path))
    assert result.exit_code == 6 and "--trust" in result.stderr


def test_report_annual_formats(run: Invoke) -> None:
    invoke = run
    result = invoke("report", "annual", "--year", "2020", "--format", "json")
    assert result.exit_code == 0 and '"filing_rate"' in result.stdout
    result = invoke("report", "annual", "--year", "2020", "--format", "pdf")
    assert result.exit_code == 6 and "unknown format" in result.stderr
