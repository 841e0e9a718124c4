"""One test per exit code: the numbers are a public contract (README, docs/reference/exit-codes.md,
root --help)."""

from __future__ import annotations

import pytest

from ledger.cli import context
from ledger.cli.exit_codes import EPILOG, ExitCode, exit_code_for
from ledger.errors import LedgerError
from tests.cli.conftest import Cli, ok
from tests.tamper import sql


def test_codes_are_the_documented_numbers() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "ERROR": 1,
        "USAGE": 2,
        "VERIFICATION_FAILED": 3,
        "STORE": 4,
        "KEYS": 5,
        "INPUT": 6,
        "REFUSED": 7,
        "SCHEMA": 8,
        "INTERRUPTED": 130,
    }
    for code in ExitCode:
        assert f"{int(code)} " in EPILOG


def test_ok(ready: Cli) -> None:
    assert ready("verify").exit_code == ExitCode.OK


def test_error_is_for_bugs() -> None:
    assert exit_code_for(LedgerError("unclassified")) == ExitCode.ERROR
    assert exit_code_for(RuntimeError("bug")) == ExitCode.ERROR


def test_usage(ready: Cli) -> None:
    result = ready("log", "--no-such-option")
    assert result.exit_code == ExitCode.USAGE
    assert "No such option" in result.stderr


def test_verification_failed(ready: Cli) -> None:
    sql(str(ready.db), "UPDATE entries SET subject = 'wang.fan' WHERE seq = 1;")
    result = ready("verify")
    assert result.exit_code == ExitCode.VERIFICATION_FAILED
    assert "seq 1: column subject is 'wang.fan'" in result.stderr
    assert result.stdout.startswith("FAILED")


def test_store(cli: Cli) -> None:
    assert cli("log").exit_code == ExitCode.STORE


def test_keys(ready: Cli) -> None:
    assert ready("person", "add", "--id", "a.b", "--name", "甲", passphrase="nope").exit_code == 5


def test_input(ready: Cli) -> None:
    path = ready.write("n.json", "{")
    result = ready("record", "note", "-f", path, "--as", "wang.fang", "--subject", "m")
    assert result.exit_code == ExitCode.INPUT


def test_refused(ready: Cli) -> None:
    result = ready("person", "add", "--id", "wang.fang", "--name", "又一个")
    assert result.exit_code == ExitCode.REFUSED
    assert "already registered" in result.stderr


def test_schema(ready: Cli) -> None:
    sql(str(ready.db), "DROP TABLE alembic_version;")
    result = ready("log")
    assert result.exit_code == ExitCode.SCHEMA
    assert "run `ledger db upgrade`" in result.stderr


def test_interrupted(ready: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C at the passphrase prompt exits 130 and writes nothing."""

    def interrupt(prompt: str, *, confirm: bool = False) -> str:
        raise KeyboardInterrupt

    before = ok(ready("log")).stdout
    monkeypatch.setattr(context, "passphrase", interrupt)
    monkeypatch.setattr("ledger.cli.people.passphrase", interrupt)
    result = ready("person", "add", "--id", "a.b", "--name", "甲")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert ok(ready("log")).stdout == before


def test_show_of_a_damaged_entry(ready: Cli) -> None:
    """`ledger show` on an entry whose bytes were damaged says so, with its seq, and exits 3."""
    sql(str(ready.db), "UPDATE entries SET statement = CAST('{' AS BLOB) WHERE seq = 1;")
    result = ready("show", "1")
    assert result.exit_code == ExitCode.VERIFICATION_FAILED
    assert result.stderr.startswith("error: seq 1: statement is not valid UTF-8 JSON")
