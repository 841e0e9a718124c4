"""MkDocs hooks: what the site writes from the program itself rather than from a hand-kept copy.

- `<!-- ledger:cli-reference -->` in a page becomes every command's `--help`
  (`ledger.cli.reference`).
- The TUI's snapshot SVGs (`tests/tui/__snapshots__/`, the screens the tests check, in English and
  in Chinese) are published under `assets/screens/`, so the tutorials show the screens as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "tui" / "__snapshots__"
MARKER = "<!-- ledger:cli-reference -->"


def on_files(files: Files, config: Any) -> Files:
    for svg in sorted(SNAPSHOTS.glob("*/*.svg")):
        name = svg.stem.replace("[", "-").replace("]", "").replace(".", "-")
        files.append(File.generated(config, f"assets/screens/{name}.svg", abs_src_path=str(svg)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if MARKER in markdown:
        from ledger.cli import reference

        markdown = markdown.replace(MARKER, reference.markdown(level=2))
    return markdown
