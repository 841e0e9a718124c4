"""Entry types: each type's body schema, default subject, author rule and blob references.

Bodies are validated strictly: no unknown fields, no missing ones, no float where an integer is
required (amounts are integer fen), no coercion of strings to numbers. This module holds the
base types and the identity types; `ledger.registry` holds every type, the procedure's and the
exports' too.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from ledger.entry import HEX64, ID_PATTERN, parse_day, parse_time
from ledger.errors import InputError


def _check_time(text: str) -> str:
    try:
        parse_time(text, where="time")
    except InputError as exc:
        raise ValueError(exc.message) from None
    return text


def _check_date(text: str) -> str:
    try:
        parse_day(text, where="date")
    except InputError as exc:
        raise ValueError(exc.message) from None
    return text


def _base64_of(length: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not standard base64") from None
        if len(raw) != length or base64.b64encode(raw).decode() != text:
            raise ValueError(f"must be the base64 of exactly {length} bytes")
        return text

    return check


# pydantic's default (Rust) regex engine reads `$` as the very end of the text, so these refuse
# a trailing newline, as `fullmatch` does in Python (tests/ledger/test_patterns.py holds it).
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN.pattern)]
Hash = Annotated[str, StringConstraints(pattern=HEX64.pattern)]


def _no_controls(allowed: str) -> Callable[[str], str]:
    """Refuse control characters (NUL and the like) but those in `allowed`: they are invisible
    in a record, and PostgreSQL refuses NUL in text."""
    controls = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in allowed)
    found = re.compile(f"[{re.escape(controls)}]").search

    def check(text: str) -> str:
        match = found(text)
        if match is not None:
            raise ValueError(
                f"control character U+{ord(match.group()):04X} at position {match.start()}"
            )
        return text

    return check


Text = Annotated[
    str, StringConstraints(min_length=1, max_length=20_000), AfterValidator(_no_controls("\t\n\r"))
]
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_controls(""))
]
Time = Annotated[str, AfterValidator(_check_time)]
Day = Annotated[str, AfterValidator(_check_date)]
PublicKey = Annotated[str, AfterValidator(_base64_of(32))]
Signature = Annotated[str, AfterValidator(_base64_of(64))]


@dataclass(frozen=True)
class Refers:
    """What an id or a hash in a body names (a person, an organ, one of the decision's drafts…):
    declared with the field's type, so a form offers the right picker. Validation ignores it."""

    kind: Literal["person", "organ", "decision", "meeting", "draft"]


PersonId = Annotated[Id, Refers("person")]
OrganId = Annotated[Id, Refers("organ")]
DecisionId = Annotated[Id, Refers("decision")]
MeetingId = Annotated[Id, Refers("meeting")]
DraftHash = Annotated[Hash, Refers("draft")]  # the hash of one of the decision's drafts


class Body(BaseModel):
    """Base of every body schema: strict, closed, immutable. Each schema's validator is built
    when it is first used, not at import: a command uses a few of the types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


# Kinds of collective body or unit (decision-procedure.md §4.2).
OrganKind = Literal[
    "party_group", "executive_meeting", "plenary", "district_government", "internal_unit"
]

# Roles a person holds in an organ, time-bounded by memberships.
Role = Literal[
    "head", "deputy", "member", "recorder", "non_voting_attendee", "legal_adviser", "auditor"
]


class PersonRef(Body):
    id: Id
    name: Name


class KeyRef(Body):
    key_id: Hash
    public_key: PublicKey


def _check_origin(text: str) -> str:
    if not text or len(text) > 200 or any(c.isspace() for c in text):
        raise ValueError(
            "the origin is one word naming this ledger, like a domain and a path: "
            "edu.example-district.gov.cn/decisions (no spaces, at most 200 characters)"
        )
    return text


Origin = Annotated[str, AfterValidator(_check_origin)]


class Genesis(Body):
    """seq 0: the ledger's origin, organisation, registrar and rule-profile version."""

    origin: Origin
    organisation: Name
    registrar: PersonRef
    registrar_key: KeyRef
    rule_profile: Name


class PersonRegistered(Body):
    """A person joins the ledger's register. Persons are never removed."""

    name: Name
    id_document_hash: Hash | None = None


class KeyBound(Body):
    """A public key is bound to the subject person, with the key's proof of possession."""

    key_id: Hash
    public_key: PublicKey
    proof_of_possession: Signature


def _ascending(seqs: list[int]) -> list[int]:
    if any(later <= earlier for earlier, later in zip(seqs, seqs[1:], strict=False)):
        raise ValueError("the seqs must be in ascending order, each once")
    return seqs


class KeyRevoked(Body):
    """A key stops being valid for entries recorded at or after `effective_at`.

    `repudiates` lists, in ascending order, every entry already signed with the key and recorded
    at or after `effective_at` (a backdated revocation: the key was stolen or lost before it was
    reported). It is required, and must be exactly those entries, when there are any; the
    entries stay in the ledger, and reports show them as repudiated.
    """

    key_id: Hash
    effective_at: Time
    reason: Text
    repudiates: (
        Annotated[
            list[Annotated[int, Field(ge=0)]],
            Field(min_length=1, max_length=1_000_000),
            AfterValidator(_ascending),
        ]
        | None
    ) = None


class OrganCreated(Body):
    """A collective body or internal unit is set up."""

    name: Name
    kind: OrganKind


class MembershipStarted(Body):
    """The subject person takes a role in an organ from a date."""

    organ: Id
    role: Role
    start: Day = Field(alias="from")

    model_config = ConfigDict(populate_by_name=False)


class MembershipEnded(Body):
    """The subject person leaves a role in an organ on a date."""

    organ: Id
    role: Role
    end: Day = Field(alias="to")
    reason: Text | None = None

    model_config = ConfigDict(populate_by_name=False)


class Note(Body):
    """Free text about any subject, optionally with attached documents (blob hashes) and the
    seqs of earlier entries it concerns."""

    text: Text
    attachments: list[Hash] = Field(default_factory=list, max_length=100)
    about: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list, max_length=100)


Author = Literal["registrar", "any"]


@dataclass(frozen=True)
class EntryType:
    """What the ledger knows about one entry type."""

    name: str
    schema: type[Body]
    author: Author
    summary: str
    blob_refs: Callable[[dict[str, Any]], list[str]] = lambda body: []

    def validate(self, body: Any) -> dict[str, Any]:
        """Validate a body and return it exactly as it will be signed.

        Defaults are not filled in: the signed body is what the author wrote.

        Raises:
            InputError: naming the first wrong field and what is wrong with it.
        """
        if not isinstance(body, dict):
            raise InputError("the body must be a JSON object / TOML table", where="body")
        try:
            self.schema.model_validate(body, strict=True)
        except ValidationError as exc:
            raise InputError(describe_validation(exc), where=_first_location(exc)) from None
        _reject_floats(body, "body")
        return body


def _first_location(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return ".".join(["body", *(str(part) for part in error["loc"])])


def describe_validation(exc: ValidationError) -> str:
    """Turn a pydantic error into one sentence a recorder can act on."""
    error = exc.errors()[0]
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "unknown field (not in this type's schema)"
    if kind in ("int_type", "int_from_float") and isinstance(value, float):
        return f"{value!r} is a float; an integer is required (amounts are integer fen)"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{message}; got {value!r}{more}"


def _reject_floats(value: Any, where: str) -> None:
    if isinstance(value, float):
        raise InputError(
            f"{value!r} is a float; bodies hold integers and strings only", where=where
        )
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_floats(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_floats(item, f"{where}[{index}]")


GENESIS = "ledger.genesis"
IDENTITY_TYPES = (
    "person.registered",
    "key.bound",
    "key.revoked",
    "organ.created",
    "membership.started",
    "membership.ended",
)

ENTRY_TYPES = (
    EntryType(GENESIS, Genesis, "registrar", "the ledger's first entry"),
    EntryType("person.registered", PersonRegistered, "registrar", "register a person"),
    EntryType("key.bound", KeyBound, "registrar", "bind a public key to a person"),
    EntryType("key.revoked", KeyRevoked, "registrar", "revoke a person's key"),
    EntryType("organ.created", OrganCreated, "registrar", "set up an organ or unit"),
    EntryType("membership.started", MembershipStarted, "registrar", "a person takes a role"),
    EntryType("membership.ended", MembershipEnded, "registrar", "a person leaves a role"),
    EntryType(
        "note",
        Note,
        "any",
        "free text, optionally with attachments",
        blob_refs=lambda body: list(body.get("attachments", [])),
    ),
)
