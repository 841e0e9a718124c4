"""The browsing screens name the core's codes in the reader's language: entry types, roles
(`step:…` too), articles, findings, posts held at the time and the kinds of verify failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from textual.widgets import DataTable, Static

from ledger.app.appending import Refusal
from ledger.errors import VerificationError
from ledger.procedure.gates import GATES
from tests import tamper
from tests.tui.conftest import SIZE, DemoCopy
from tests.tui.test_flows import rows, settle, text
from tui import i18n
from tui.app import LedgerApp
from tui.screens.decision import DecisionScreen
from tui.screens.labels import (
    basis_text,
    entry_type_name,
    finding_name,
    post_at,
    refusal_text,
    role_name,
)
from tui.screens.verify import VerifyScreen

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


def verification_kinds() -> set[str]:
    """Every `kind` a verify failure can have: the core's VerificationError and its subclasses."""
    kinds, todo = set(), [VerificationError]
    while todo:
        cls = todo.pop()
        kinds.add(cls.kind)
        todo.extend(cls.__subclasses__())
    return kinds


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_failure_kind_is_named(language: str) -> None:
    """Guards the raw codes (`signature`, `chain`…) the verify screen showed in zh-Hans and
    zh-Hant: each kind the core can report has a name in each language's catalog."""
    names = i18n.catalog(language)
    kinds = verification_kinds()
    assert {"signature", "chain", "merkle_cache", "witness"} <= kinds
    assert not [k for k in kinds if f"verify.kind.{k}" not in names]


@pytest.mark.parametrize(("language", "name"), [("zh-Hans", "签名"), ("zh-Hant", "簽章")])
async def test_a_tampered_ledger_names_the_failure_kind(
    make_app: MakeApp, demo: DemoCopy, language: str, name: str
) -> None:
    """A forged signature at seq 200: the first failure and the table name the kind in the
    reader's language, not as the code `signature`."""
    db = str(demo.db)
    (signature,) = tamper.read(db, "SELECT signature FROM entries WHERE seq = 200")[0]
    assert isinstance(signature, bytes)
    forged = bytes([signature[0] ^ 0x01]) + signature[1:]
    tamper.sql(db, f"UPDATE entries SET signature = {tamper.hexlit(db, forged)} WHERE seq = 200;")
    app = make_app(language=language, start="verify")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        assert isinstance(app.screen, VerifyScreen)
        await pilot.press("s")
        await settle(app)
        await pilot.pause()
        first = text(app.screen.query_one("#verify-first", Static))
        failures = rows(app.screen.query_one("#verify-failures", DataTable))
    assert f"[{name}]" in first and "200" in first and "[signature]" not in first
    assert failures[0][:2] == [name, "200"]


# G11's basis as each language cites it: the cadre regulation's article, the instrument named.
cadre_article = {
    "en": "Art. 37, Regulations on the Selection and Appointment of Leading Cadres (2014)",
    "zh-Hans": "《党政领导干部选拔任用工作条例》（2014年）第37条",
    "zh-Hant": "《黨政領導幹部選拔任用工作條例》（2014年）第37條",
}


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_a_refusal_is_worded_from_its_fields(language: str) -> None:
    """Guards the refusal panel against words taken from anything but the refusal's fields: the
    gate and its citation, the rule and the remedy in the reader's language, the finding, and
    the earlier entry it concerns."""
    breach = GATES["G11"].breach("2 yes of 4 members due", field="result", conflicting_seq=41)
    i18n.use(language)
    try:
        shown = refusal_text(Refusal(breach.finding, field=breach.field, breach=breach))
        plain = refusal_text(Refusal("the ledger is read-only"))
    finally:
        i18n.use("en")
    words = i18n.catalog(language)
    assert shown.splitlines() == [
        words["record.gate_hard"].format(gate="G11", article=cadre_article[language]),
        words["record.gate.G11.rule"],
        words["record.ledger_says"].format(message="2 yes of 4 members due"),
        words["record.see_seq"].format(seq=41),
        words["record.remedy"].format(remedy=words["remedy.record_the_result_the_counts_give"]),
    ]
    assert plain == words["record.refused"].format(message="the ledger is read-only")
