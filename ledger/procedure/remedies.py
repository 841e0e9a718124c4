"""What would satisfy each gate, in words: the remedy a refusal names by its code
(`GateBreach.remedy`), in each language the ledger speaks.

The words live in `remedies/<language>.toml` beside the gates they belong to, under `[remedy]`;
the TUI merges them into its message catalogs (`remedy.<code>`), and the CLI prints the English.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

REMEDIES_DIR = Path(__file__).parent / "remedies"


def catalog_file(language: str) -> Path:
    """The file holding `language`'s remedies."""
    return REMEDIES_DIR / f"{language}.toml"


@cache
def remedies(language: str = "en") -> dict[str, str]:
    """Every remedy of `language`, by code."""
    with catalog_file(language).open("rb") as handle:
        found: dict[str, str] = tomllib.load(handle)["remedy"]
    return found


def remedy(code: str, language: str = "en") -> str:
    """The words of remedy `code` in `language`. Raises KeyError for an unknown code."""
    return remedies(language)[code]


__all__ = ["REMEDIES_DIR", "catalog_file", "remedies", "remedy"]
