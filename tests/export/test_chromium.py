"""The HTML exports render in headless Chromium: a screenshot that is not blank, an A4 PDF, and
no missing glyph — the font Chromium picks for the page's font stack covers every character of
the text. Skipped without Chromium, unless LEDGER_REQUIRE_CHROMIUM is set (CI sets it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ledger.export import render
from ledger.export.annual import annual_report, render_html
from tests.export.conftest import Demo
from tests.export.test_dossier import _export

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("LEDGER_REQUIRE_CHROMIUM"):
    raise RuntimeError("LEDGER_REQUIRE_CHROMIUM is set but chromium is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

A4 = (595.28, 841.89)  # points


def chromium(tmp: Path, page: Path, *args: str) -> None:
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp / 'profile'}", *args, page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip += tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def page_font() -> tuple[str, Path]:
    """The first family of the page's font stack that fontconfig has, as Chromium picks it."""
    stack = re.search(r"html \{ font-family: ([^;]+);", render.css(), re.S)
    assert stack is not None
    for family in (f.strip().strip('"') for f in stack.group(1).split(",")):
        found = subprocess.run(
            ["fc-match", "-f", "%{family}|%{file}", family], capture_output=True, text=True,
            check=True,
        ).stdout  # fmt: skip
        names, file = found.rsplit("|", 1)
        if family in names.split(","):
            return family, Path(file)
    raise AssertionError("no family of the font stack is installed")


def missing_glyphs(html: bytes) -> set[str]:
    from fontTools.ttLib import TTCollection, TTFont

    parser = _Text()
    parser.feed(html.decode("utf-8"))
    chars = {c for c in "".join(parser.parts) if not c.isspace()}
    _family, file = page_font()
    font = TTCollection(str(file)).fonts[0] if file.suffix == ".ttc" else TTFont(str(file))
    cmap = font.getBestCmap()
    return {c for c in chars if ord(c) not in cmap}


def check_renders(html: bytes, tmp: Path, name: str) -> Path:
    """Render, screenshot and print the page; return the screenshot."""
    from PIL import Image

    page = tmp / f"{name}.html"
    page.write_bytes(html)
    shot, pdf = tmp / f"{name}.png", tmp / f"{name}.pdf"
    chromium(tmp, page, f"--screenshot={shot}", "--window-size=1000,1400")
    image = Image.open(shot).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height, "the screenshot is (nearly) blank"
    chromium(tmp, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes()))
    assert boxes, "no page in the PDF"
    for width, height in boxes:
        assert abs(float(width) - A4[0]) < 2 and abs(float(height) - A4[1]) < 2, boxes
    assert missing_glyphs(html) == set()
    return shot


def test_the_dossier_renders_and_prints_on_a4_with_every_glyph(
    demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards build point 6 for the 决策档案: Chinese text has real glyphs, the page prints A4."""
    _export(demo_ledger, tmp_path / "d")
    shot = check_renders((tmp_path / "d/data/dossier.html").read_bytes(), tmp_path, "dossier")
    assert shot.stat().st_size > 20_000


def test_the_annual_report_and_the_bundles_decisions_render(
    demo_ledger: Demo, tmp_path: Path
) -> None:
    """Guards build point 6 for the annual report and the bundle's readable decisions."""
    store = demo_ledger.store()
    try:
        html = render_html(annual_report(store=store, year=2020))
    finally:
        store.close()
    check_renders(html, tmp_path, "annual")
    demo_ledger.export(tmp_path / "b")
    check_renders((tmp_path / "b/data/decisions.html").read_bytes(), tmp_path, "decisions")


def test_the_glyph_check_can_fail() -> None:
    """Guards the check itself: a character no CJK font has (a private-use code point) is
    reported missing, so an empty result means something."""
    assert missing_glyphs("<p>决策\ue000</p>".encode()) == {"\ue000"}
