"""Where the ledger and the keys live: resolved from options and the environment, in a function."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "decision-ledger"


@dataclass(frozen=True)
class Settings:
    """The database and key directory one command works with."""

    db: str
    key_dir: Path


def default_home() -> Path:
    """The user's data directory for the ledger (`LEDGER_HOME` overrides it)."""
    home = os.environ.get("LEDGER_HOME")
    return Path(home).expanduser() if home else user_data_path(APP_NAME)


def resolve(db: str | None = None, key_dir: str | None = None) -> Settings:
    """Resolve settings: an explicit option wins, then `LEDGER_DB` / `LEDGER_KEY_DIR`, then the
    defaults under the user's data directory."""
    home = default_home()
    chosen_db = db or os.environ.get("LEDGER_DB") or str(home / "ledger.db")
    chosen_keys = key_dir or os.environ.get("LEDGER_KEY_DIR") or str(home / "keys")
    return Settings(db=chosen_db, key_dir=Path(chosen_keys).expanduser())
