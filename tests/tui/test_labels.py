"""The browsing screens name the core's codes in the reader's language: entry types, roles
(`step:…` too), articles, findings and posts held at the time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from textual.widgets import DataTable

from tests.tui.conftest import SIZE
from tui import i18n
from tui.app import LedgerApp
from tui.screens.decision import DecisionScreen
from tui.screens.labels import basis_text, entry_type_name, finding_name, post_at, role_name

MakeApp = Callable[..., LedgerApp]


@pytest.fixture
def zh_hans() -> Iterator[None]:
    i18n.use("zh-Hans")
    yield
    i18n.use("en")


@pytest.mark.usefixtures("zh_hans")
def test_codes_are_named_in_simplified_chinese() -> None:
    """Guards the raw codes the zh-Hans screens used to show."""
    assert entry_type_name("position.stated") == i18n.t("record.type.position.stated.name")
    assert entry_type_name("no.such_type") == "no.such_type"
    assert role_name("step:public_comment") == "公开征求意见环节"
    assert role_name("proposer") == "提出人"
    assert basis_text("Art. 30, 38 ¶3") == "第30条、第38条第3款"
    assert basis_text("Art. 38–41") == "第38–41条"
    assert basis_text("soft gate") == "可说明理由的关口"
    assert basis_text("三重一大") == "三重一大"
    assert finding_name("legal_basis") == "法律依据清单"
    assert post_at("bureau-meeting:head") == "bureau-meeting:主要负责人"


def test_english_keeps_the_articles_as_the_core_writes_them() -> None:
    """Guards the English round trip of the article formatter."""
    for basis in ("Art. 10", "Art. 30, 38 ¶3", "Art. 14–24, 29", "Art. 3 ¶3", "local rules"):
        assert basis_text(basis) == basis
    assert role_name("step:hearing") == "hearing step"


async def test_a_decisions_page_speaks_zh_hans(make_app: MakeApp) -> None:
    """Guards the timeline and trace of d2020-01 in zh-Hans: no entry type, role or article
    left as a code."""
    app = make_app(language="zh-Hans", start="decisions")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await asyncio.sleep(0.02)
        app.screen.query_one("#decision-table", DataTable).move_cursor(row=5)
        await pilot.press("enter")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await asyncio.sleep(0.02)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DecisionScreen)
        timeline = screen.query_one("#timeline-table", DataTable)
        types = {str(timeline.get_row_at(i)[2]) for i in range(timeline.row_count)}
        trace = screen.query_one("#trace-table", DataTable)
        cells = [[str(c) for c in trace.get_row_at(i)] for i in range(trace.row_count)]
    assert "提出决策" in types and not any("." in name for name in types)
    assert cells[0][3:5] == ["提出人", "第10条"]
    assert not any(c[3].startswith("step:") or "Art." in c[4] for c in cells)
    assert any(c[3].endswith("环节") for c in cells)
