"""CLI fixtures: a runner with a passphrase in the environment, and an initialised ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ledger.cli import app

PASS = "correct horse battery staple"
INIT = (
    "init",
    "--origin",
    "edu.example-district.gov.cn/decisions",
    "--organisation",
    "示例区教育局",
    "--registrar-id",
    "li.na",
    "--registrar-name",
    "李娜",
)


@dataclass
class Cli:
    runner: CliRunner
    db: Path
    key_dir: Path
    work: Path

    def __call__(
        self, *args: str, passphrase: str | None = PASS, stdin: str | None = None
    ) -> Result:
        env = {"LEDGER_DB": str(self.db), "LEDGER_KEY_DIR": str(self.key_dir)}
        if passphrase is not None:
            env["LEDGER_PASSPHRASE"] = passphrase
        return self.runner.invoke(app, list(args), env=env, input=stdin)

    def write(self, name: str, content: str | bytes) -> str:
        path = self.work / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("LEDGER_PASSPHRASE", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    return Cli(CliRunner(), tmp_path / "ledger.db", tmp_path / "keys", work)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


@pytest.fixture
def ready(cli: Cli) -> Cli:
    """A ledger with the registrar li.na and wang.fang, who has a bound key."""
    ok(cli(*INIT))
    ok(cli("person", "add", "--id", "wang.fang", "--name", "王芳"))
    kid = ok(cli("key", "new", "--for", "wang.fang")).stdout.strip()
    ok(cli("key", "bind", kid))
    return cli


Invoke = Callable[..., Result]
