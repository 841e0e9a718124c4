"""Import hygiene: the core never loads a UI library; only `keys` touches cryptography; no import
cycle inside `ledger/`; the top-level packages `keys` and `tui` are this project's, not some
installed namesake."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import deque
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
    assert {"ledger.app.ledger", "ledger.verify", "ledger.store.repository"} <= set(CORE)


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


LEDGER = {
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
    for path in sorted((ROOT / "ledger").rglob("*.py"))
}


def ledger_imports(module: str) -> tuple[set[str], set[str]]:
    """The `ledger` modules `module` imports: (when it is loaded, in a function's body).

    `from a import b` names the module `a.b` when there is one, else `a`. An import under `if
    TYPE_CHECKING:` counts as loaded: two modules whose annotations need each other are tied
    together as much as two whose code does.
    """
    path = LEDGER[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    loaded: set[str] = set()
    deferred: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = ".".join(
                    [*package[: len(package) - child.level + 1], child.module or ""]
                    if child.level
                    else [child.module or ""]
                ).strip(".")
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in LEDGER else base
                    for alias in child.names
                ]
            else:
                function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                visit(child, in_function or function)
                continue
            (deferred if in_function else loaded).update(n for n in names if n in LEDGER)

    visit(ast.parse(path.read_text(encoding="utf-8")), in_function=False)
    return loaded, deferred


IMPORTS = {module: ledger_imports(module) for module in LEDGER}


def cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A shortest chain of imports from `start` back to itself, or None."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for imported in sorted(graph[module]):
            if imported in came_from:
                continue
            came_from[imported] = module
            if imported == start:
                chain = [start, module]
                while chain[-1] != start:
                    chain.append(came_from[chain[-1]])
                return chain[::-1]
            queue.append(imported)
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module `start` imports, directly or through others."""
    found: set[str] = set()
    queue = deque(graph[start])
    while queue:
        module = queue.popleft()
        if module not in found:
            found.add(module)
            queue.extend(graph[module])
    return found


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """Each group of modules that import one another, as one shortest cycle (a → b → a) and
    the other modules of the group."""
    reach = {module: reachable(graph, module) for module in graph}
    found: list[str] = []
    seen: set[str] = set()
    for module in sorted(graph):
        if module in seen or module not in reach[module]:
            continue
        group = {other for other in reach[module] if module in reach[other]}
        seen |= group
        chain = cycle_through(graph, module) or []
        rest = sorted(group - set(chain))
        found.append(" → ".join(chain) + (f" (with {', '.join(rest)})" if rest else ""))
    return found


def test_import_graph_is_read() -> None:
    """The graph holds what the sources say: a `from ledger import x` of a module, an import
    under `if TYPE_CHECKING:`, one in a function (a reader that saw none would pass anything)."""
    verify, _ = IMPORTS["ledger.verify"]
    assert {"ledger.entry", "ledger.errors", "ledger.registry"} <= verify
    assert "ledger.app.entries" in IMPORTS["ledger.cli.entries"][0]  # TYPE_CHECKING
    assert "ledger.app.appending" in IMPORTS["ledger.cli.entries"][1]  # in a command's body
    assert cycles({"a": {"b"}, "b": {"c", "e"}, "c": {"a", "d"}, "d": {"d"}, "e": {"a"}}) == [
        "a → b → c → a (with e)",
        "d → d",
    ]


def test_no_import_cycle_in_ledger() -> None:
    """No module of `ledger/` reaches itself through the imports made when it is loaded: the
    layers point one way (`ledger.types` importing the procedure, which imports it, left
    whichever was imported second half-built while the first ran)."""
    assert cycles({module: loaded for module, (loaded, _) in IMPORTS.items()}) == []


def test_no_import_in_a_function_closes_a_cycle() -> None:
    """An import deferred into a function is no way round a cycle: it ties the two modules
    together just the same, and only moves the half-built module to the first call."""
    graph = {module: loaded | deferred for module, (loaded, deferred) in IMPORTS.items()}
    assert cycles(graph) == []


def registry_after(first: str) -> tuple[bool, list[str]]:
    """In a fresh interpreter that imports `first`, then the registry: whether `first` had loaded
    the registry, and the registry's type names in order."""
    code = (
        f"import sys, {first}\n"
        "loaded = 'ledger.registry' in sys.modules\n"
        "from ledger.registry import REGISTRY, lookup\n"
        "assert lookup('decision.initiated').name == 'decision.initiated'\n"
        "print(loaded, *REGISTRY)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded, *names = result.stdout.split()
    return loaded == "True", names


REGISTRY_READERS = sorted(
    module for module, (loaded, _) in IMPORTS.items() if "ledger.registry" in loaded
)
DECLARING = [
    "ledger.types",
    "ledger.procedure.bodies",
    "ledger.procedure",
    "ledger.export.produced",
]


def declared_types() -> list[str]:
    from ledger.export import produced
    from ledger.procedure import bodies
    from ledger.types import ENTRY_TYPES

    return [t.name for t in (*ENTRY_TYPES, *produced.ENTRY_TYPES, *bodies.ENTRY_TYPES)]


def test_registry_readers_found() -> None:
    assert {"ledger.verify", "ledger.authority", "ledger.export.bundle"} <= set(REGISTRY_READERS)


@pytest.mark.parametrize("first", REGISTRY_READERS + DECLARING)
def test_registry_holds_every_type_whatever_is_imported_first(first: str) -> None:
    """A process that imports only one reader of the registry (`ledger.verify`, say), or first a
    module that declares types, finds every type: the identity types, `export.produced` and the
    procedure's, in that order, each once (the procedure's types once registered themselves at
    the foot of `ledger.types`, so what a reader saw hung on what was imported first)."""
    loaded, names = registry_after(first)
    assert loaded or first in DECLARING
    assert names == declared_types()
    assert len(names) == len(set(names)) == 8 + 1 + 55  # identity, export, procedure
    assert {"ledger.genesis", "note", "export.produced", "decision.initiated"} <= set(names)
