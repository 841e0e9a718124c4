"""What every command shares: settings from the root options, the clock, passphrases, files."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
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
    """Read an entry body from a .json or .toml file (`-` reads JSON from stdin), within the
    limits of `ledger.inputs` (1 MiB, 32 levels, finite numbers, no duplicate keys).

    Raises:
        InputError: naming the file, and the line and column or the field that is wrong.
    """
    from ledger import inputs

    name = str(path)
    suffix = path.suffix.lower()
    if name != "-" and suffix not in (".json", ".toml"):
        raise InputError("the body file must end in .json or .toml", where=name)
    if name == "-":
        raw = sys.stdin.buffer.read(inputs.MAX_BODY_BYTES + 1)
    else:
        raw = inputs.read_file(path, limit=inputs.MAX_BODY_BYTES)
    return inputs.parse_body(raw, where=name, toml=suffix == ".toml" and name != "-")
