"""Message catalogs: every string the TUI shows comes from here, in zh-Hant, zh-Hans or en.

Catalogs live in `tui/locale/<lang>/<area>.toml`, one file per language *per area*, so two
people can add strings without touching the same file:

- `common.toml`: the app shell, navigation, shared words (yes/no, statuses, errors);
- `browse.toml`: unlock, dashboard, decisions, people, verify, checkpoint;
- `record.toml`: the recording forms and the meeting (owned by the recording screens).
- and, from `ledger/procedure/remedies/<lang>.toml`, what would satisfy a gate, by the remedy
  code a refusal carries (`remedy.<code>`; the CLI prints the English from there too).

Every `*.toml` in a language's folder is loaded and merged; nested tables flatten to dotted
keys (`[dashboard] title = "…"` is `dashboard.title`). A key defined in two files is an
error, and every key must exist in all three languages (tests/tui/test_i18n.py checks both).
Values are `str.format` templates: `t("verify.done", entries=12)`.

The language is chosen by `resolve_language`: `--lang`, else `LEDGER_LANG`, else `lang = "…"`
in `settings.toml` in the ledger's home directory (`LEDGER_HOME`), else the locale
(`LC_ALL`, `LC_MESSAGES`, `LANG`), else en.
"""

from __future__ import annotations

import os
import tomllib
import unicodedata
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ledger.procedure.remedies import catalog_file
from ledger.settings import default_home

LANGUAGES = ("zh-Hant", "zh-Hans", "en")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
LANG_ENV = "LEDGER_LANG"
SETTINGS_FILE = "settings.toml"

_current = DEFAULT_LANGUAGE


class CatalogError(Exception):
    """A catalog is malformed, or a key is missing or defined twice."""


def _flatten(table: Mapping[str, Any], prefix: str, into: dict[str, str], source: str) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            _flatten(value, f"{key}.", into, source)
        elif isinstance(value, str):
            if key in into:
                raise CatalogError(f"{key} is defined twice (again in {source})")
            into[key] = value
        else:
            raise CatalogError(f"{key} in {source} is not a string")


@cache
def catalog(language: str) -> dict[str, str]:
    """Every message of `language`, merged from all its area files."""
    if language not in LANGUAGES:
        raise CatalogError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    for path in [*sorted((LOCALE_DIR / language).glob("*.toml")), catalog_file(language)]:
        with path.open("rb") as handle:
            _flatten(tomllib.load(handle), "", merged, f"{language}/{path.name}")
    return merged


def use(language: str) -> None:
    """Make `language` the one `t` speaks (it must be one of LANGUAGES)."""
    global _current
    catalog(language)
    _current = language


def current() -> str:
    """The language `t` speaks now."""
    return _current


def t(key: str, **fmt: Any) -> str:
    """The message `key` in the current language, formatted with `fmt`.

    A missing key shows as the key itself (the catalog test keeps that from shipping).
    """
    template = catalog(_current).get(key)
    if template is None:
        template = catalog(DEFAULT_LANGUAGE).get(key, key)
    return template.format(**fmt) if fmt else template


def has(key: str) -> bool:
    """Whether `key` is in the catalog (of the default language)."""
    return key in catalog(DEFAULT_LANGUAGE)


def from_locale(value: str | None) -> str | None:
    """The language a POSIX locale name asks for (zh_TW → zh-Hant, zh_CN → zh-Hans), if any."""
    if not value:
        return None
    name = value.split(".")[0].split("@")[0].replace("-", "_").lower()
    if name in ("c", "posix", ""):
        return None
    if name.startswith("zh"):
        traditional = ("_tw", "_hk", "_mo", "hant")
        return "zh-Hant" if any(mark in name for mark in traditional) else "zh-Hans"
    if name.startswith("en"):
        return "en"
    return None


def _from_settings(home: Path) -> str | None:
    from ledger.errors import InputError
    from ledger.inputs import MAX_TEXT_FILE, parse_toml, read_file

    path = home / SETTINGS_FILE
    if not path.exists():
        return None
    try:
        value = parse_toml(read_file(path, limit=MAX_TEXT_FILE), where=str(path)).get("lang")
    except InputError:
        return None  # a damaged settings file is ignored, as a missing one
    return value if isinstance(value, str) and value in LANGUAGES else None


def resolve_language(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: `option`, else LEDGER_LANG, else settings.toml, else the locale,
    else en. Unknown values further down the list are skipped (`option` must be valid)."""
    env = os.environ if environ is None else environ
    if option is not None:
        if option not in LANGUAGES:
            raise CatalogError(f"unknown language {option!r}; choose one of {', '.join(LANGUAGES)}")
        return option
    chosen = env.get(LANG_ENV)
    if chosen in LANGUAGES:
        return chosen
    from_file = _from_settings(default_home())
    if from_file is not None:
        return from_file
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        found = from_locale(env.get(name))
        if found is not None:
            return found
        if env.get(name):
            break  # the first locale variable that is set decides, as in POSIX
    return DEFAULT_LANGUAGE


def cell_width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK ideographs and fullwidth forms take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal columns (CJK counted as two)."""
    return text + " " * max(0, width - cell_width(text))


__all__ = [
    "LANGUAGES",
    "CatalogError",
    "catalog",
    "cell_width",
    "current",
    "from_locale",
    "has",
    "pad",
    "resolve_language",
    "t",
    "use",
]
