"""The message catalogs: every key in all three languages, no literal text in the screens."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from ledger.procedure.gates import remedy_codes
from tui import i18n

TUI = Path(i18n.__file__).parent
# A literal that reads as words: CJK, a capitalised word, or two words with a space between.
WORDS = re.compile(r"[\u3000-\u9fff\uff00-\uffef]|\b[A-Z][a-z]{2,}\b|[A-Za-z]{2,} [A-Za-z]{2,}")
# Rich styles ("bold red") are not text.
STYLE = re.compile(r"^((bold|italic|dim|underline|reverse|not|on|red|green|yellow|blue|cyan)\s*)+$")


def test_every_key_is_in_every_language() -> None:
    keys = {lang: set(i18n.catalog(lang)) for lang in i18n.LANGUAGES}
    everything = set().union(*keys.values())
    for lang, found in keys.items():
        assert not sorted(everything - found), f"{lang} lacks these keys"


def test_every_remedy_code_has_its_words_in_every_language() -> None:
    """Guards a gate whose remedy code has no words (the CLI and the TUI would show the code),
    and words left behind for a code no gate carries."""
    codes = remedy_codes()
    for lang in i18n.LANGUAGES:
        found = {
            key.removeprefix("remedy.") for key in i18n.catalog(lang) if key.startswith("remedy.")
        }
        assert found == codes, lang


def test_placeholders_agree_across_languages() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    english = i18n.catalog("en")
    for lang in i18n.LANGUAGES:
        for key, text in i18n.catalog(lang).items():
            assert fields(text) == fields(english[key]), f"{lang} {key}"


def test_the_areas_are_separate_files() -> None:
    for lang in i18n.LANGUAGES:
        names = {p.name for p in (TUI / "locale" / lang).glob("*.toml")}
        assert {"common.toml", "browse.toml", "record.toml"} <= names


def test_a_key_defined_twice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.toml").write_text('[x]\ny = "1"\n', encoding="utf-8")
    (tmp_path / "en" / "b.toml").write_text('x.y = "2"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        with pytest.raises(i18n.CatalogError, match=r"x\.y is defined twice"):
            i18n.catalog("en")
    finally:
        monkeypatch.undo()
        i18n.catalog.cache_clear()


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and WORDS.search(node.value)
        and not STYLE.match(node.value)
    ]


@pytest.mark.parametrize(
    "path",
    sorted([*TUI.glob("screens/*.py"), *TUI.glob("widgets/*.py"), TUI / "app.py"]),
    ids=lambda p: p.name,
)
def test_no_screen_holds_a_user_facing_literal(path: Path) -> None:
    assert _literals(path) == []


def test_t_formats_and_falls_back_to_the_key() -> None:
    i18n.use("zh-Hans")
    try:
        assert i18n.t("app.signing_as", person="li.na") == "以 li.na 的身份签署"
        assert i18n.t("no.such.key") == "no.such.key"
    finally:
        i18n.use("en")


@pytest.mark.parametrize(
    ("option", "environ", "expected"),
    [
        ("zh-Hant", {"LEDGER_LANG": "en"}, "zh-Hant"),
        (None, {"LEDGER_LANG": "zh-Hans", "LANG": "en_US.UTF-8"}, "zh-Hans"),
        (None, {"LANG": "zh_TW.UTF-8"}, "zh-Hant"),
        (None, {"LANG": "zh_HK.UTF-8"}, "zh-Hant"),
        (None, {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh-Hans"),
        (None, {"LANG": "fr_FR.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_the_language_is_resolved_in_order(
    option: str | None, environ: dict[str, str], expected: str
) -> None:
    assert i18n.resolve_language(option, environ) == expected


def test_the_settings_file_sets_the_language(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "settings.toml").write_text('lang = "zh-Hant"\n', encoding="utf-8")
    assert i18n.resolve_language(None, {"LANG": "en_US.UTF-8"}) == "zh-Hant"
    assert i18n.resolve_language(None, {"LEDGER_LANG": "en"}) == "en"


def test_an_unknown_language_option_is_refused() -> None:
    with pytest.raises(i18n.CatalogError, match="unknown language 'fr'"):
        i18n.resolve_language("fr", {})


def test_cjk_takes_two_columns() -> None:
    assert i18n.cell_width("陈静 li") == 7
    assert i18n.pad("陈静", 6) == "陈静  "
