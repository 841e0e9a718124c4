"""The recording screens, driven by keys: the TUI tutorial's walk-through (docs/tutorials/tui.md)
replayed key for key (a decision recorded end to end through the meeting), a refused gate and its
message, a member signing their own position. Each test checks the ledger's real state
afterwards."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Select, Static
from textual.worker import WorkerCancelled

from ledger.app import Ledger, decisions, entries, meeting
from ledger.store.tables import DERIVED
from tests.tui.conftest import SIZE, DemoCopy, tables_laid_out
from tests.tui.recording_setup import PASSPHRASE, at_the_floor
from tui.app import LedgerApp
from tui.messages import EntriesAppended
from tui.screens.meeting import MeetingScreen
from tui.screens.record import ReasonScreen, RecordScreen

STATE = DERIVED["procedure_state"]
TUTORIAL = Path(__file__).parents[2] / "docs" / "tutorials" / "tui.md"
TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def walkthrough() -> list[tuple[list[str], str]]:
    """The TUI tutorial's walk-through: each line's keys; typed text is one item, in quotes."""
    text = TUTORIAL.read_text(encoding="utf-8")
    block = text.split("```keys\n", 1)[1].split("```", 1)[0]
    steps = []
    for line in block.splitlines():
        keys_part, _, comment = line.partition("#")
        keys = [f'"{typed}"' if typed else key for typed, key in TOKEN.findall(keys_part)]
        steps.append((keys, comment.strip()))
    return steps


async def type_text(app: LedgerApp, pilot: Pilot[None], text: str) -> None:
    """Type `text` into the focused input (as a terminal delivers it; the test driver has no
    key for some CJK punctuation, so the characters are inserted as typed)."""
    focused = app.focused
    assert isinstance(focused, Input), f"typing {text!r} with {focused} focused"
    focused.insert_text_at_cursor(text)
    await pilot.pause()


async def replay(app: LedgerApp, pilot: Pilot[None]) -> None:
    """Press the tutorial's keys, waiting for the screen after each (as a person does)."""
    await settle(app, pilot)
    for keys, comment in walkthrough():
        for key in keys:
            if key.startswith('"'):
                await type_text(app, pilot, key[1:-1])
                continue
            await pilot.press(key)
            if key in ("enter", "ctrl+s", "r", "m", "u", "escape"):
                await settle(app, pilot)
        await settle(app, pilot)
        if isinstance(app.screen, ReasonScreen):
            assert "G6" in comment


async def settle(app: LedgerApp, pilot: Pilot[None]) -> None:
    """Let workers finish and the screen catch up (a person waits for the screen too). A
    worker replaced by a newer one of its group ends cancelled: that is expected."""
    for _ in range(4):
        await pilot.pause()
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
    await pilot.pause()
    await tables_laid_out(pilot)


async def test_the_readme_walkthrough_records_a_decision_end_to_end(
    make_app: Callable[..., LedgerApp],
    ledger: Ledger,
    demo: DemoCopy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("draft.txt").write_text("课后服务实施方案（征求意见稿）\n", encoding="utf-8")
    before = ledger.store.count()
    messages: list[object] = []
    app = make_app(language="zh-Hans", ask_unlock=True)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await replay(app, pilot)
    (ident,) = [d.id for d in decisions.list_decisions(ledger, year=2021)]
    state = decisions.get_decision(ledger, ident)
    assert state["title"] == "课后服务实施方案"
    assert state["status"] == "awaiting_issue"
    assert [e["gate"] for e in state["exceptions"]] == ["G6"]
    assert state["exceptions"][0]["reason"] == "会期临近，经集体研究从速审查"
    (deliberation,) = state["deliberations"]
    positions = deliberation["positions"]
    assert {p: v["by"] for p, v in positions.items()} == {
        "gao.fei": "gao.fei",
        "liu.yang": "liu.yang",
        "zhou.min": "huang.li",
    }
    assert positions["zhou.min"]["confirmed_seq"] is not None
    assert deliberation["outcome"]["outcome"] == "approve"
    assert deliberation["outcome"]["head"] == "zhang.wei"
    assert ledger.store.count() == before + 17
    appended = [m for m in messages if isinstance(m, EntriesAppended)]
    assert len(appended) == 16  # the meeting's two opening entries come in one
    timeline = decisions.checked_timeline(ledger, ident)
    assert all(item.verified for item in timeline)


async def test_a_refused_gate_shows_its_rule_article_and_remedy(
    make_app: Callable[..., LedgerApp], ledger: Ledger
) -> None:
    """d2020-07 is drafting and flagged technical: submitting it for legality review before the
    expert argumentation is refused by G2; nothing is written."""
    before = ledger.store.count()
    app = make_app(language="en", start="record", unlock="zhao.lei")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RecordScreen)
        screen.query_one("#record-subject", Select).value = "d2020-07"
        await settle(app, pilot)
        screen.query_one("#record-type", Select).value = "legality_review.submitted"
        await settle(app, pilot)
        field = screen.query_one("#f-procedure_statement", Input)
        field.focus()
        await pilot.press(*"done")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        panel = str(screen.query_one("#record-refusal", Static).render())
        assert "Refused by gate G2 (Art. 27(2), 29)" in panel
        assert "every required consultation step" in panel
        assert "expert_argumentation (flag technical)" in panel
        assert "To proceed: complete each required step" in panel
        status = str(screen.query_one("#record-status", Static).render())
        assert status == "Not recorded; nothing was written."
    assert ledger.store.count() == before
    state = decisions.get_decision(ledger, "d2020-07")
    assert state["status"] == "drafting"


async def test_a_field_is_checked_as_you_type(make_app: Callable[..., LedgerApp]) -> None:
    app = make_app(language="zh-Hant", start="record", unlock="zhao.lei")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RecordScreen)
        screen.query_one("#f-amount_fen", Input).focus()
        await pilot.press(*"12.5")
        await pilot.pause()
        error = screen.query_one("#err-amount_fen", Static)
        assert str(error.render()) == "12.5 不是整數" and error.has_class("bad")
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert str(error.render()) == "" and not error.has_class("bad")
        screen.query_one("#f-proposal_doc", Input).focus()
        await pilot.press(*"nofile.pdf")
        await pilot.pause()
        assert str(screen.query_one("#err-proposal_doc", Static).render()) == (
            "沒有這個文件：nofile.pdf"
        )


async def test_a_member_signs_their_own_position_with_their_passphrase(
    make_app: Callable[..., LedgerApp], ledger: Ledger, tmp_path: Path
) -> None:
    """At the floor, the recorder (huang.li) is unlocked; 高飞 types a wrong passphrase (nothing
    is written), then his own: the position is signed by his key, not the recorder's. The head
    cannot be chosen to speak before the others."""
    ident = at_the_floor(ledger, tmp_path)
    before = ledger.store.count()
    app = make_app(language="en", start="meeting")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MeetingScreen)
        assert getattr(app.focused, "id", None) == "meeting-decision"  # not a field
        await pilot.press("tab")  # into the form, where it waits: the speaker's passphrase
        assert app.focused is screen.query_one("#meeting-passphrase", Input)
        assert screen.query_one("#meeting-speaker", Select).value == "gao.fei"
        await type_text(app, pilot, "not-his")
        await pilot.press("enter")
        await settle(app, pilot)
        panel = str(screen.query_one("#meeting-refusal", Static).render())
        assert panel == "Wrong passphrase. Try again."
        assert ledger.store.count() == before
        screen.query_one("#meeting-speaker", Select).value = "zhang.wei"
        await pilot.pause()
        hint = str(screen.query_one("#meeting-hint", Static).render())
        assert (
            hint
            == "The head speaks last (G9, Art. 30); still to speak: gao.fei, liu.yang, zhou.min"
        )
        screen.query_one("#meeting-speaker", Select).value = "gao.fei"
        field = screen.query_one("#meeting-passphrase", Input)
        field.value = ""
        field.focus()
        await type_text(app, pilot, "demo-713")
        await pilot.press("enter")
        await settle(app, pilot)
    agenda = decisions.get_decision(ledger, ident)["agenda"]
    assert agenda is not None
    position = agenda["positions"]["gao.fei"]
    assert (position["by"], position["order"], position["stance"]) == ("gao.fei", 1, "agree")
    assert position["confirmed_seq"] == position["seq"]  # signed by the member: confirmed
    entry = entries.statement_json(ledger, position["seq"])
    assert entry["actor"] == "gao.fei" and entry["type"] == "position.stated"
    assert ledger.store.count() == before + 1


def catalog_items(ledger: Ledger, ident: str) -> dict[str, dict[str, object]]:
    query = select(STATE.c.data).where(STATE.c.kind == "catalog", STATE.c.id == ident)
    with ledger.store.reading() as conn:
        items: dict[str, dict[str, object]] = json.loads(conn.execute(query).scalar_one())["items"]
    return items


async def test_any_type_is_reachable_and_a_list_takes_more_rows(
    make_app: Callable[..., LedgerApp], ledger: Ledger
) -> None:
    """A catalog adjustment (not a decision's step) is chosen from the step list; its subject
    is typed at the top; three rows are added to its list of items and the middle one removed
    with its button: the catalog gains exactly the two items kept."""
    before = ledger.store.count()
    app = make_app(language="en", start="record", unlock="li.na")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RecordScreen)
        steps = [v for _, v in screen.query_one("#record-type", Select)._options[1:]]
        assert steps[0] == "decision.proposed" and "catalog.adjusted" in steps
        assert "minutes.finalized" in steps and "normative_doc.registered" in steps
        screen.query_one("#record-type", Select).value = "catalog.adjusted"
        await settle(app, pilot)
        assert screen.query_one("#record-other").has_class("shown")
        screen.query_one("#record-other-subject", Input).value = "catalog-2020"

        def fill(row: int, ident: str, title: str) -> None:
            screen.query_one(f"#f-add--{row}--id", Input).value = ident
            screen.query_one(f"#f-add--{row}--title", Input).value = title
            screen.query_one(f"#f-add--{row}--undertaking_unit", Select).value = "basic-edu"
            screen.query_one(f"#f-add--{row}--planned_decision_by", Input).value = "2021-06-30"

        async def add_row() -> None:
            screen.query_one("#add-add", Button).focus()
            await pilot.press("enter")
            await settle(app, pilot)

        fill(0, "item-07", "课后服务收费标准")
        await add_row()
        assert app.focused is screen.query_one("#f-add--1--id", Input)
        fill(1, "item-99", "不要的事项")
        await add_row()
        fill(2, "item-08", "校车安全管理办法")
        assert screen.query_one("#f-add--0--title", Input).value == "课后服务收费标准"
        screen.query_one("#rm-add--1", Button).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert not screen.query("#f-add--2--id")
        assert screen.query_one("#f-add--1--id", Input).value == "item-08"
        screen.query_one("#f-reason", Input).value = "年中增补"
        screen.query_one("#f-party_approval--approved_at", Input).value = "2021-01-14"
        screen.query_one("#f-party_approval--ref", Input).value = "教党组〔2021〕2号"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        status = str(screen.query_one("#record-status", Static).render())
        assert status.startswith(f"Recorded as seq {before} (catalog-2020)"), status
    items = catalog_items(ledger, "catalog-2020")
    assert {"item-07", "item-08"} <= set(items) and "item-99" not in items
    assert items["item-08"]["title"] == "校车安全管理办法"
    assert ledger.store.count() == before + 1


async def test_a_vote_with_an_abstention_then_the_minutes_final_and_confirmed(
    make_app: Callable[..., LedgerApp], ledger: Ledger, tmp_path: Path
) -> None:
    """A cadre item is decided by a vote: the clerk sets each member's vote in the table with
    y / a (one abstention), the counts and the result follow; the vote is recorded with the
    abstention named. With every item decided, the recorder finalizes the minutes from a file,
    and a member who was there confirms them with their own key."""
    ident = at_the_floor(ledger, tmp_path, proposal={"item_class": "cadre"})
    item = meeting.floor(ledger, ident)
    for person in ("gao.fei", "liu.yang", "zhou.min", "zhang.wei"):
        ledger.unlock(person, PASSPHRASE)
        seq, refusal = meeting.state_position(
            ledger, meeting.floor(ledger, ident), person, "agree", ""
        )
        assert refusal is None, refusal
    ledger.unlock("huang.li", PASSPHRASE)
    assert item.by_vote
    before = ledger.store.count()
    app = make_app(language="en", start="meeting")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MeetingScreen)
        table = screen.query_one("#meeting-speakers", DataTable)
        assert app.focused is table and table.display
        await pilot.press("y", "a", "y", "y")
        count = str(screen.query_one("#meeting-vote-count", Static).render())
        assert count.endswith("Yes 3, no 0, abstain 1: passed."), count
        screen.query_one("#meeting-decide-go", Button).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        state = decisions.get_decision(ledger, ident)
        outcome = state["deliberations"][-1]["outcome"]
        assert outcome["counts"] == {"yes": 3, "no": 0, "abstain": 1}
        assert state["status"] == "awaiting_issue"
        vote = entries.statement_json(ledger, outcome["seq"])
        named = {v["person"]: v["vote"] for v in vote["body"]["named"]}
        assert sorted(named.values()) == ["abstain", "yes", "yes", "yes"]
        # the minutes: the recorder finalizes them
        assert screen.query_one("#meeting-minutes").display
        assert getattr(app.focused, "id", None) == "minutes-number"
        await type_text(app, pilot, "2021年第1期纪要")
        await pilot.press("tab")
        await type_text(app, pilot, str(tmp_path / "draft.txt"))
        await pilot.press("enter")
        await settle(app, pilot)
        held = item.meeting
        minutes = [m for m in meeting.meetings(ledger) if m["id"] == held]
        final = minutes[0]["minutes"]
        assert final is not None and final["number"] == "2021年第1期纪要"
        # a member who was there confirms them
        ledger.unlock("liu.yang", PASSPHRASE)
        screen.reload()
        await settle(app, pilot)
        assert getattr(app.focused, "id", None) == "minutes-go"
        await pilot.press("enter")
        await settle(app, pilot)
    minutes = [m for m in meeting.meetings(ledger) if m["id"] == held]
    assert [c["person"] for c in minutes[0]["confirmations"]] == ["liu.yang"]
    assert ledger.store.count() == before + 3


async def test_an_absent_members_written_opinion_and_a_recusal_declared_by_the_chair(
    make_app: Callable[..., LedgerApp], ledger: Ledger, tmp_path: Path
) -> None:
    """liu.yang is absent: the speaker list offers her written opinion, with a file; the
    position is recorded with the document and marked written. zhou.min's recusal is declared
    by the chair. The members' table stays on screen when the head's decision comes due."""
    ident = at_the_floor(ledger, tmp_path, absent=("liu.yang",))
    app = make_app(language="en", start="meeting")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MeetingScreen)
        speaker = screen.query_one("#meeting-speaker", Select)
        assert [v for _, v in speaker._options if isinstance(v, str)] == [
            "gao.fei",
            "zhou.min",
            "zhang.wei",
            "liu.yang",
        ]
        speaker.value = "liu.yang"
        await pilot.pause()
        assert screen.query_one("#meeting-written-row").display
        screen.query_one("#meeting-written", Input).value = str(tmp_path / "draft.txt")
        screen.query_one("#meeting-state-go", Button).press()
        await settle(app, pilot)
        speaker = screen.query_one("#meeting-speaker", Select)
        speaker.value = "zhou.min"
        screen.query_one("#meeting-recusal", Select).value = "relative"
        screen.query_one("#meeting-declared-by", Select).value = "chair"
        screen.query_one("#meeting-recuse-go", Button).press()
        await settle(app, pilot)
        screen.query_one("#meeting-passphrase", Input).focus()
        await type_text(app, pilot, PASSPHRASE)
        await pilot.press("enter")  # gao.fei signs; the head's decision is due next
        await settle(app, pilot)
        assert screen.query_one("#meeting-decide").display
        assert screen.query_one("#meeting-table").display
        assert screen.query_one("#meeting-speakers", DataTable).row_count == 4
    agenda = decisions.get_decision(ledger, ident)["agenda"]
    assert agenda is not None
    written = agenda["positions"]["liu.yang"]
    assert written["written"] and written["by"] == "huang.li" and written["order"] == 1
    entry = entries.statement_json(ledger, written["seq"])
    assert len(entry["body"]["written_opinion_doc"]) == 64
    assert agenda["recusals"]["zhou.min"]["reason"] == "relative"
    recusal = entries.statement_json(ledger, agenda["recusals"]["zhou.min"]["seq"])
    assert recusal["body"]["declared_by"] == "chair"
    assert agenda["positions"]["gao.fei"]["by"] == "gao.fei"
