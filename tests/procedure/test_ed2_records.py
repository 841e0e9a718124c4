"""Edition 2 and the record: the calendar that counts working days (holidays and the weekend days
worked instead, 调休), and corrections that come from the signer of what they correct or are
confirmed by the person it concerns."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ledger.procedure.calendars import CHINA_2020
from ledger.procedure.profile import RuleProfile

README = Path(__file__).resolve().parents[2] / "README.md"

# -- the calendar ------------------------------------------------------------------------------


def naive_working_days(profile: RuleProfile, start: str, end: str) -> int:
    """Day by day: a weekday not a holiday, or a weekend day the calendar makes a working day."""
    off = set(profile.holidays)
    worked: set[str] = set()
    for year in profile.calendar.values():
        off |= set(year.holidays)
        worked |= set(year.working_days)
    count, day, last = 0, date.fromisoformat(start), date.fromisoformat(end)
    while day < last:
        day += timedelta(days=1)
        text = day.isoformat()
        if text not in off and (day.weekday() < 5 or text in worked):
            count += 1
    return count


CHINA = RuleProfile.model_validate({"calendar": {"2020": CHINA_2020}})


def test_the_2020_arrangement_counts_its_working_weekends() -> None:
    # 9 May 2020 was a Saturday worked for Labour Day; 1–5 May were days off.
    assert CHINA.working_days("2020-04-30", "2020-05-10") == 4  # 6, 7, 8 and 9 May
    assert CHINA.working_days("2020-05-08", "2020-05-09") == 1  # the Saturday counts
    assert RuleProfile().working_days("2020-05-08", "2020-05-09") == 0
    # Friday 31 January was a day off of the extended Spring Festival; Sunday 19 January worked.
    assert CHINA.working_days("2020-01-30", "2020-01-31") == 0
    assert CHINA.working_days("2020-01-18", "2020-01-19") == 1
    # The year: 262 weekdays, 19 of them days off, 6 weekend days worked.
    assert CHINA.working_days("2019-12-31", "2020-12-31") == 262 - 19 + 6


def test_a_profile_with_holidays_only_keeps_counting_as_before() -> None:
    profile = RuleProfile(holidays=["2020-10-01", "2020-10-02"])
    assert profile.working_days("2020-09-30", "2020-10-05") == 1  # Monday 5 October


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        ({"2020": {"working_days": ["2020-05-06"]}}, "2020-05-06, a weekday"),
        ({"2020": {"holidays": ["2021-01-01"]}}, "a day of another year"),
        ({"20x0": {"holidays": []}}, "not a year like 2020"),
        (
            {"2020": {"holidays": ["2020-05-09"], "working_days": ["2020-05-09"]}},
            "both a holiday and a working day",
        ),
        ({"2020": {"holiday": ["2020-05-01"]}}, "holiday"),
    ],
)
def test_a_calendar_that_cannot_be_right_is_refused(calendar: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RuleProfile.model_validate({"calendar": calendar})


DAYS = st.dates(min_value=date(2019, 11, 1), max_value=date(2021, 3, 1))


@settings(max_examples=300, deadline=None)
@given(
    start=DAYS,
    length=st.integers(min_value=-3, max_value=400),
    extra=st.lists(DAYS, max_size=6),
)
def test_working_days_is_the_day_by_day_count(start: date, length: int, extra: list[date]) -> None:
    profile = RuleProfile.model_validate(
        {"holidays": sorted({d.isoformat() for d in extra}), "calendar": {"2020": CHINA_2020}}
    )
    end = (start + timedelta(days=length)).isoformat()
    assert profile.working_days(start.isoformat(), end) == naive_working_days(
        profile, start.isoformat(), end
    )


def test_the_readme_gives_the_2020_calendar_as_the_code_has_it() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("[rules.calendar.2020]")
    block = text[start : text.index("```", start)]
    rules = tomllib.loads(block)["rules"]
    assert rules["calendar"]["2020"] == CHINA_2020
    assert RuleProfile.model_validate(rules).working_days("2020-05-08", "2020-05-09") == 1
