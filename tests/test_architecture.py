"""Import hygiene: the core never loads a UI library; only `keys` touches cryptography; the
top-level packages `keys` and `tui` are this project's, not some installed namesake."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
UI = ("typer", "click", "textual", "rich")
CORE = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for path in (ROOT / "ledger").rglob("*.py")
    if "cli" not in path.relative_to(ROOT).parts
)


def test_core_modules_found() -> None:
    assert {"ledger.service", "ledger.verify", "ledger.store.repository"} <= set(CORE)


@pytest.mark.parametrize("module", CORE)
def test_core_imports_no_ui(module: str) -> None:
    """Importing a core module in a fresh interpreter loads none of typer/click/textual/rich."""
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {UI!r} or m == 'ledger.cli')\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["ledger", "tui", "bench"])
def test_only_keys_imports_cryptography(package: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / package).rglob("*.py")
        if any(name.split(".")[0] == "cryptography" for name in imported_names(path))
    ]
    assert offenders == []


def test_keys_is_a_leaf() -> None:
    forbidden = {"ledger", "tui", "typer", "textual", "sqlmodel", "sqlalchemy", "rich", "click"}
    for path in (ROOT / "keys").rglob("*.py"):
        assert not {n.split(".")[0] for n in imported_names(path)} & forbidden, path


def test_packages_are_this_projects() -> None:
    import keys
    import ledger
    import tui

    for module in (keys, ledger, tui):
        assert module.__file__ is not None
        assert Path(module.__file__).resolve().is_relative_to(ROOT), module.__file__


def test_cli_help_does_not_load_the_store() -> None:
    """`ledger --help` stays quick: SQLModel and SQLAlchemy (~0.45 s) load only in commands."""
    code = (
        "import sys\nfrom ledger.cli import app\n"
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'pydantic') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
