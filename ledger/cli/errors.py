"""One decorator turns the core's errors into a message on stderr and an exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from keys import KeysError
from ledger.cli.exit_codes import exit_code_for
from ledger.errors import LedgerError

P = ParamSpec("P")
R = TypeVar("R")

MARKER = "__handles_ledger_errors__"


def handles_ledger_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Run a command; on a LedgerError or KeysError print its diagnostics and exit with its
    code. Anything else is a bug and reaches Typer's traceback handler."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (LedgerError, KeysError) as exc:
            typer.echo(f"error: {exc.diagnostics()}", err=True)
            raise typer.Exit(code=exit_code_for(exc)) from None

    setattr(wrapper, MARKER, True)
    return wrapper
