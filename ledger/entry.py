"""Entry format v1: the statement, its canonical bytes, leaf hash and signed message.

This module is the protocol. Changing what it produces for an existing version breaks every
ledger ever written, so new behaviour means a new version, never an edit here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from ledger.canonical import canonical_bytes, parse_canonical
from ledger.errors import CanonicalFormError, InputError

FORMAT_VERSION = 1
LEAF_PREFIX = b"\x00"  # RFC 6962 leaf hash prefix, so the chain and a Merkle tree share leaves
NODE_PREFIX = b"\x01"  # RFC 6962 interior node prefix
SIGNING_CONTEXT = b"decision-ledger/entry/v1\n"
POSSESSION_CONTEXT = b"decision-ledger/key-possession/v1\n"
ZERO_HASH = "0" * 64

STATEMENT_FIELDS = (
    "v",
    "seq",
    "prev",
    "type",
    "subject",
    "occurred_at",
    "recorded_at",
    "actor",
    "key",
    "body",
)
_FIELD_SET = frozenset(STATEMENT_FIELDS)
_TEXT_FIELDS = STATEMENT_FIELDS[2:9]  # prev … key: strings, in the order Statement takes them

# Identifier syntax. The pattern strings are also given to pydantic, whose (Rust) engine reads
# `$` as the end of the text; Python's `$` also matches before a final newline, so Python code
# must test them with `fullmatch`, never `match`.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$|^note$")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The business and system times a ledger accepts: years 1900 to 2200, both included, as written
# (in the time's own offset). Earlier or later dates are typing mistakes or broken clocks, and
# keeping them out keeps every time four-digit and convertible to UTC without overflow.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
# A recorded_at: fixed-width UTC with microseconds, its year in range; the day of the month is
# checked against the calendar separately (see `is_utc_stamp`).
_UTC_STAMP = re.compile(
    r"(?:19[0-9]{2}|2[01][0-9]{2}|2200)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
)
DEFAULT_ZONE = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class Statement:
    """What an author says: the signed part of an entry."""

    seq: int
    prev: str
    type: str
    subject: str
    occurred_at: str
    recorded_at: str
    actor: str
    key: str
    body: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """Return the statement as the JSON object that is canonicalised and signed."""
        return {
            "v": FORMAT_VERSION,
            "seq": self.seq,
            "prev": self.prev,
            "type": self.type,
            "subject": self.subject,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "key": self.key,
            "body": self.body,
        }

    def canonical(self) -> bytes:
        """Return the RFC 8785 bytes of the statement.

        Raises:
            InputError: the body holds something JSON canonicalisation refuses.
        """
        try:
            return canonical_bytes(self.to_json())
        except ValueError as exc:
            raise InputError(str(exc), where="body") from None


@dataclass(frozen=True, slots=True)
class SignedEntry:
    """A statement as stored: its exact canonical bytes, leaf hash and signature."""

    statement: Statement
    data: bytes
    leaf_hash: str
    signature: bytes

    @property
    def seq(self) -> int:
        """The entry's position in the ledger."""
        return self.statement.seq


def leaf_hash(data: bytes) -> bytes:
    """Return SHA-256(0x00 ‖ data): the RFC 6962 leaf hash of the canonical statement."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def signing_message(leaf: bytes) -> bytes:
    """Return the bytes an author signs: the domain-separation context, then the leaf hash."""
    return SIGNING_CONTEXT + leaf


def possession_message(origin: str, person: str, key_id: str) -> bytes:
    """Return the bytes a new key signs to prove its holder possesses it (for `key.bound`).

    Binding origin and person stops a proof made for one ledger or person being replayed for
    another.
    """
    return (
        POSSESSION_CONTEXT
        + origin.encode("utf-8")
        + b"\n"
        + person.encode("utf-8")
        + b"\n"
        + bytes.fromhex(key_id)
    )


def statement_from_json(value: Any) -> Statement:
    """Check the envelope of a parsed statement and build the `Statement`.

    Args:
        value: the parsed JSON of stored statement bytes.

    Returns:
        The statement.

    Raises:
        CanonicalFormError: a field is missing, extra or of the wrong kind.
    """
    if not isinstance(value, dict):
        raise CanonicalFormError("statement is not a JSON object")
    if value.keys() != _FIELD_SET:
        missing = sorted(set(STATEMENT_FIELDS) - set(value))
        extra = sorted(set(value) - set(STATEMENT_FIELDS))
        raise CanonicalFormError(f"statement fields wrong (missing {missing}, extra {extra})")
    if value["v"] != FORMAT_VERSION or type(value["v"]) is not int:
        raise CanonicalFormError(f"unknown format version {value['v']!r}")
    seq = value["seq"]
    if type(seq) is not int or seq < 0:
        raise CanonicalFormError(f"seq {seq!r} is not a non-negative integer")
    prev, kind, subject, occurred_at, recorded_at, actor, key = texts = tuple(
        map(value.__getitem__, _TEXT_FIELDS)
    )
    if not all(type(text) is str for text in texts):
        name = next(n for n, t in zip(_TEXT_FIELDS, texts, strict=True) if type(t) is not str)
        raise CanonicalFormError(f"field {name} is not a string")
    body = value["body"]
    if type(body) is not dict:
        raise CanonicalFormError("body is not a JSON object")
    # Positional (verify builds one per entry): the order of the dataclass's fields.
    return Statement(seq, prev, kind, subject, occurred_at, recorded_at, actor, key, body)


def decode_statement(data: bytes) -> Statement:
    """Parse stored bytes into a statement, proving they are canonical.

    Raises:
        CanonicalFormError: the bytes are not the canonical form of a well-formed statement
            (or are nested too deeply to parse).
    """
    try:
        return statement_from_json(parse_canonical(data))
    except RecursionError:
        raise CanonicalFormError("statement is JSON nested too deeply to check") from None


def format_utc(moment: datetime) -> str:
    """Render an aware datetime as fixed-width RFC 3339 UTC with microseconds.

    Fixed width keeps lexical order equal to time order, which the store and the register's
    comparisons rely on (the year is always four digits: `strftime("%Y")` is not).

    Raises:
        ValueError: a naive datetime, or one outside years 1 to 9999 in UTC.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def is_utc_stamp(text: str) -> bool:
    """True if `text` is a recorded_at as `format_utc` writes it, of a real calendar day, with
    its year from `EARLIEST_YEAR` to `LATEST_YEAR`."""
    if _UTC_STAMP.fullmatch(text) is None:
        return False
    if text[8:10] <= "28":  # every month has these days; only later ones need the calendar
        return True
    try:
        date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True


def _check_year(year: int, text: str, what: str, where: str) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise InputError(
            f"{text!r} is not a {what} of the years {EARLIEST_YEAR} to {LATEST_YEAR} (the "
            f"year {year} is out of range)",
            where=where,
        )


def parse_time(text: str, *, where: str) -> datetime:
    """Parse an RFC 3339 timestamp that carries a UTC offset, in the years the ledger accepts.

    Raises:
        InputError: not RFC 3339, no offset (a local time is ambiguous), not a real time, or
            a year outside `EARLIEST_YEAR`–`LATEST_YEAR` (checked as written, so that its
            conversion to UTC cannot overflow).
    """
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        raise InputError(
            f"{text!r} is not an RFC 3339 time with an offset, e.g. 2020-03-15T09:30:00+08:00",
            where=where,
        )
    _check_year(int(text[:4]), text, "time", where)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"{text!r} is not a valid time ({exc})", where=where) from None


def parse_day(text: str, *, where: str) -> date:
    """Parse a date YYYY-MM-DD in the years the ledger accepts.

    Raises:
        InputError: not of that form, not a real day, or a year outside
            `EARLIEST_YEAR`–`LATEST_YEAR`.
    """
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        raise InputError(f"{text!r} is not a date YYYY-MM-DD", where=where)
    _check_year(int(text[:4]), text, "date", where)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"{text!r} is not a date YYYY-MM-DD ({exc})", where=where) from None


def utc_now() -> datetime:
    """The system clock, in UTC: the one clock of the CLI and the TUI (tests pass their own)."""
    return datetime.now(UTC)


def ledger_today(moment: datetime) -> str:
    """The date (YYYY-MM-DD) of an aware moment where the ledger's business happens (UTC+08:00):
    every "today" of the ledger (undue delay, the dashboard) is this one, never the date of the
    machine's own time zone."""
    return moment.astimezone(DEFAULT_ZONE).date().isoformat()


def format_local(moment: datetime) -> str:
    """Render an aware datetime as RFC 3339 with its own offset, to the second."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.replace(microsecond=0).isoformat()
