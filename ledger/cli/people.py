"""`ledger person …` and `ledger key …`: the register of people and their keys."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ledger.cli.context import now, passphrase, state
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import data, info

if TYPE_CHECKING:
    from keys import KeyStore
    from ledger.authority import Directory

person_app = typer.Typer(help="People in the register (never removed).", no_args_is_help=True)
key_app = typer.Typer(help="Signing keys: create, bind, revoke, list.", no_args_is_help=True)

AsOption = Annotated[
    str | None, typer.Option("--as", help="Registrar's person id. [default: the registrar]")
]


Prepare = Callable[["Directory"], tuple[str, dict[str, Any]]]


def _registrar_append(
    ctx: typer.Context, actor: str | None, entry_type: str, prepare: Prepare
) -> None:
    """Append an identity entry signed by the registrar, and report it.

    `prepare` gets the register as it stands and returns the entry's subject and body (or
    raises InputError), so each command opens the ledger once.
    """
    from keys import KeyStore
    from ledger import service

    settings = state(ctx).settings()
    store = service.open_ledger(settings.db)
    try:
        directory = store.directory()
        subject, body = prepare(directory)
        service.lookup_type(entry_type).validate(body)
        who = actor or directory.registrar or ""
        signer = service.unlock(
            store=store,
            keystore=KeyStore(settings.key_dir),
            person=who,
            passphrase=lambda: passphrase(f"Passphrase for {who}'s key"),
        )
        draft = service.Draft(entry_type, subject, body, who, signer)
        entry = service.append_entry(store=store, draft=draft, now=now())
    finally:
        store.close()
    info(f"recorded {entry_type} for {subject} as seq {entry.seq}")
    data(f"{entry.seq}\t{entry.leaf_hash}")


@person_app.command("add")
@handles_ledger_errors
def person_add(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Option("--id", help="Permanent person id, e.g. wang.fang")],
    name: Annotated[str, typer.Option(help="Full name, e.g. 王芳")],
    actor: AsOption = None,
) -> None:
    """Register a person (signed by the registrar).

    Example: ledger person add --id wang.fang --name 王芳
    """
    from ledger import service

    service.check_id(person_id, where="--id")
    _registrar_append(ctx, actor, "person.registered", lambda _: (person_id, {"name": name}))


@person_app.command("list")
@handles_ledger_errors
def person_list(ctx: typer.Context) -> None:
    """List registered people: id, name, seq registered, valid keys.

    Example: ledger person list
    """
    from ledger import service

    store = service.open_ledger(state(ctx).settings().db)
    directory = store.directory()
    store.close()
    for person in sorted(directory.persons.values(), key=lambda p: p.registered_seq):
        valid = [k.key_id[:12] for k in directory.keys_of(person.id) if k.revoked_seq is None]
        data(f"{person.id}\t{person.name}\t{person.registered_seq}\t{','.join(valid) or '-'}")


@key_app.command("new")
@handles_ledger_errors
def key_new(
    ctx: typer.Context,
    person: Annotated[str, typer.Option("--for", help="The person who will hold the key.")],
) -> None:
    """Create a key for PERSON in the key directory, and a request for the registrar to bind.

    Example: ledger key new --for wang.fang
    """
    from keys import KeyStore, SigningKey
    from ledger import service
    from ledger.errors import InputError

    settings = state(ctx).settings()
    store = service.open_ledger(settings.db)
    if person not in store.directory().persons:
        raise InputError(f"{person!r} is not a registered person", where="--for")
    secret = passphrase(f"New passphrase for {person}'s key", confirm=True)
    key = SigningKey.generate()
    keystore = KeyStore(settings.key_dir)
    keystore.save(key, secret)
    request = service.key_request(store=store, key=key, person=person)
    store.close()
    path = _request_path(keystore, key.key_id)
    path.write_text(json.dumps(request, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    info(f"created key {key.key_id} for {person}; bind it with: ledger key bind {key.key_id}")
    data(key.key_id)


def _request_path(keystore: KeyStore, kid: str) -> Path:
    return keystore.directory / f"{kid}.request.json"


@key_app.command("bind")
@handles_ledger_errors
def key_bind(
    ctx: typer.Context,
    request: Annotated[
        str, typer.Argument(help="A key id from `ledger key new`, or its request file.")
    ],
    actor: AsOption = None,
) -> None:
    """Bind a new key to its person (signed by the registrar; checks proof of possession).

    Example: ledger key bind 3fa2…  (the key id printed by `ledger key new`)
    """
    from keys import KeyStore
    from ledger import service
    from ledger.entry import HEX64
    from ledger.errors import InputError

    settings = state(ctx).settings()
    path = Path(request)
    if not os.path.lexists(path) and HEX64.fullmatch(request.lower()):
        path = _request_path(KeyStore(settings.key_dir), request.lower())
    content = service.read_key_request(path)

    def prepare(directory: Directory) -> tuple[str, dict[str, Any]]:
        if content["origin"] != directory.origin:
            raise InputError(
                f"the request was made for ledger {content['origin']!r}, not {directory.origin!r}",
                where=str(path),
            )
        return str(content["person"]), content["body"]

    _registrar_append(ctx, actor, "key.bound", prepare)


@key_app.command("revoke")
@handles_ledger_errors
def key_revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key to revoke (full hex id).")],
    reason: Annotated[str, typer.Option(help="Why, e.g. 'device lost', 'post changed'.")],
    effective_at: Annotated[
        str | None,
        typer.Option(
            help="From when, RFC 3339 with offset, years 1900–2200; may be in the past "
            "(a key stolen before it was reported). [default: now]"
        ),
    ] = None,
    actor: AsOption = None,
) -> None:
    """Revoke a key: entries recorded from --effective-at on may not use it.

    A revocation backdated before entries already signed with the key lists those entries as
    repudiated (they stay in the ledger; `ledger check` and `ledger trace` mark them). The
    list is computed here and printed; a revocation that does not list exactly those entries
    is refused, and `ledger verify` reports one that got in another way.

    Example: ledger key revoke 3fa2… --reason "stolen" --effective-at 2020-07-01T08:00:00+08:00
    """
    from ledger.entry import DEFAULT_ZONE, format_utc, parse_time
    from ledger.errors import InputError, seq_list

    # to the microsecond: an entry signed a moment ago, in the same second, stays valid
    when = effective_at or now().astimezone(DEFAULT_ZONE).isoformat()
    since = format_utc(parse_time(when, where="--effective-at"))

    def prepare(directory: Directory) -> tuple[str, dict[str, Any]]:
        record = directory.keys.get(key_id.lower())
        if record is None:
            raise InputError(f"no key {key_id} is bound in this ledger", where="KEY_ID")
        body: dict[str, Any] = {"key_id": record.key_id, "effective_at": when, "reason": reason}
        repudiated = directory.signed_since(record.key_id, since)
        if repudiated:
            body["repudiates"] = repudiated
            info(
                f"key {record.key_id[:12]}… of {record.person} signed {len(repudiated)} "
                f"entr{'y' if len(repudiated) == 1 else 'ies'} recorded at or after {since}; "
                f"the revocation repudiates seq {seq_list(repudiated, shown=50)}"
            )
        return record.person, body

    _registrar_append(ctx, actor, "key.revoked", prepare)


@key_app.command("list")
@handles_ledger_errors
def key_list(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option(help="Only this person's keys.")] = None,
) -> None:
    """List bound keys: id, person, seq bound, status, and whether its file is here.

    Example: ledger key list --person wang.fang
    """
    from keys import KeyStore
    from ledger import service

    settings = state(ctx).settings()
    store = service.open_ledger(settings.db)
    directory = store.directory()
    store.close()
    keystore = KeyStore(settings.key_dir)
    for key in sorted(directory.keys.values(), key=lambda k: k.bound_seq):
        if person is not None and key.person != person:
            continue
        status = "valid" if key.revoked_at is None else f"revoked-from:{key.revoked_at}"
        local = "local" if keystore.has(key.key_id) else "-"
        data(f"{key.key_id}\t{key.person}\t{key.bound_seq}\t{status}\t{local}")
