"""The command-line walk-through (docs/tutorials/cli.md) runs as written, in a fresh directory, with
the installed `ledger`; the README's quick start keeps its two commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
WALKTHROUGH = ROOT / "docs" / "tutorials" / "cli.md"


def walkthrough() -> str:
    text = WALKTHROUGH.read_text(encoding="utf-8")
    section = text[text.index("# Walk-through: recording one decision") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    assert shutil.which("ledger", path=str(bin_dir)), "the package is not installed in this venv"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "LEDGER_HOME": str(tmp_path / "home"),
    }
    for name in ("LEDGER_DB", "LEDGER_KEY_DIR", "LEDGER_PASSPHRASE"):
        env.pop(name, None)
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", walkthrough()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "status: awaiting_issue" in out
    assert "status awaiting_issue; compliant; record incomplete" in out
    assert "zhou.min 周敏\tmember's position" in out
    assert "disagree: 配送企业准入标准偏低，建议提高后再议。" in out
    assert re.search(r"^ok: \d+ entries, \d+ blobs, head [0-9a-f]{64}$", out, re.M)


def test_the_quick_start_has_exactly_two_commands_the_tui_on_the_demo_and_the_tests() -> None:
    """The quick start promises two commands: one installs and opens the main job (the TUI on
    the demo ledger), one installs what tests need and runs the whole suite."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## Quick start")
    section = text[start : text.index("\n## ", start + 1)]
    section = section.split("\n### ", 1)[0]  # its subsections are further reading
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    commands = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/ledger tui --demo",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
    ]
