"""The gates run once per append that was checked before signing (a preflight), and again
whenever the ledger's head moved in between: a check made against another head is never taken
for this one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.app import Ledger, appending, decisions
from ledger.append import Draft
from ledger.procedure import state
from tests.procedure.bureau import Bureau, open_copy

INITIATED = {"by": "head"}


@pytest.fixture
def office(bureau_template: Path, tmp_path: Path) -> Iterator[Bureau]:
    yield from open_copy(bureau_template, tmp_path / "ledger.db")


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The entry types the procedure's handlers ran for, in order (the real handlers run)."""
    calls: list[str] = []
    for kind, handler in list(state.HANDLERS.items()):

        def counted(
            tx: Any, body: Any, kind: str = kind, handler: Callable[..., Any] = handler
        ) -> Any:
            calls.append(kind)
            return handler(tx, body)

        monkeypatch.setitem(state.HANDLERS, kind, counted)
    return calls


def clocked(office: Bureau) -> tuple[Ledger, str]:
    at = office.at()
    moment = datetime.fromisoformat(at)
    return Ledger(office.store, clock=lambda: moment), at


def test_a_preflight_is_taken_by_the_append_while_the_head_stands(
    office: Bureau, handled: list[str]
) -> None:
    office.propose()
    handled.clear()
    ledger, _ = clocked(office)
    checked = appending.preflight(ledger, "decision.initiated", "d1", INITIATED, "zhang.wei")
    assert checked.refusal is None and checked.checked is not None
    assert handled == ["decision.initiated"]
    key = office.keys["zhang.wei"]
    draft = Draft("decision.initiated", "d1", INITIATED, "zhang.wei", key, checked=checked.checked)
    seq, refusal = appending.record_draft(ledger, draft)
    assert refusal is None and seq == office.count() - 1
    assert handled == ["decision.initiated"]  # not run again
    assert decisions.get_decision(ledger, "d1")["status"] == "initiated"


def test_a_preflight_made_before_the_head_moved_is_checked_again(
    office: Bureau, handled: list[str]
) -> None:
    """A second initiation checked while the first was not yet recorded passed then; appended
    after it, the gates run again and refuse it."""
    office.propose()
    handled.clear()
    ledger, _ = clocked(office)
    stale = appending.preflight(ledger, "decision.initiated", "d1", INITIATED, "zhang.wei")
    assert stale.refusal is None
    office.rec("zhang.wei", "decision.initiated", "d1", INITIATED)
    before = office.count()
    key = office.keys["zhang.wei"]
    draft = Draft("decision.initiated", "d1", INITIATED, "zhang.wei", key, checked=stale.checked)
    seq, refusal = appending.record_draft(ledger, draft)
    assert seq is None and refusal is not None
    assert "is initiated" in refusal.message
    assert handled.count("decision.initiated") == 3  # the preflight, the other, this append
    assert office.count() == before


def test_a_body_changed_after_its_preflight_is_checked_again(
    office: Bureau, handled: list[str]
) -> None:
    office.propose()
    ledger, _ = clocked(office)
    body = dict(INITIATED)
    checked = appending.preflight(ledger, "decision.initiated", "d1", body, "zhang.wei")
    body["by"] = "someone"  # not a value the schema takes
    key = office.keys["zhang.wei"]
    draft = Draft("decision.initiated", "d1", body, "zhang.wei", key, checked=checked.checked)
    seq, refusal = appending.record_draft(ledger, draft)
    assert seq is None and refusal is not None and refusal.field == "by"
