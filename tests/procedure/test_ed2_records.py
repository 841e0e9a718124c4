"""Edition 2 and the record: the calendar that counts working days (holidays and the weekend days
worked instead, 调休), and corrections that come from the signer of what they correct or are
confirmed by the person it concerns."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ledger.app import Ledger, accountability
from ledger.app.demo import DISTRICT_RULES
from ledger.entry import Statement, format_utc
from ledger.errors import RefusedError
from ledger.procedure.calendars import CHINA_2020
from ledger.procedure.profile import RuleProfile
from ledger.store import open_store, reads
from ledger.verification import verify_ledger
from tests import tamper
from tests.procedure.bureau import Bureau

PROFILE_PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "rule-profile.md"

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


def test_the_docs_give_the_2020_calendar_as_the_code_has_it() -> None:
    text = PROFILE_PAGE.read_text(encoding="utf-8")
    start = text.index("[rules.calendar.2020]")
    block = text[start : text.index("```", start)]
    rules = tomllib.loads(block)["rules"]
    assert rules["calendar"]["2020"] == CHINA_2020
    assert RuleProfile.model_validate(rules).working_days("2020-05-08", "2020-05-09") == 1


# -- corrections ---------------------------------------------------------------------------------


def refused(bureau: Bureau, match: str, *args: Any, **kwargs: Any) -> RefusedError:
    """`bureau.rec(*args)` is refused with `match` in its message, and nothing is written."""
    before = bureau.count()
    with pytest.raises(RefusedError, match=match) as caught:
        bureau.rec(*args, **kwargs)
    assert bureau.count() == before
    return caught.value


@pytest.fixture
def office(bureau: Bureau) -> Bureau:
    """The bureau, its decisions held to edition 2 from now on."""
    body = {
        "version": 3,
        "effective_from": "2021-01-01",
        "rules": {**DISTRICT_RULES, "edition": 2},
        "reason": "本地规定",
    }
    bureau.rec("li.na", "rule_profile.versioned", "edition-2", body)
    return bureau


def dissent(bureau: Bureau) -> int:
    """d1 before meeting m1, where chen.jing states her dissent, signed with her own key; the
    dissent's seq."""
    draft = bureau.ready()
    bureau.meeting("m1")
    bureau.item("d1", "m1", draft)
    bureau.position("d1", "m1", "liu.yang", 1, "agree")
    return bureau.position("d1", "m1", "chen.jing", 2, "disagree", "配送标准偏低").seq


def fix(seq: int, **over: Any) -> dict[str, Any]:
    return {"corrects": seq, "reason": "笔误", "correction": "意见应为“同意”", **over}


def corrections_of(bureau: Bureau) -> list[dict[str, Any]]:
    (report,) = accountability.check(Ledger(bureau.store), "d1")
    return list(report["corrections"])


def awaiting(bureau: Bureau) -> list[str]:
    (report,) = accountability.check(Ledger(bureau.store), "d1")
    return [
        f["message"] for f in report["findings"] if f["check"] == "correction_awaits_confirmation"
    ]


def test_a_recorders_correction_of_a_members_dissent_awaits_her_confirmation(
    office: Bureau,
) -> None:
    seq = dissent(office)
    error = refused(
        office, f"Art. 30, 33: seq {seq} was signed by chen.jing; a correction of it comes from "
        "chen.jing, or from the registrar or the meeting's recorder and is then confirmed by "
        "chen.jing, not from zhao.lei",
        "zhao.lei", "entry.corrected", "d1", fix(seq),
    )  # fmt: skip
    assert error.field == "corrects"
    refused(
        office, f"seq {seq} is chen.jing's position, not zhou.min's",
        "huang.li", "entry.corrected", "d1", fix(seq, concerns="zhou.min"),
    )  # fmt: skip
    correction = office.rec("huang.li", "entry.corrected", "d1", fix(seq)).seq
    assert awaiting(office) == [f"correction at seq {correction} awaits confirmation by chen.jing"]
    (shown,) = corrections_of(office)
    assert (shown["corrects"], shown["by"], shown["signer"], shown["status"]) == (
        seq, "huang.li", "chen.jing", "awaits_confirmation",
    )  # fmt: skip
    confirm = {"correction": correction}
    refused(
        office, "only chen.jing confirms it, not zhou.min",
        "zhou.min", "entry.correction_confirmed", "d1", confirm,
    )  # fmt: skip
    refused(
        office, f"seq {seq} is not a correction of d1",
        "chen.jing", "entry.correction_confirmed", "d1", {"correction": seq},
    )  # fmt: skip
    confirmed = office.rec("chen.jing", "entry.correction_confirmed", "d1", confirm).seq
    assert awaiting(office) == []
    (shown,) = corrections_of(office)
    assert (shown["status"], shown["confirmed_seq"]) == ("confirmed", confirmed)
    refused(
        office, f"was confirmed at seq {confirmed}",
        "chen.jing", "entry.correction_confirmed", "d1", confirm,
    )  # fmt: skip
    assert verify_ledger(store=office.store).ok


def test_the_signer_corrects_her_own_statement_at_once(office: Bureau) -> None:
    seq = dissent(office)
    correction = office.rec("chen.jing", "entry.corrected", "d1", fix(seq)).seq
    (shown,) = corrections_of(office)
    assert (shown["status"], shown["awaits"]) == ("in_effect", None)
    assert awaiting(office) == []
    refused(
        office, f"the correction at seq {correction} needs no confirmation",
        "chen.jing", "entry.correction_confirmed", "d1", {"correction": correction},
    )  # fmt: skip


def test_a_correction_of_an_attendance_names_the_person_it_concerns(office: Bureau) -> None:
    office.propose()
    office.meeting("m1")
    attendance = office.count() - 1  # signed by huang.li, the recorder
    refused(
        office, "wang.qiang is not due at, nor attending, meeting m1",
        "huang.li", "entry.corrected", "m1", fix(attendance, concerns="wang.qiang"),
    )  # fmt: skip
    correction = office.rec(
        "huang.li", "entry.corrected", "m1", fix(attendance, concerns="zhou.min")
    ).seq
    (listed,) = meeting_state(office)["corrections"]
    assert (listed["seq"], listed["awaits"]) == (correction, "zhou.min")
    office.rec("zhou.min", "entry.correction_confirmed", "m1", {"correction": correction})
    (listed,) = meeting_state(office)["corrections"]
    assert listed["confirmed_seq"] == correction + 1
    refused(
        office, "a correction of it comes from huang.li",
        "zhao.lei", "entry.corrected", "m1", fix(attendance),
    )  # fmt: skip


def meeting_state(bureau: Bureau) -> dict[str, Any]:
    found = reads.find(bureau.store, "meeting", "m1")
    assert found is not None
    return dict(found)


def test_naming_oneself_as_concerned_spares_no_confirmation(office: Bureau) -> None:
    """The person a correction concerns, as the body names it, can add a confirmation, never
    spare one: a legality opinion is corrected by its signer, or by the registrar and then
    confirmed by the signer."""
    office.propose()
    office.initiate()
    draft = office.draft()
    office.participate("d1", draft)
    office.submit("d1", draft)
    opinion = office.opinion("d1", draft).seq
    refused(
        office, f"seq {opinion} was signed by wu.xia",
        "zhao.lei", "entry.corrected", "d1", fix(opinion, concerns="zhao.lei"),
    )  # fmt: skip
    correction = office.rec("li.na", "entry.corrected", "d1", fix(opinion)).seq
    assert awaiting(office) == [f"correction at seq {correction} awaits confirmation by wu.xia"]


def test_a_correction_cannot_slip_past_under_another_subject(office: Bureau) -> None:
    seq = dissent(office)
    refused(
        office, f"seq {seq} was signed by chen.jing; huang.li corrects it only with the decision",
        "huang.li", "entry.corrected", "chen.jing", fix(seq),
    )  # fmt: skip
    office.rec("chen.jing", "entry.corrected", "chen.jing", fix(seq))  # her own statement


def test_edition_1_takes_a_correction_from_anyone(bureau: Bureau) -> None:
    seq = dissent(bureau)
    bureau.rec("zhao.lei", "entry.corrected", "d1", fix(seq))
    (shown,) = corrections_of(bureau)
    assert (shown["status"], shown["awaits"]) == ("edition_1", None)
    assert awaiting(bureau) == []


def test_verify_names_a_correction_forced_past_the_append(office: Bureau) -> None:
    """A correction of chen.jing's dissent by someone who may not make it, written around the
    application and validly signed: `ledger verify` names its seq."""
    seq = dissent(office)
    office.store.close()
    head = open_store(str(office.db)).head()
    assert head is not None
    at = "2021-09-01T09:00:00+08:00"
    stmt = Statement(
        seq=head.seq + 1,
        prev=head.leaf_hash,
        type="entry.corrected",
        subject="d1",
        occurred_at=at,
        recorded_at=format_utc(datetime.fromisoformat(at)),
        actor="zhao.lei",
        key=office.keys["zhao.lei"].key_id,
        body=fix(seq),
    )
    tamper.forge_append(str(office.db), stmt, office.keys["zhao.lei"])
    office.store = open_store(str(office.db))
    failure = verify_ledger(store=office.store).failures["authority"]
    assert failure.seq == head.seq + 1
    assert f"seq {seq} was signed by chen.jing" in failure.message


# -- G6 counts by the calendar -------------------------------------------------------------------

SPRING_2021 = [date(2021, 3, 1) + timedelta(days=n) for n in range(92)]  # March to May


def submitted_on_a_monday(bureau: Bureau, calendar: dict[str, Any]) -> str:
    """d1, under a profile with `calendar`, submitted for legality review on a Monday; the
    draft."""
    body = {
        "version": 3,
        "effective_from": "2021-01-01",
        "rules": {**DISTRICT_RULES, "calendar": calendar},
        "reason": "本地规定",
    }
    bureau.rec("li.na", "rule_profile.versioned", "with-calendar", body)
    bureau.propose()
    bureau.initiate()
    draft = bureau.draft()
    bureau.participate("d1", draft)
    while bureau.day.weekday() != 6:  # the submission is dated the next day, a Monday
        bureau.at(1)
    bureau.submit("d1", draft)
    assert bureau.day.weekday() == 0
    return draft


def days(weekday: int) -> list[str]:
    return [d.isoformat() for d in SPRING_2021 if d.weekday() == weekday]


@pytest.mark.parametrize(
    ("calendar", "counted"),
    [
        ({}, 6),  # Tuesday to Friday, Monday, Tuesday
        ({"2021": {"working_days": days(5)}}, 7),  # and the Saturday worked
        ({"2021": {"working_days": days(5), "holidays": days(2)}}, 6),  # less the Wednesday
    ],
)
def test_g6_counts_working_days_by_the_calendar(
    bureau: Bureau, calendar: dict[str, Any], counted: int
) -> None:
    draft = submitted_on_a_monday(bureau, calendar)
    if counted >= 7:
        bureau.opinion("d1", draft, days=8)  # the Tuesday of the week after
        return
    before = bureau.count()
    with pytest.raises(RefusedError, match=f"G6 .* {counted} working days, fewer than 7"):
        bureau.opinion("d1", draft, days=8)
    assert bureau.count() == before


def test_verify_names_a_confirmation_by_someone_else_forced_past_the_append(
    office: Bureau,
) -> None:
    seq = dissent(office)
    correction = office.rec("huang.li", "entry.corrected", "d1", fix(seq)).seq
    office.store.close()
    head = open_store(str(office.db)).head()
    assert head is not None
    at = "2021-09-01T09:00:00+08:00"
    stmt = Statement(
        seq=head.seq + 1,
        prev=head.leaf_hash,
        type="entry.correction_confirmed",
        subject="d1",
        occurred_at=at,
        recorded_at=format_utc(datetime.fromisoformat(at)),
        actor="huang.li",
        key=office.keys["huang.li"].key_id,
        body={"correction": correction},
    )
    tamper.forge_append(str(office.db), stmt, office.keys["huang.li"])
    office.store = open_store(str(office.db))
    failure = verify_ledger(store=office.store).failures["authority"]
    assert failure.seq == head.seq + 1
    assert "only chen.jing confirms it, not huang.li" in failure.message
