"""Who the ledger is and who signs in it: creating a ledger (its genesis names the registrar),
people and their keys, a new key's request, which entries a revocation repudiates."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from keys import KeyStore, SigningKey, key_id
from ledger.app.appending import record_as
from ledger.app.ledger import Ledger, Passphrase
from ledger.append import Draft, append_batch, check_id
from ledger.checkpoints import check_origin
from ledger.entry import HEX64, SignedEntry, format_utc, parse_time, possession_message
from ledger.errors import InputError, LedgerError, RefusedError, StoreError
from ledger.procedure.profile import EDITION_2_PROFILE_NAME
from ledger.registry import lookup
from ledger.store import SqlStore, create_store, url_for
from ledger.store.engine import sqlite_path
from ledger.types import GENESIS

DEFAULT_RULE_PROFILE = EDITION_2_PROFILE_NAME


@dataclass(frozen=True)
class LedgerIdentity:
    """What the genesis entry says about the ledger: its name, its body and its registrar."""

    origin: str
    organisation: str
    registrar_id: str
    registrar_name: str
    rule_profile: str = DEFAULT_RULE_PROFILE

    def genesis_body(self, public_key: bytes) -> dict[str, Any]:
        """Return the genesis body naming the registrar's key `public_key`."""
        return {
            "origin": self.origin,
            "organisation": self.organisation,
            "registrar": {"id": self.registrar_id, "name": self.registrar_name},
            "registrar_key": {
                "key_id": key_id(public_key),
                "public_key": base64.b64encode(public_key).decode(),
            },
            "rule_profile": self.rule_profile,
        }


_INIT_OPTIONS = {"origin": "--origin", "organisation": "--organisation"}


def check_init(*, db: str, identity: LedgerIdentity) -> None:
    """Check everything `init_ledger` needs, before any key or file is made.

    Raises:
        InputError: a bad origin, id or name. StoreError: the database exists already, or
        its directory cannot be written. ConfigError: an unusable --db.
    """
    check_id(identity.registrar_id, where="--registrar-id")
    try:
        lookup(GENESIS).validate(identity.genesis_body(bytes(32)))
    except InputError as exc:
        field = (exc.where or "").removeprefix("body.").split(".")[0]
        where = _INIT_OPTIONS.get(field, "--registrar-name")
        raise InputError(exc.message, where=where) from None
    path = sqlite_path(url_for(db))
    if path is not None:
        if path.exists():
            raise StoreError(f"{path} already exists; refusing to overwrite it")
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK):
            raise StoreError(f"cannot create {path}: {parent} is not a writable directory")


def init_ledger(
    *, db: str, identity: LedgerIdentity, registrar_key: SigningKey, now: datetime
) -> tuple[SqlStore, SignedEntry]:
    """Create a ledger whose genesis entry names the registrar and their key (self-signed).

    Raises:
        InputError: a bad origin, id or name; nothing is created.
        StoreError: a ledger already exists there, or the database cannot be created.
    """
    check_init(db=db, identity=identity)
    body = identity.genesis_body(registrar_key.public_key)
    store = create_store(db)
    registrar = identity.registrar_id
    draft = Draft(GENESIS, registrar, body, registrar, registrar_key)
    try:
        entries = append_batch(store=store, drafts=[draft], now=now)
    except LedgerError:
        store.close()
        path = sqlite_path(url_for(db))
        if path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return store, entries[0]


def create(
    *, db: str, key_dir: Path, identity: LedgerIdentity, secret: str, now: datetime
) -> tuple[SignedEntry, Path]:
    """Create the registrar's key in `key_dir` under `secret`, then the ledger at `db` whose
    genesis names it; the genesis entry and the key's file. A key no ledger came to name is
    removed again.

    Raises:
        InputError, StoreError: as `init_ledger`; nothing is left behind.
    """
    check_origin(identity.origin, where="--origin")  # a name every checkpoint can carry
    key = SigningKey.generate()
    keystore = KeyStore(key_dir)
    key_file = keystore.save(key, secret)
    try:
        store, genesis = init_ledger(db=db, identity=identity, registrar_key=key, now=now)
    except LedgerError:
        keystore.discard(key.key_id)  # never used: no ledger names it
        raise
    store.close()
    return genesis, key_file


@dataclass(frozen=True)
class PersonChoice:
    """Someone who can unlock: their id, name, and whether one of their keys is here."""

    id: str
    name: str
    key_here: bool


def people(ledger: Ledger) -> list[PersonChoice]:
    """Everyone registered, by id, and whether one of their valid keys is in the key dir."""
    directory = ledger.store.directory()
    here = set(ledger.keystore.list_ids()) if ledger.keystore is not None else set()
    choices = []
    for person in sorted(directory.persons.values(), key=lambda p: p.id):
        valid = {k.key_id for k in directory.valid_keys(person.id)}
        choices.append(PersonChoice(person.id, person.name, bool(valid & here)))
    return choices


def key_request(ledger: Ledger, *, key: SigningKey, person: str) -> dict[str, Any]:
    """Make the `key.bound` request for a new key: its public key and proof of possession.

    The registrar appends it with `bind_key`; the private key never leaves its holder.
    """
    origin = ledger.store.directory().origin
    assert origin is not None
    proof = key.sign(possession_message(origin, person, key.key_id))
    return {
        "origin": origin,
        "person": person,
        "body": {
            "key_id": key.key_id,
            "public_key": base64.b64encode(key.public_key).decode(),
            "proof_of_possession": base64.b64encode(proof).decode(),
        },
    }


def read_key_request(path: Path) -> dict[str, Any]:
    """Read a key request written by `ledger key new`.

    Raises:
        InputError: the file is missing or not a key request.
    """
    from ledger import inputs

    raw = inputs.read_file(path, limit=inputs.MAX_TEXT_FILE)
    request = inputs.parse_json(raw, where=str(path))
    if not isinstance(request, dict) or set(request) != {"origin", "person", "body"}:
        raise InputError("not a key request (want origin, person, body)", where=str(path))
    for name in ("origin", "person"):
        if not isinstance(request[name], str):
            raise InputError(f"not a key request: {name} is not a string", where=str(path))
    if not isinstance(request["body"], dict):
        raise InputError("not a key request: body is not an object", where=str(path))
    return request


def repudiation_for(ledger: Ledger, *, key_id: str, effective_at: str) -> list[int]:
    """The entries a revocation of `key_id` from `effective_at` must list as repudiated: those
    signed with the key and recorded at or after that time, ascending.

    Raises:
        InputError: `effective_at` is not a time the ledger accepts (naming --effective-at).
    """
    since = format_utc(parse_time(effective_at, where="--effective-at"))
    return ledger.store.directory().signed_since(key_id, since)


# -- the register: what the registrar records ---------------------------------------------------


def registrar_record(
    ledger: Ledger,
    entry_type: str,
    subject: str,
    body: dict[str, Any],
    *,
    actor: str | None,
    passphrase: Passphrase,
) -> SignedEntry:
    """Record an identity entry signed by the registrar (`actor`, default: the ledger's
    registrar), checked whole before the passphrase is asked (see `appending.record_as`)."""
    who = registrar(ledger, actor)
    return record_as(ledger, entry_type, subject, body, actor=who, passphrase=passphrase)


def registrar(ledger: Ledger, actor: str | None = None) -> str:
    """Who signs as the registrar: `actor`, or the ledger's registrar."""
    return actor or ledger.store.directory().registrar or ""


def register_person(
    ledger: Ledger, person: str, name: str, *, actor: str | None, passphrase: Passphrase
) -> SignedEntry:
    """Register `person` under `name` (`person.registered`). Raises InputError naming `--id`
    for a bad id."""
    check_id(person, where="--id")
    body = {"name": name}
    return registrar_record(
        ledger, "person.registered", person, body, actor=actor, passphrase=passphrase
    )


def new_key(ledger: Ledger, person: str, secret: str) -> tuple[SigningKey, Path]:
    """Create a key for `person` in the key directory under `secret`, and the request the
    registrar binds it with (written beside it); the key and the request's path.

    Raises:
        InputError: `person` is not registered (naming `--for`). RefusedError: no key directory.
    """
    if person not in ledger.store.directory().persons:
        raise InputError(f"{person!r} is not a registered person", where="--for")
    if ledger.keystore is None:
        raise RefusedError("no key directory")
    key = SigningKey.generate()
    ledger.keystore.save(key, secret)
    request = key_request(ledger, key=key, person=person)
    path = request_path(ledger, key.key_id)
    path.write_text(json.dumps(request, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return key, path


def request_path(ledger: Ledger, kid: str) -> Path:
    """Where `new_key` writes the request of key `kid`."""
    directory = ledger.keystore.directory if ledger.keystore is not None else Path(".")
    return directory / f"{kid}.request.json"


def bind_key(
    ledger: Ledger, request: str, *, actor: str | None, passphrase: Passphrase
) -> SignedEntry:
    """Bind the key of `request` (a request file, or the key id `new_key` wrote one for) to its
    person (`key.bound`; the ledger checks its proof of possession).

    Raises:
        InputError: not a key request, or one for another ledger.
    """
    path = Path(request)
    if not os.path.lexists(path) and HEX64.fullmatch(request.lower()):
        path = request_path(ledger, request.lower())
    content = read_key_request(path)
    origin = ledger.store.directory().origin
    if content["origin"] != origin:
        raise InputError(
            f"the request was made for ledger {content['origin']!r}, not {origin!r}",
            where=str(path),
        )
    return registrar_record(
        ledger,
        "key.bound",
        str(content["person"]),
        content["body"],
        actor=actor,
        passphrase=passphrase,
    )


@dataclass(frozen=True)
class Revocation:
    """A `key.revoked` as the registrar is about to sign it: whose key, and the entries it
    repudiates (signed with the key at or after the time it takes effect)."""

    person: str
    body: dict[str, Any]
    repudiated: list[int]


def revocation(ledger: Ledger, key_id: str, reason: str, effective_at: str) -> Revocation:
    """The revocation of `key_id` from `effective_at` (RFC 3339, with its offset).

    Raises:
        InputError: no such key (naming KEY_ID); a bad time (naming --effective-at).
    """
    since = format_utc(parse_time(effective_at, where="--effective-at"))
    directory = ledger.store.directory()
    record = directory.keys.get(key_id.lower())
    if record is None:
        raise InputError(f"no key {key_id} is bound in this ledger", where="KEY_ID")
    body: dict[str, Any] = {
        "key_id": record.key_id,
        "effective_at": effective_at,
        "reason": reason,
    }
    repudiated = directory.signed_since(record.key_id, since)
    if repudiated:
        body["repudiates"] = repudiated
    return Revocation(record.person, body, repudiated)


def persons(ledger: Ledger) -> list[tuple[str, str, int, list[str]]]:
    """Everyone registered, in order of registration: id, name, seq, their valid keys."""
    directory = ledger.store.directory()
    return [
        (
            p.id,
            p.name,
            p.registered_seq,
            [k.key_id for k in directory.valid_keys(p.id)],
        )
        for p in sorted(directory.persons.values(), key=lambda p: p.registered_seq)
    ]


@dataclass(frozen=True)
class KeyRow:
    """A bound key: its id, holder, seq bound, when it was revoked from, and whether its file
    is in the key directory."""

    key_id: str
    person: str
    bound_seq: int
    revoked_at: str | None
    here: bool


def bound_keys(ledger: Ledger, person: str | None = None) -> list[KeyRow]:
    """Every bound key (only `person`'s, when given), in order of binding."""
    directory = ledger.store.directory()
    here = set(ledger.keystore.list_ids()) if ledger.keystore is not None else set()
    return [
        KeyRow(k.key_id, k.person, k.bound_seq, k.revoked_at, k.key_id in here)
        for k in sorted(directory.keys.values(), key=lambda k: k.bound_seq)
        if person is None or k.person == person
    ]


__all__ = [
    "KeyRow",
    "LedgerIdentity",
    "PersonChoice",
    "Revocation",
    "bind_key",
    "bound_keys",
    "new_key",
    "persons",
    "register_person",
    "registrar",
    "registrar_record",
    "request_path",
    "revocation",
    "check_init",
    "create",
    "init_ledger",
    "key_request",
    "people",
    "read_key_request",
    "repudiation_for",
]
