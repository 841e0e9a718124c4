"""The rule profile: the numbers and switches that vary by place, versioned in the ledger.

Decree 713's values are the defaults (profile `decree-713-2019`, the one a genesis entry names).
A `rule_profile.versioned` entry records a new version with local overrides; a decision is checked
against the version in force when it was proposed, and its compliance report names that version.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ledger.types import Day, Id, Name, OrganId, PersonId

DecisionRule = Literal[
    "head_decides_after_discussion",
    "majority_of_members_due",
    "majority_of_present",
    "two_thirds_of_members_due",
]


def _check_fraction(text: str) -> str:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not a fraction like 1/2") from None
    if not 0 < value <= 1:
        raise ValueError(f"{text!r} must be between 0 and 1")
    return text


FractionText = Annotated[str, AfterValidator(_check_fraction)]
ClockSource = Literal["local", "database"]


class Threshold(BaseModel):
    """A share of members: `more_than` 1/2 means strictly more than half; else at least."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    share: FractionText
    more_than: bool

    def met(self, count: int, total: int) -> bool:
        """True when `count` of `total` reaches the threshold."""
        needed = Fraction(self.share) * total
        return count > needed if self.more_than else count >= needed

    def describe(self) -> str:
        """`more than 1/2` or `at least 2/3`."""
        return f"{'more than' if self.more_than else 'at least'} {self.share}"


class LocalGround(BaseModel):
    """A ground on which local rules let a step be exempted (edition 2), and where they say so."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    step: Id  # a step kind, as `step.determined` names it
    ground: Id
    source: Name  # the instrument and article


class YearCalendar(BaseModel):
    """One year of the official calendar: the public holidays, and the weekend days that are
    worked instead (调休, the State Council's yearly holiday arrangement)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    holidays: list[Day] = []
    working_days: list[Day] = []

    @model_validator(mode="after")
    def _weekends_only(self) -> YearCalendar:
        for day in self.working_days:
            if date.fromisoformat(day).weekday() < 5:
                raise ValueError(
                    f"working_days lists {day}, a weekday: only a Saturday or Sunday is made a "
                    "working day"
                )
        both = sorted(set(self.holidays) & set(self.working_days))
        if both:
            raise ValueError(f"{both[0]} is both a holiday and a working day")
        return self


def _check_calendar(calendar: dict[str, YearCalendar]) -> dict[str, YearCalendar]:
    for year, listed in calendar.items():
        if not (len(year) == 4 and year.isdigit()):
            raise ValueError(f"calendar year {year!r} is not a year like 2020")
        for day in (*listed.holidays, *listed.working_days):
            if day[:4] != year:
                raise ValueError(f"calendar {year} lists {day}, a day of another year")
    return calendar


Calendar = Annotated[dict[str, YearCalendar], AfterValidator(_check_calendar)]


class RuleProfile(BaseModel):
    """Every rule the gates read. Field names are the keys of a `rule_profile.versioned` body."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    # Which edition of the ledger's own checks a decision is held to. 1: those of release 0.1.0
    # (a ledger recorded then keeps being judged by them). 2 adds the checks of substance: who
    # may initiate (Art. 10), and that a step's business date does not precede the steps it
    # rests on (a legality opinion its submission, an issue its approval and its Party report).
    edition: Literal[1, 2] = 1
    # Those who may initiate a decision on the head's behalf (edition 2; Art. 10), besides the
    # head of the deciding organ.
    initiation_delegates: list[PersonId] = []
    # Edition 2: a step recorded more working days after it happened than this is reported as
    # recorded late (back-filling shows; the record itself stands).
    record_within_working_days: Annotated[int, Field(ge=0)] = 5
    # Edition 2, drafting (Art. 10–27)
    # Grounds for exempting a step that local rules add to those Decree 713 names (Art. 14, 22:
    # `drafting.STATUTORY_GROUNDS`), each with the instrument and article it rests on.
    exemption_grounds: list[LocalGround] = []

    # Edition 2, after deliberation (Art. 8, 29–37)
    # An issue (publication or not) waits for the final minutes of the meeting that took the
    # decision (Art. 30: the discussion is recorded truthfully; Art. 33: archived completely).
    minutes_before_publication: bool = True

    comment_min_days: Annotated[int, Field(ge=1)] = 30  # Art. 15
    hearing_materials_min_days: Annotated[int, Field(ge=1)] = 7  # Art. 16
    legality_review_min_working_days: Annotated[int, Field(ge=1)] = 7  # Art. 26
    quorum: Threshold = Threshold(share="1/2", more_than=True)  # local rules
    cadre_quorum: Threshold = Threshold(share="2/3", more_than=False)  # cadre rules
    cadre_pass: Threshold = Threshold(share="1/2", more_than=True)  # of members due
    decision_rules: dict[str, DecisionRule] = {
        "executive_meeting": "head_decides_after_discussion",
        "plenary": "head_decides_after_discussion",
        "party_group": "majority_of_members_due",
    }
    legality_review_unit: OrganId | None = None  # the organ whose members give legality opinions
    party_committee: OrganId | None = None  # where Art. 31 reports go
    party_report_required: bool = True  # G12
    required_steps: list[str] = ["public_participation"]  # on top of flag-triggered steps
    large_fund_fen: Annotated[int, Field(ge=0)] = 50_000_000  # 大额资金, fen (500,000 yuan)
    major_project_fen: Annotated[int, Field(ge=0)] = 100_000_000
    archive_deadline_days: Annotated[int, Field(ge=1)] = 30  # G16 (Shenzhen: 30 days)
    filing_deadline_days: Annotated[int, Field(ge=1)] = 30  # normative documents, Decree 337 Art. 3
    holidays: list[Day] = []  # public holidays, for working-day counts
    # The official calendar by year ("2020": {"holidays": [...], "working_days": [...]}): its
    # holidays are days off like those above, its working days weekend days worked (调休).
    calendar: Calendar = {}
    # This ledger's own operational rule (no statute sets it): how far a recorder's clock may be
    # behind the ledger's head before an append is refused, and how far ahead of the verifier's
    # clock a recorded time may be before `ledger verify` reports it as from the future.
    clock_tolerance_seconds: Annotated[int, Field(ge=1, le=86_400)] = 300
    # "database": an append also compares this machine's clock with the database server's
    # (PostgreSQL's clock_timestamp(); on SQLite that is this machine's clock again) and is
    # refused when they differ by more than the tolerance.
    clock_source: ClockSource = "local"

    def working_days(self, start: str, end: str) -> int:
        """Working days after `start` up to and including `end` (dates YYYY-MM-DD): Monday to
        Friday except the holidays, and the weekend days the calendar makes working days."""
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        if last <= first:
            return 0
        weeks, rest = divmod((last - first).days, 7)
        count = weeks * 5
        for offset in range(1, rest + 1):
            if (first + timedelta(days=offset)).weekday() < 5:
                count += 1
        low, high = first.isoformat(), last.isoformat()
        off = set(self.holidays)
        worked: set[str] = set()
        for listed in self.calendar.values():
            off.update(listed.holidays)
            worked.update(listed.working_days)
        count -= sum(
            1 for day in off if low < day <= high and date.fromisoformat(day).weekday() < 5
        )
        count += sum(1 for day in worked - off if low < day <= high)
        return count


DEFAULT_PROFILE_NAME = "decree-713-2019"
DEFAULT_PROFILE = RuleProfile()
# The profiles a genesis entry can name, with the rules each starts from: the first (what
# release 0.1.0 wrote, and every ledger recorded then names) and the edition-2 checks of
# substance, which `ledger init` names for a new ledger.
EDITION_2_PROFILE_NAME = "decree-713-2019-ed2"
BUILT_IN_PROFILES: dict[str, dict[str, object]] = {
    DEFAULT_PROFILE_NAME: {},
    EDITION_2_PROFILE_NAME: {"edition": 2},
}


def days_between(start: str, end: str) -> int:
    """Calendar days from date `start` to date `end`."""
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


__all__ = [
    "BUILT_IN_PROFILES",
    "DEFAULT_PROFILE",
    "DEFAULT_PROFILE_NAME",
    "EDITION_2_PROFILE_NAME",
    "LocalGround",
    "RuleProfile",
    "Threshold",
    "YearCalendar",
    "days_between",
]
