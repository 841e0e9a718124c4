"""The documentation: the site builds with `mkdocs build --strict`, every page is in its
navigation (a Chinese page beside its English one), and every `ledger …` command line in a code
block of the docs or the README names a real command with real options."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ledger.cli import reference

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
WRITTEN = [*PAGES, ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "bench" / "README.md"]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
ENDS = {"&&", "||", "|", ";", ")"}


def nav_pages(entries: list[object]) -> Iterator[str]:
    for entry in entries:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            for value in entry.values():
                yield from nav_pages(value if isinstance(value, list) else [value])


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    reference_page = (tmp_path / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "ledger person add" in reference_page and "Example:" in reference_page
    assert (tmp_path / "zh" / "tutorials" / "tui" / "index.html").exists()
    assert (tmp_path / "assets" / "screens").is_dir()


def test_every_page_is_in_the_navigation() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    listed = set(nav_pages(config["nav"]))
    english = {str(page.relative_to(DOCS)) for page in PAGES if not page.name.endswith(".zh.md")}
    assert english == listed
    for page in PAGES:
        if page.name.endswith(".zh.md"):
            assert page.with_name(page.name.replace(".zh.md", ".md")).exists(), page


def command_lines() -> Iterator[tuple[str, str]]:
    """(where, line) for each shell line of a code block that runs `ledger`."""
    for path in WRITTEN:
        text = path.read_text(encoding="utf-8")
        for block in FENCE.findall(text):
            joined = block.replace("\\\n", " ")
            for line in joined.splitlines():
                if re.search(r"(^|[\s(/;&|])ledger\s", line):
                    yield f"{path.relative_to(ROOT)}: {line.strip()[:60]}", line


def invocations(line: str) -> Iterator[list[str]]:
    """The argument lists given to `ledger` on a shell line (also inside `$( … )`)."""
    try:
        tokens = shlex.split(line.replace("$(", " $( ").replace(")", " ) "), comments=True)
    except ValueError:
        return
    start = True
    for index, token in enumerate(tokens):
        if start and (token == "ledger" or token.endswith("/bin/ledger")):
            args: list[str] = []
            for arg in tokens[index + 1 :]:
                if arg in ENDS or arg.startswith((">", "<", "2>")):
                    break
                args.append(arg)
            yield args
        start = token in ENDS or token in {"$(", "time"} or bool(re.fullmatch(r"\w+=\S*", token))
        start = start or index == 0 and token == "$"


def options_of(command: object) -> dict[str, bool]:
    """Each option name of `command`, and whether it takes a value."""
    names = {"--help": False}
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") != "option":
            continue
        takes = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        for name in [*param.opts, *param.secondary_opts]:
            names[name] = takes
    return names


def check(args: list[str]) -> str | None:
    """Why `ledger ARGS` is not a real command line, or None."""
    command = reference.root_command()
    known = options_of(command)
    path: list[str] = []
    value_next = False
    for word in args:
        if value_next:
            value_next = False
            continue
        if word.startswith("-") and word != "-":
            name, has_value = word.split("=", 1)[0], "=" in word
            if name not in known:
                return f"`ledger {' '.join(path)}` has no option {name}"
            value_next = known[name] and not has_value
            continue
        children = getattr(command, "commands", None)
        if children is None:
            continue  # an argument of a command
        if word not in children:
            return f"`ledger {' '.join(path)}` has no command {word!r}"
        command = children[word]
        path.append(word)
        known = options_of(command)
    if not path and not any(arg.startswith("--") for arg in args):
        return f"no command in `ledger {' '.join(args)}`"
    return None


def test_the_check_finds_what_is_wrong() -> None:
    assert check(["person", "add", "--id", "x", "--name", "y"]) is None
    assert check(["--db", "x.db", "checkpoint", "--verifier-key"]) is None
    assert check(["person", "ad"]) == "`ledger person` has no command 'ad'"
    assert check(["verify", "--jsn"]) == "`ledger verify` has no option --jsn"
    assert check(["--db", "x.db"]) is None


CASES = [(where, args) for where, line in command_lines() for args in invocations(line)]


def test_the_docs_show_commands() -> None:
    assert len(CASES) > 60


@pytest.mark.parametrize(("where", "args"), CASES, ids=[where for where, _ in CASES])
def test_each_command_line_names_a_real_command(where: str, args: list[str]) -> None:
    assert check(args) is None, f"{where}: {check(args)}"


def keys(page: Path) -> list[str]:
    """The keys of a TUI tutorial's walk-through, without the comments."""
    text = page.read_text(encoding="utf-8")
    block = text.split("```keys\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines()]


def test_the_chinese_tui_tutorial_presses_the_keys_the_test_replays() -> None:
    """tests/tui/test_recording.py replays the English page's keys; the Chinese page must ask
    for exactly the same ones."""
    english = DOCS / "tutorials" / "tui.md"
    assert keys(DOCS / "tutorials" / "tui.zh.md") == keys(english)
    assert len(keys(english)) > 20


def test_the_rule_profile_page_names_every_rule() -> None:
    from ledger.procedure.profile import RuleProfile

    page = (DOCS / "reference" / "rule-profile.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(\w+)` \|", page, re.M))
    assert rows == set(RuleProfile.model_fields)
