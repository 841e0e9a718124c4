"""What every command shares: settings from the root options, the clock, passphrases, files."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ledger.errors import InputError
from ledger.settings import Settings, resolve

if TYPE_CHECKING:
    from ledger.app import Ledger

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


def open_ledger(ctx: typer.Context, *, older: bool = False, unknown: bool = False) -> Ledger:
    """The ledger of the root options (`--db`, `--key-dir`), at the system clock; use it in a
    `with` block so that it is closed whatever happens. `older` and `unknown` open a ledger of
    another schema revision too (see `Ledger.open`)."""
    from ledger.app import Ledger

    settings = state(ctx).settings()
    return Ledger.open(
        settings.db, key_dir=settings.key_dir, clock=now, older=older, unknown=unknown
    )


def key_prompt(person: str) -> Callable[[], str]:
    """Ask for `person`'s passphrase, when the key is found (see `Ledger.key_for`)."""
    return lambda: passphrase(f"Passphrase for {person}'s key")


def check_options(*, subject: str | None = None, occurred_at: str | None = None) -> None:
    """Check a subject id and a business time given as options, naming the option.

    Raises:
        InputError: naming `--subject` or `--occurred-at`.
    """
    from ledger.app.entries import check_id
    from ledger.entry import parse_time

    if subject is not None:
        check_id(subject, where="--subject")
    if occurred_at is not None:
        parse_time(occurred_at, where="--occurred-at")


def now() -> datetime:
    """The system clock (`ledger.entry.utc_now`); tests replace this one."""
    from ledger.entry import utc_now

    return utc_now()


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
