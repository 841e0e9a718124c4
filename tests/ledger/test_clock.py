"""The clock rule: recorded_at never goes backwards, and one machine whose clock runs ahead
cannot silently drag every later entry into the future.

- An append whose clock is behind the head by more than the profile's `clock_tolerance_seconds`
  is refused, naming the head's time (within the tolerance it gets the head's time).
- With `clock_source = "database"`, an append whose clock differs from the database server's by
  more than the tolerance is refused.
- `ledger verify` reports an entry recorded later than its own clock (plus the tolerance) as a
  failure of kind `future`, at that entry's seq.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.append import Draft, append_entry
from ledger.cli import app
from ledger.errors import RefusedError
from ledger.store import open_store
from ledger.verification import verify_ledger
from tests.backends import Backend
from tests.builders import LedgerFixture, new_ledger
from tests.tamper import sql


def profile(ledger: LedgerFixture, **rules: Any) -> None:
    ledger.append(
        "rule_profile.versioned",
        "local-2020",
        {"version": 2, "effective_from": "2020-01-01", "rules": rules, "reason": "本地规则"},
    )


def test_a_clock_behind_the_head_within_the_tolerance_gets_the_heads_time(
    tmp_path: Path,
) -> None:
    """A few seconds of skew between recorders are absorbed: the chain's time stands still."""
    ledger = new_ledger(tmp_path)
    head = ledger.note("li.na", "第一条")
    ledger.clock.moment -= timedelta(seconds=299)
    second = ledger.note("li.na", "慢了几分钟的机器")
    assert second.statement.recorded_at == head.statement.recorded_at


def test_a_clock_far_behind_the_head_is_refused_naming_the_heads_time(
    tmp_path: Path, backend: Backend
) -> None:
    """Guards against silently stamping the head's time on every entry after a clock ran
    ahead: the append is refused, the message names the head's seq and time, nothing is
    written."""
    ledger = new_ledger(tmp_path, backend=backend)
    head = ledger.note("li.na", "第一条")
    ledger.clock.moment -= timedelta(seconds=302)
    with pytest.raises(RefusedError) as caught:
        ledger.note("li.na", "时钟慢了")
    message = caught.value.diagnostics()
    assert f"the ledger's head (seq {head.seq}) was recorded at {head.statement.recorded_at}" in (
        message
    )
    assert "ahead of this machine's clock" in message and "fix the clock" in message
    assert ledger.store.count() == head.seq + 1


def test_the_tolerance_is_the_profiles(tmp_path: Path) -> None:
    """`clock_tolerance_seconds` in a rule profile version widens (or narrows) the rule."""
    ledger = new_ledger(tmp_path)
    profile(ledger, clock_tolerance_seconds=3600)
    ledger.clock.moment -= timedelta(minutes=50)
    ledger.note("li.na", "慢了五十分钟")
    ledger.clock.moment -= timedelta(minutes=70)
    with pytest.raises(RefusedError, match="clock tolerance of 3600 s"):
        ledger.note("li.na", "慢了两个小时")


def test_a_clock_outside_the_accepted_years_is_refused(tmp_path: Path) -> None:
    """A clock reset to 2300 (or to a date before 1900) is refused with what it said."""
    ledger = new_ledger(tmp_path)
    ledger.clock.moment = datetime(2300, 1, 1, tzinfo=UTC)
    with pytest.raises(RefusedError, match="this machine's clock says 2300-01-01T00:00:01"):
        ledger.note("li.na", "来自未来")


def test_the_database_as_a_second_time_source(tmp_path: Path, backend: Backend) -> None:
    """With `clock_source = "database"`, a machine whose clock is years ahead of the database
    server's is refused before it stamps anything; one that agrees records."""
    ledger = new_ledger(tmp_path, backend=backend)
    profile(ledger, clock_source="database")
    before = ledger.store.count()
    ledger.clock.moment = datetime.now(UTC) + timedelta(days=3 * 365)
    with pytest.raises(RefusedError, match="days ahead of the database server's"):
        ledger.note("li.na", "时钟快了三年")
    assert ledger.store.count() == before
    ledger.clock.moment = datetime.now(UTC)
    ledger.note("li.na", "时钟正确")


def test_an_entry_from_the_future_fails_verify_and_blocks_appends(
    tmp_path: Path, backend: Backend
) -> None:
    """One append from a machine whose clock is three years ahead: verify names that entry
    (kind `future`, exit 3), and a machine with a correct clock is refused rather than
    stamping that future time on its own entries."""
    ledger = new_ledger(tmp_path, backend=backend)
    ledger.note("li.na", "正常")
    ledger.clock.moment = datetime.now(UTC) + timedelta(days=3 * 365)
    future = ledger.note("li.na", "来自三年后的机器")
    now = datetime.now(UTC)
    assert verify_ledger(store=ledger.store).ok  # without a clock, nothing to compare
    report = verify_ledger(store=ledger.store, now=now)
    assert list(report.failures) == ["future"], report.to_json()
    assert report.failures["future"].seq == future.seq
    assert future.statement.recorded_at in report.failures["future"].message
    result = CliRunner().invoke(app, ["--db", ledger.db, "verify"])
    assert result.exit_code == 3, result.stdout
    assert f"FAIL [future] seq {future.seq}: recorded_at" in result.stderr
    ledger.clock.moment = now
    with pytest.raises(RefusedError, match="ahead of this machine's clock"):
        ledger.note("li.na", "时钟正确的机器")


def test_the_first_entry_from_the_future_is_named(tmp_path: Path) -> None:
    """Every entry after a future one carries a time at least as late; verify names the first
    (found by bisection from the head, not the head itself)."""
    ledger = new_ledger(tmp_path)
    for number in range(5):
        ledger.note("li.na", f"第{number}条")
    ledger.clock.moment = datetime.now(UTC) + timedelta(days=400)
    first = ledger.note("li.na", "来自未来")
    for number in range(6):
        ledger.note("li.na", f"之后第{number}条")
    report = verify_ledger(store=ledger.store, now=datetime.now(UTC))
    assert report.failures["future"].seq == first.seq


def test_a_head_time_changed_by_hand_is_a_refusal_not_a_crash(tmp_path: Path) -> None:
    """The head's recorded_at column rewritten in the sqlite3 shell: the next append is refused
    and points at `ledger verify`."""
    ledger = new_ledger(tmp_path)
    head = ledger.note("li.na", "第一条")
    result = sql(ledger.db, f"UPDATE entries SET recorded_at = 'x' WHERE seq = {head.seq};")
    assert result.returncode == 0, result.stderr
    ledger.store.close()
    store = open_store(ledger.db)  # reads the head afresh
    draft = Draft("note", "m1", {"text": "x"}, "li.na", ledger.keys["li.na"])
    try:
        with pytest.raises(RefusedError, match="run `ledger verify`"):
            append_entry(store=store, draft=draft, now=ledger.clock())
    finally:
        store.close()
