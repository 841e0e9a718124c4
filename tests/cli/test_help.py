"""Every command has help with an example, handles ledger errors, and is in the README."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.models import CommandInfo
from typer.testing import CliRunner

from ledger.cli import app
from ledger.cli.errors import MARKER

README = Path(__file__).parents[2] / "README.md"


def commands(
    root: typer.Typer, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], CommandInfo]]:
    for info in root.registered_commands:
        assert info.callback is not None
        yield (*prefix, info.name or info.callback.__name__), info
    for group in root.registered_groups:
        assert group.typer_instance is not None and group.name is not None
        yield from commands(group.typer_instance, (*prefix, group.name))


ALL = sorted(commands(app), key=lambda item: item[0])
NAMES = [" ".join(path) for path, _ in ALL]


def test_the_commands_the_issue_names_exist() -> None:
    assert set(NAMES) >= {
        "init", "person add", "key new", "key bind", "key revoke", "key list", "record", "log",
        "show", "blob add", "blob get", "verify", "demo", "checkpoint list", "checkpoint show",
        "checkpoint add-cosignatures", "prove inclusion", "prove consistency", "verify-proof",
        "witness init", "witness cosign", "witness status",
    }  # fmt: skip


def test_checkpoint_signs_without_a_subcommand() -> None:
    """`ledger checkpoint` itself is the group's callback: decorated, with help and an example."""
    from ledger.cli.checkpoints import checkpoint

    assert getattr(checkpoint, MARKER, False)
    result = CliRunner().invoke(app, ["checkpoint", "--help"])
    assert (
        result.exit_code == 0 and "Example:" in result.stdout and "--verifier-key" in result.stdout
    )


@pytest.mark.parametrize(("path", "info"), ALL, ids=NAMES)
def test_help_and_decorator(path: tuple[str, ...], info: CommandInfo) -> None:
    """--help works (the decorator kept the parameters) and shows an example."""
    assert getattr(info.callback, MARKER, False), f"{path} lacks @handles_ledger_errors"
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.stdout
    assert info.callback is not None and info.callback.__doc__


@pytest.mark.parametrize("name", NAMES)
def test_readme_mentions_command(name: str) -> None:
    assert f"ledger {name}" in README.read_text(encoding="utf-8")


def test_root_help_lists_exit_codes() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "3 verification failed" in result.stdout


def test_version_names_the_release_and_the_entry_format() -> None:
    import tomllib

    from ledger import __version__
    from ledger.entry import FORMAT_VERSION

    project = tomllib.loads(README.with_name("pyproject.toml").read_text(encoding="utf-8"))
    assert __version__ == project["project"]["version"]
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"ledger {__version__} (entry format {FORMAT_VERSION})\n"


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout
