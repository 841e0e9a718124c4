"""Who may say what: the identity register replayed from entries, and the rules it enforces.

The same `Directory` serves appends (loaded from the derived tables) and `ledger verify`
(rebuilt by replaying every entry), so a rule cannot hold at one and not at the other. Rule
breaches raise `VerificationError` subclasses carrying the `seq`; the write path
(`ledger.append`) turns them into refusals when they happen at append time.

The register is one object (people, keys, organs, posts and the checks on each), hence one
module a little past the usual length.
"""

from __future__ import annotations

import base64
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from keys import BadSignatureError, InvalidKeyError, key_id, short_id, verify_signature
from ledger.entry import (
    ID_PATTERN,
    ZERO_HASH,
    Statement,
    format_utc,
    is_utc_stamp,
    parse_time,
    possession_message,
)
from ledger.errors import (
    AuthorityError,
    InputError,
    KeyValidityError,
    RevocationError,
    SchemaError,
    seq_list,
)
from ledger.procedure.state import Procedure
from ledger.registry import lookup
from ledger.types import GENESIS

_STAMP_WIDTH = len("2020-01-01T00:00:00.000000Z")

# Given a key id and a fixed-width UTC time, the seqs of the entries signed with that key and
# recorded at or after that time, ascending.
SignedLookup = Callable[[str, str], list[int]]


@dataclass(frozen=True, slots=True)
class PersonRecord:
    id: str
    name: str
    registered_seq: int


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: str
    person: str
    public_key: bytes
    bound_seq: int
    bound_at: str
    revoked_seq: int | None = None
    revoked_at: str | None = None  # effective time, fixed-width UTC
    revoked_reason: str | None = None

    def valid_at(self, recorded_at: str) -> bool:
        """True if the key was bound at or before `recorded_at` and not yet revoked then."""
        return self.bound_at <= recorded_at and (
            self.revoked_at is None or recorded_at < self.revoked_at
        )


@dataclass(slots=True)
class _Signed:
    """The entries one key signed, in seq order: their seqs, and their recorded_at stamps
    end to end (fixed width), so that a million entries cost megabytes, not a string each."""

    seqs: array[int] = field(default_factory=lambda: array("q"))
    stamps: bytearray = field(default_factory=bytearray)

    def since(self, stamp: str) -> list[int]:
        mark = stamp.encode()
        width, stamps = _STAMP_WIDTH, self.stamps
        return [
            seq
            for index, seq in enumerate(self.seqs)
            if stamps[index * width : (index + 1) * width] >= mark
        ]


@dataclass(frozen=True, slots=True)
class OrganRecord:
    id: str
    name: str
    kind: str
    created_seq: int


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    person: str
    organ: str
    role: str
    start: str
    started_seq: int
    end: str | None = None
    ended_seq: int | None = None


Row = tuple[Any, ...]
DERIVED_TABLES = ("persons", "keys", "organs", "memberships", "procedure_state", "involvements")
# What an append loads whole to check an entry. Procedure objects are fetched one by one as the
# entry touches them; the involvement index is only ever added to.
LOADED_TABLES = DERIVED_TABLES[:4]


class Directory:
    """The identity register at one point of the chain."""

    def __init__(self) -> None:
        self.origin: str | None = None
        self.organisation: str | None = None
        self.registrar: str | None = None
        self.persons: dict[str, PersonRecord] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.organs: dict[str, OrganRecord] = {}
        self.memberships: dict[tuple[str, str, str, int], MembershipRecord] = {}
        self.procedure = Procedure()
        # Which entries each key signed, so that a revocation can be checked against them. A
        # register replayed from genesis (verify, a bundle) keeps them itself; one loaded from
        # the derived tables is given `signed_lookup`, which asks the store.
        self._signed: dict[str, _Signed] | None = {}
        self.signed_lookup: SignedLookup | None = None
        self._earlier: SignedLookup | None = None  # see count_from_here

    # -- checks -------------------------------------------------------------------------

    def check(
        self, stmt: Statement, *, schema_checked: bool = False, staged: Any = None
    ) -> KeyRecord:
        """Check everything about `stmt` that depends on the register, before it is applied.

        An append that validated the body a moment before passes `schema_checked`; one whose
        procedure check already ran against this very head for the same statement (a preflight,
        see `ledger.append.check_draft`) passes what that check staged as `staged`, and the
        gates are not run again. A replay passes neither.

        Returns:
            The key record the statement must be signed with.

        Raises:
            SchemaError, KeyValidityError, AuthorityError: with `stmt.seq`.
        """
        seq = stmt.seq
        if not is_utc_stamp(stmt.recorded_at):
            raise SchemaError(
                f"recorded_at {stmt.recorded_at!r} is not a fixed-width UTC time of the years "
                "1900 to 2200",
                seq=seq,
            )
        try:
            parse_time(stmt.occurred_at, where="occurred_at")
        except InputError as exc:
            raise SchemaError(exc.diagnostics(), seq=seq) from None
        if not ID_PATTERN.fullmatch(stmt.subject):
            raise SchemaError(f"subject {stmt.subject!r} is not a valid id", seq=seq)
        if (stmt.type == GENESIS) != (seq == 0):
            raise AuthorityError("only seq 0 is, and must be, the genesis entry", seq=seq)
        try:
            entry_type = lookup(stmt.type)
            if not schema_checked:
                entry_type.validate(stmt.body)
        except InputError as exc:
            raise SchemaError(f"{stmt.type}: {exc.diagnostics()}", seq=seq) from None
        if stmt.type == GENESIS:
            genesis_key = self._check_genesis(stmt)
            self.procedure.check(stmt, self, staged=staged)
            return genesis_key
        if stmt.actor not in self.persons:
            raise AuthorityError(f"actor {stmt.actor!r} is not a registered person", seq=seq)
        key = self.keys.get(stmt.key)
        if key is None:
            raise KeyValidityError(
                f"key {short_id(stmt.key)} is not bound to anyone in this ledger", seq=seq
            )
        if key.person != stmt.actor:
            raise KeyValidityError(
                f"key {short_id(stmt.key)} belongs to {key.person}, not to actor {stmt.actor}",
                seq=seq,
            )
        if not key.valid_at(stmt.recorded_at):
            raise KeyValidityError(
                f"key {short_id(stmt.key)} of {stmt.actor} was revoked from {key.revoked_at} "
                f"(seq {key.revoked_seq}); the entry was recorded at {stmt.recorded_at}",
                seq=seq,
            )
        if entry_type.author == "registrar" and stmt.actor != self.registrar:
            raise AuthorityError(
                f"{stmt.type} may be recorded only by the registrar ({self.registrar}), "
                f"not by {stmt.actor}",
                seq=seq,
            )
        self._check_state(stmt)
        self.procedure.check(stmt, self, staged=staged)
        return key

    def _check_genesis(self, stmt: Statement) -> KeyRecord:
        body, seq = stmt.body, stmt.seq
        if stmt.prev != ZERO_HASH:
            raise AuthorityError("the genesis entry's prev must be 64 zeros", seq=seq)
        public = base64.b64decode(body["registrar_key"]["public_key"])
        if key_id(public) != body["registrar_key"]["key_id"] or stmt.key != key_id(public):
            raise KeyValidityError("genesis key id is not the SHA-256 of its public key", seq=seq)
        if stmt.actor != body["registrar"]["id"] or stmt.subject != stmt.actor:
            raise AuthorityError(
                "the genesis entry must be made by the registrar it names", seq=seq
            )
        return KeyRecord(stmt.key, stmt.actor, public, 0, stmt.recorded_at)

    def _check_state(self, stmt: Statement) -> None:
        body, seq, subject = stmt.body, stmt.seq, stmt.subject
        kind = stmt.type

        def refuse(message: str) -> AuthorityError:
            return AuthorityError(f"{kind}: {message}", seq=seq)

        if kind == "person.registered":
            if subject in self.persons:
                raise refuse(f"person {subject} is already registered")
        elif kind in ("key.bound", "key.revoked", "membership.started", "membership.ended"):
            if subject not in self.persons:
                raise refuse(f"person {subject} is not registered")
        if kind == "key.bound":
            self._check_binding(stmt, refuse)
        elif kind == "key.revoked":
            key = self.keys.get(body["key_id"])
            if key is None or key.person != subject:
                raise refuse(f"key {short_id(body['key_id'])} is not bound to {subject}")
            if key.revoked_seq is not None:
                raise refuse(
                    f"key {short_id(key.key_id)} was already revoked at seq {key.revoked_seq}"
                )
            others = [k for k in self.valid_keys(subject) if k != key]
            if subject == self.registrar and not others:
                raise refuse(
                    "this is the registrar's last valid key; bind the registrar a new key "
                    "first, or nobody could record people and keys any more"
                )
            self._check_repudiated(stmt, key)
        elif kind == "note":
            later = [ref for ref in body.get("about", []) if ref >= seq]
            if later:
                raise refuse(f"about names seq {later[0]}, which is not an earlier entry")
        elif kind == "organ.created":
            if subject in self.organs:
                raise refuse(f"organ {subject} already exists")
        elif kind == "membership.started":
            if body["organ"] not in self.organs:
                raise refuse(f"organ {body['organ']} does not exist")
            if self.active_membership(subject, body["organ"], body["role"]) is not None:
                raise refuse(f"{subject} already holds {body['role']} in {body['organ']}")
        elif kind == "membership.ended":
            current = self.active_membership(subject, body["organ"], body["role"])
            if current is None:
                raise refuse(f"{subject} holds no {body['role']} role in {body['organ']}")
            if body["to"] < current.start:
                raise refuse(f"the end date {body['to']} is before the start {current.start}")

    def _check_binding(self, stmt: Statement, refuse: Callable[[str], AuthorityError]) -> None:
        body = stmt.body
        public = base64.b64decode(body["public_key"])
        if key_id(public) != body["key_id"]:
            raise refuse("key_id is not the SHA-256 of public_key")
        if body["key_id"] in self.keys:
            owner = self.keys[body["key_id"]].person
            raise refuse(f"key {short_id(body['key_id'])} is already bound to {owner}")
        assert self.origin is not None
        message = possession_message(self.origin, stmt.subject, body["key_id"])
        try:
            verify_signature(public, message, base64.b64decode(body["proof_of_possession"]))
        except (BadSignatureError, InvalidKeyError):
            raise refuse(
                f"the proof of possession does not verify for key {short_id(body['key_id'])} "
                f"and person {stmt.subject}"
            ) from None

    def _check_repudiated(self, stmt: Statement, key: KeyRecord) -> None:
        """A revocation effective before entries already signed with the key must list exactly
        those entries in `repudiates`: the ledger keeps them (nothing is deleted), marked."""
        effective = format_utc(parse_time(stmt.body["effective_at"], where="effective_at"))
        signed = self.signed_since(key.key_id, effective)
        listed = stmt.body.get("repudiates") or []
        if listed == signed:
            return
        short = short_id(key.key_id)
        if signed:
            lists = f"it lists {seq_list(listed)}" if listed else "it lists none"
            message = (
                f"signed after the key was revoked: seq {seq_list(signed)} (key {short}, "
                f"revoked from {effective}); the revocation must list exactly these in "
                f"repudiates, and {lists}"
            )
        else:
            message = (
                f"repudiates lists seq {seq_list(listed)}, but no entry signed with key {short} "
                f"was recorded at or after {effective}"
            )
        raise RevocationError(message, seq=stmt.seq)

    def signed_since(self, key_id: str, since: str) -> list[int]:
        """The seqs of the entries signed with `key_id` and recorded at or after `since`
        (fixed-width UTC), ascending."""
        if self._signed is not None:
            signed = self._signed.get(key_id)
            counted = [] if signed is None else signed.since(since)
            return counted if self._earlier is None else self._earlier(key_id, since) + counted
        if self.signed_lookup is None:
            raise RuntimeError("a register loaded from derived rows needs a signed_lookup")
        return self.signed_lookup(key_id, since)

    def count_from_here(self, earlier: SignedLookup) -> None:
        """Count the entries applied from now on, and ask `earlier` for those before (a
        register resumed from a record of an earlier point of the chain)."""
        self._signed = {}
        self._earlier = earlier

    def counted(self) -> dict[str, int]:
        """How many of the entries this register applied each key signed."""
        return {} if self._signed is None else {k: len(s.seqs) for k, s in self._signed.items()}

    def active_membership(self, person: str, organ: str, role: str) -> MembershipRecord | None:
        """Return the open membership of `person` in `organ` with `role`, if any."""
        for record in self.memberships.values():
            if (record.person, record.organ, record.role) == (person, organ, role):
                if record.end is None:
                    return record
        return None

    def roles_at(self, person: str, organ: str, day: str) -> set[str]:
        """The roles `person` held in `organ` on `day` (YYYY-MM-DD; the end date included)."""
        return {
            m.role
            for m in self.memberships.values()
            if m.person == person
            and m.organ == organ
            and m.start <= day
            and (m.end is None or day <= m.end)
        }

    def holders_at(self, organ: str, roles: tuple[str, ...], day: str) -> list[str]:
        """The persons holding any of `roles` in `organ` on `day`, in id order."""
        return sorted(
            {
                m.person
                for m in self.memberships.values()
                if m.organ == organ
                and m.role in roles
                and m.start <= day
                and (m.end is None or day <= m.end)
            }
        )

    def keys_of(self, person: str) -> list[KeyRecord]:
        """Return every key ever bound to `person`, oldest first."""
        return sorted((k for k in self.keys.values() if k.person == person), key=_by_bound)

    def valid_keys(self, person: str) -> list[KeyRecord]:
        """`person`'s keys that are not revoked, oldest first: the newest is the one they sign
        with."""
        return [k for k in self.keys_of(person) if k.revoked_seq is None]

    def key_of(self, key_id: str, person: str, at: str) -> KeyRecord | None:
        """The key `key_id` when it is bound to `person` and valid at `at` (a recorded_at, see
        `KeyRecord.valid_at`); None otherwise. What `check` requires of an entry's key."""
        key = self.keys.get(key_id)
        if key is None or key.person != person or not key.valid_at(at):
            return None
        return key

    # -- state --------------------------------------------------------------------------

    def apply(self, stmt: Statement) -> list[tuple[str, Row]]:
        """Apply a checked statement; return the derived rows it creates or changes."""
        body, seq, subject = stmt.body, stmt.seq, stmt.subject
        changed: list[tuple[str, Row]] = []
        if self._signed is not None:
            signed = self._signed.get(stmt.key)
            if signed is None:
                signed = self._signed[stmt.key] = _Signed()
            signed.seqs.append(seq)
            signed.stamps += stmt.recorded_at.encode()
        if stmt.type == GENESIS:
            self.origin = body["origin"]
            self.organisation = body["organisation"]
            self.registrar = body["registrar"]["id"]
            person = PersonRecord(self.registrar, body["registrar"]["name"], 0)
            self.persons[person.id] = person
            public = base64.b64decode(body["registrar_key"]["public_key"])
            key = KeyRecord(stmt.key, person.id, public, 0, stmt.recorded_at)
            self.keys[key.key_id] = key
            changed += [("persons", _row(person)), ("keys", _row(key))]
        elif stmt.type == "person.registered":
            person = PersonRecord(subject, body["name"], seq)
            self.persons[subject] = person
            changed.append(("persons", _row(person)))
        elif stmt.type == "key.bound":
            public = base64.b64decode(body["public_key"])
            key = KeyRecord(body["key_id"], subject, public, seq, stmt.recorded_at)
            self.keys[key.key_id] = key
            changed.append(("keys", _row(key)))
        elif stmt.type == "key.revoked":
            effective = format_utc(parse_time(body["effective_at"], where="effective_at"))
            key = replace(
                self.keys[body["key_id"]],
                revoked_seq=seq,
                revoked_at=effective,
                revoked_reason=body["reason"],
            )
            self.keys[key.key_id] = key
            changed.append(("keys", _row(key)))
        elif stmt.type == "organ.created":
            organ = OrganRecord(subject, body["name"], body["kind"], seq)
            self.organs[subject] = organ
            changed.append(("organs", _row(organ)))
        elif stmt.type == "membership.started":
            record = MembershipRecord(subject, body["organ"], body["role"], body["from"], seq)
            self.memberships[_membership_key(record)] = record
            changed.append(("memberships", _row(record)))
        elif stmt.type == "membership.ended":
            current = self.active_membership(subject, body["organ"], body["role"])
            assert current is not None
            record = replace(current, end=body["to"], ended_seq=seq)
            self.memberships[_membership_key(record)] = record
            changed.append(("memberships", _row(record)))
        return changed + self.procedure.apply(stmt)

    def table_rows(self) -> dict[str, list[Row]]:
        """Return every derived row, per table, sorted: what the derived tables must hold."""
        return {
            "persons": sorted(_row(p) for p in self.persons.values()),
            "keys": sorted(_row(k) for k in self.keys.values()),
            "organs": sorted(_row(o) for o in self.organs.values()),
            "memberships": sorted(_row(m) for m in self.memberships.values()),
            **self.procedure.table_rows(),
        }

    @classmethod
    def from_rows(cls, genesis: Statement, rows: dict[str, list[Row]]) -> Directory:
        """Rebuild a directory from the genesis statement and the stored derived rows."""
        directory = cls()
        directory._signed = None
        directory.origin = genesis.body["origin"]
        directory.organisation = genesis.body["organisation"]
        directory.registrar = genesis.body["registrar"]["id"]
        for row in rows["persons"]:
            directory.persons[row[0]] = PersonRecord(*row)
        for row in rows["keys"]:
            directory.keys[row[0]] = KeyRecord(*row)
        for row in rows["organs"]:
            directory.organs[row[0]] = OrganRecord(*row)
        for row in rows["memberships"]:
            record = MembershipRecord(*row)
            directory.memberships[_membership_key(record)] = record
        return directory


def _by_bound(record: KeyRecord) -> int:
    return record.bound_seq


def _membership_key(record: MembershipRecord) -> tuple[str, str, str, int]:
    return (record.person, record.organ, record.role, record.started_seq)


def _row(record: PersonRecord | KeyRecord | OrganRecord | MembershipRecord) -> Row:
    return tuple(getattr(record, name) for name in record.__slots__)
