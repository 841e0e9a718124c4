"""The CLI reference, written from the Typer app itself: every command's `--help`, as the
command prints it, under a heading of its full name. The documentation site inserts it (so there
is no hand-kept copy to drift), and the docs' tests resolve every `ledger …` line against the same
tree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:  # Typer carries its own copy of click; these are its classes
    from typer._click.core import Command, Context

WIDTH = 100


def root_command() -> Command:
    """The click command behind `ledger`."""
    from ledger.cli.app import app

    return typer.main.get_command(app)


def _context(command: Command, name: str, parent: Context | None = None) -> Context:
    return command.context_class(
        command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH
    )


def walk(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    """Every command under `command` with its path of names, parents before children, children
    in their listing order."""
    yield path, command
    if isinstance(command, TyperGroup):
        context = _context(command, "ledger")
        for name in command.list_commands(context):
            child = command.get_command(context, name)
            if child is not None and not child.hidden:
                yield from walk(child, (*path, name))


def help_text(path: tuple[str, ...]) -> str:
    """What `ledger PATH --help` prints, at a fixed width."""
    command = root_command()
    context = _context(command, "ledger")
    for name in path:
        assert isinstance(command, TyperGroup)
        child = command.get_command(context, name)
        assert child is not None, name
        context = _context(child, name, context)
        command = child
    return command.get_help(context)


def markdown(level: int = 2) -> str:
    """The reference as Markdown: a heading and a `--help` block per command."""
    parts: list[str] = []
    for path, _ in walk(root_command()):
        name = " ".join(("ledger", *path))
        parts.append(f"{'#' * level} `{name}`\n\n```text\n{help_text(path).rstrip()}\n```\n")
    return "\n".join(parts)


__all__ = ["help_text", "markdown", "root_command", "walk"]
