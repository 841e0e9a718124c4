"""One decorator turns the core's errors into a message on stderr and an exit code, and refuses
an argument that is not text before any command sees it. A gate's refusal also names the rule,
the field and the earlier entry it concerns, and what would satisfy it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar, get_type_hints

import typer

from keys import KeysError
from ledger.cli.exit_codes import exit_code_for
from ledger.errors import GateBreach, GateRefusal, InputError, LedgerError

P = ParamSpec("P")
R = TypeVar("R")

MARKER = "__handles_ledger_errors__"


def handles_ledger_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Run a command; on a LedgerError or KeysError print its diagnostics and exit with its
    code. Anything else is a bug and reaches Typer's traceback handler."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            _refuse_undecodable(func, kwargs)
            return func(*args, **kwargs)
        except (LedgerError, KeysError) as exc:
            typer.echo(f"error: {exc.diagnostics()}", err=True)
            if isinstance(exc, GateRefusal):
                typer.echo("\n".join(gate_lines(exc.breach)), err=True)
            raise typer.Exit(code=exit_code_for(exc)) from None

    setattr(wrapper, MARKER, True)
    return wrapper


def gate_lines(breach: GateBreach) -> list[str]:
    """What a gate's refusal adds below the error line: its rule, the field and the earlier entry
    it concerns, and what would satisfy it (in English, from the gates' remedies)."""
    from ledger.procedure.remedies import remedy

    lines = [f"  rule: {breach.rule}"]
    if breach.field is not None:
        lines.append(f"  field: body.{breach.field}")
    if breach.conflicting_seq is not None:
        lines.append(f"  conflicts with: seq {breach.conflicting_seq}")
    lines.append(f"  to proceed: {remedy(breach.remedy)}")
    return lines


def _refuse_undecodable(func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """Bytes of the command line that are not UTF-8 reach Python as lone surrogates; no id,
    type or text of the ledger can hold one, and the database driver would fail on it with a
    traceback. (A path may: the file system takes any bytes.)

    Raises:
        InputError: naming the option or argument.
    """
    for name, value in kwargs.items():
        for text in _texts(value):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(
                    f"{text!r} holds bytes that are not UTF-8 text", where=_shown_name(func, name)
                ) from None


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _shown_name(func: Callable[..., Any], name: str) -> str:
    """The option as typed (`--as`), or the argument's metavar (`ID`)."""
    try:
        hint = get_type_hints(func, include_extras=True)[name]
    except Exception:  # noqa: BLE001 -- only for a message: fall back to the parameter's name
        return f"--{name.replace('_', '-')}"
    for extra in getattr(hint, "__metadata__", ()):
        given = [getattr(extra, "default", None), *(getattr(extra, "param_decls", None) or ())]
        decls = [d for d in given if isinstance(d, str) and d.startswith("--")]
        if decls:
            return str(decls[0])
        if isinstance(extra, typer.models.ArgumentInfo):
            return str(extra.metavar or name.upper()).strip("[]")
    return f"--{name.replace('_', '-')}"
