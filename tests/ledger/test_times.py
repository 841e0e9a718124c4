"""Times are fixed-width and compared as times; absurd dates are refused where they enter.

The ledger accepts business and system times of the years 1900 to 2200 (as written, in their
own offset). Before this rule `--effective-at 0999-06-01T00:00:00Z` was stored as `999-06-01…`,
which sorts after every real time, so the revoked key stayed valid for ever; year 1 at +08:00
crashed on its conversion to UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ledger.append import Draft, append_entry
from ledger.entry import (
    format_utc,
    is_utc_stamp,
    parse_day,
    parse_time,
)
from ledger.errors import InputError
from ledger.registry import lookup
from ledger.verification import verify_ledger
from tests.builders import new_ledger
from tests.tamper import forge_next

BAD_TIMES = [
    ("0999-06-01T00:00:00Z", "not a time of the years 1900 to 2200 (the year 999"),
    ("0001-01-01T00:00:00+08:00", "(the year 1 is out of range)"),  # underflows in UTC
    ("9999-12-31T23:00:00-08:00", "(the year 9999 is out of range)"),  # overflows in UTC
    ("1899-12-31T23:59:59+08:00", "(the year 1899 is out of range)"),
    ("2201-01-01T00:00:00Z", "(the year 2201 is out of range)"),
    ("2020-02-30T00:00:00Z", "is not a valid time"),
    ("2020-01-01T24:00:00Z", "is not a valid time"),
    ("2020-01-01T00:00:00+24:00", "is not a valid time"),
    ("2020-01-01T00:00:00Z\n", "is not an RFC 3339 time"),
    ("２０２０-01-01T00:00:00Z", "is not an RFC 3339 time"),  # full-width digits
    ("2020-01-01T00:00:00", "is not an RFC 3339 time with an offset"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD_TIMES)
def test_bad_times_are_refused_naming_the_field(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_time(text, where="--effective-at")
    assert caught.value.where == "--effective-at"
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    "text",
    ["1900-01-01T00:00:00+08:00", "2200-12-31T23:59:59-08:00", "2020-06-01T09:30:00.5+08:00"],
)
def test_the_edges_of_the_range_convert_to_fixed_width_utc(text: str) -> None:
    """The first and last accepted times convert to UTC (into 1899 and 2201) without overflow,
    four-digit years and all."""
    stamp = format_utc(parse_time(text, where="t"))
    assert len(stamp) == len("2020-01-01T00:00:00.000000Z")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0999-06-01", "not a date of the years 1900 to 2200"),
        ("2201-01-01", "not a date of the years 1900 to 2200"),
        ("2021-02-29", "is not a date YYYY-MM-DD (day is out of range"),
        ("20210101", "is not a date YYYY-MM-DD"),
        ("2021-01-01\n", "is not a date YYYY-MM-DD"),
    ],
)
def test_bad_days_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment.replace("(", r"\(")):
        parse_day(text, where="--as-of")


def test_format_utc_is_fixed_width_so_lexical_order_is_time_order() -> None:
    """`strftime("%Y")` writes year 999 as `999`, which sorts after `2020`."""
    early = datetime(999, 6, 1, tzinfo=UTC)
    late = datetime(2020, 1, 1, tzinfo=UTC)
    assert format_utc(early) == "0999-06-01T00:00:00.000000Z"
    assert format_utc(early) < format_utc(late)
    assert format_utc(datetime(2020, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))) == (
        "2020-01-01T00:00:00.000000Z"
    )


@pytest.mark.parametrize(
    ("stamp", "valid"),
    [
        ("2020-01-06T01:00:01.000000Z", True),
        ("2020-02-29T00:00:00.000000Z", True),
        ("2021-02-29T00:00:00.000000Z", False),
        ("2020-13-01T00:00:00.000000Z", False),
        ("2020-01-01T24:00:00.000000Z", False),
        ("1899-12-31T23:59:59.999999Z", False),
        ("2201-01-01T00:00:00.000000Z", False),
        ("0999-06-01T00:00:00.000000Z", False),
        ("2020-01-06T01:00:01.000000Z\n", False),
        ("2020-01-06T01:00:01Z", False),
    ],
)
def test_a_recorded_at_is_fixed_width_utc_of_a_real_day(stamp: str, valid: bool) -> None:
    assert is_utc_stamp(stamp) is valid


@pytest.mark.parametrize(("text", "fragment"), BAD_TIMES[:5])
def test_a_revocation_with_an_absurd_effective_time_is_refused(
    tmp_path: Path, text: str, fragment: str
) -> None:
    """Through the append path (the TUI's and `ledger record`'s): refused at the body's field,
    nothing written."""
    ledger = new_ledger(tmp_path)
    key = ledger.register("wang.fang", "王芳")
    before = ledger.store.count()
    body = {"key_id": key.key_id, "effective_at": text, "reason": "离任"}
    with pytest.raises(InputError) as caught:
        ledger.append("key.revoked", "wang.fang", body)
    assert caught.value.where == "body.effective_at"
    assert fragment in caught.value.message
    assert ledger.store.count() == before


def test_an_absurd_occurred_at_is_refused(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
    draft = Draft(
        "note", "m1", {"text": "x"}, "li.na", ledger.keys["li.na"], "0001-01-01T00:00:00+08:00"
    )
    with pytest.raises(InputError, match="the year 1 is out of range") as caught:
        append_entry(store=ledger.store, draft=draft, now=ledger.clock())
    assert caught.value.where == "--occurred-at"


def test_dates_in_bodies_and_profiles_are_in_range() -> None:
    """`Day` fields (membership dates, profile holidays) follow the same range."""
    with pytest.raises(InputError, match="not a date of the years 1900 to 2200"):
        lookup("membership.started").validate(
            {"organ": "o", "role": "member", "from": "0999-01-01"}
        )


def test_a_forged_revocation_from_year_999_fails_verify(tmp_path: Path) -> None:
    """The attack of the issue, inserted with the registrar's real signature: verify reports
    the body's time at its seq instead of keeping the key valid for ever."""
    ledger = new_ledger(tmp_path)
    key = ledger.register("wang.fang", "王芳")
    body = {"key_id": key.key_id, "effective_at": "0999-06-01T00:00:00Z", "reason": "伪造"}
    seq = forge_next(ledger, "key.revoked", "wang.fang", body)
    report = verify_ledger(store=ledger.store)
    assert report.failures["schema"].seq == seq, report.to_json()
    assert "the year 999 is out of range" in report.failures["schema"].message


@pytest.mark.parametrize(
    "recorded_at", ["2300-01-01T00:00:00.000000Z", "2021-02-29T00:00:00.000000Z"]
)
def test_a_forged_recorded_at_out_of_range_fails_verify(tmp_path: Path, recorded_at: str) -> None:
    ledger = new_ledger(tmp_path)
    ledger.register("wang.fang", "王芳")
    seq = forge_next(ledger, "note", "m1", {"text": "x"}, recorded_at=recorded_at)
    report = verify_ledger(store=ledger.store)
    assert report.failures["schema"].seq == seq, report.to_json()
    assert "is not a fixed-width UTC time of the years 1900 to 2200" in (
        report.failures["schema"].message
    )
