"""What every command shares: settings from the root options, the clock, passphrases, files."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer

from ledger.errors import InputError
from ledger.settings import Settings, resolve

PASSPHRASE_ENV = "LEDGER_PASSPHRASE"


@dataclass
class State:
    """Root options, resolved once per invocation."""

    db: str | None = None
    key_dir: str | None = None

    def settings(self) -> Settings:
        return resolve(self.db, self.key_dir)


def state(ctx: typer.Context) -> State:
    """The root callback's state for this invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def now() -> datetime:
    """The system clock, in UTC."""
    return datetime.now(UTC)


def passphrase(prompt: str, *, confirm: bool = False) -> str:
    """Read a passphrase from LEDGER_PASSPHRASE (for scripts) or a hidden prompt.

    Raises:
        InputError: no terminal to prompt on and no LEDGER_PASSPHRASE.
    """
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InputError(
            f"no passphrase: set {PASSPHRASE_ENV} or run in a terminal", where="passphrase"
        )
    result: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return result


def load_body(path: Path) -> dict[str, Any]:
    """Read an entry body from a .json or .toml file (`-` reads JSON from stdin).

    Raises:
        InputError: naming the file, and the line and column where the parser stopped.
    """
    name = str(path)
    try:
        raw = sys.stdin.buffer.read() if name == "-" else path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", where=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            where=f"{name}:{line}",
        ) from None
    if path.suffix.lower() == ".toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"malformed TOML: {exc}", where=name) from None
        data = _from_toml(data, "body", name)
    elif path.suffix.lower() == ".json" or name == "-":
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            where = f"{name}:{exc.lineno}:{exc.colno}"
            raise InputError(f"malformed JSON: {exc.msg}", where=where) from None
        except ValueError as exc:
            raise InputError(f"malformed JSON: {exc}", where=name) from None
    else:
        raise InputError("the body file must end in .json or .toml", where=name)
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", where=name)
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _from_toml(value: Any, where: str, name: str) -> Any:
    """TOML has native dates and times; bodies hold them as RFC 3339 strings."""
    if isinstance(value, dict):
        return {k: _from_toml(v, f"{where}.{k}", name) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_toml(v, f"{where}[{i}]", name) for i, v in enumerate(value)]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError(
                "a local date-time is ambiguous: give an offset, e.g. 2020-03-15T09:30:00+08:00",
                where=f"{name}: {where}",
            )
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str | int | float | bool):
        raise InputError(f"{type(value).__name__} values are not allowed", where=f"{name}: {where}")
    return value
