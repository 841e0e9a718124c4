"""Snapshots of the export screen in each language, at 120×40 (fixed clock and keys; read the
HTML report before `--snapshot-update`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.tui.conftest import SIZE
from tests.tui.test_snapshots import settled
from tui.app import LedgerApp
from tui.i18n import LANGUAGES

MakeApp = Callable[..., LedgerApp]
SnapCompare = Callable[..., bool]


@pytest.mark.parametrize("language", LANGUAGES)
class TestExport:
    def test_bundle_form(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """wu.xia signing; the bundle form: save as bundle-2021-01-15.zip, the optional dates,
        the withheld documents; the button; the bar empty; the footer's b/o/a keys."""
        app = make_app(language=language, start="export", unlock="wu.xia")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled("escape"))

    def test_bundle_exported(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        language: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """After ctrl+s: the bar full, written, signed and recorded; bundle-2021-01-15.zip, its
        hash, bound to the checkpoint of 400 entries, export.produced at seq 400, 400 entries
        and 52 documents."""
        monkeypatch.chdir(tmp_path)
        app = make_app(language=language, start="export", unlock="wu.xia")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled("ctrl+s"))

    def test_annual_form(self, snap_compare: SnapCompare, make_app: MakeApp, language: str) -> None:
        """Read-only; `a`: the annual report's year 2020, Markdown, annual-2020.md."""
        app = make_app(language=language, start="export")
        assert snap_compare(app, terminal_size=SIZE, run_before=settled("escape", "a", "escape"))
