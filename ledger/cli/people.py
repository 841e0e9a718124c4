"""`ledger person …` and `ledger key …`: the register of people and their keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ledger.cli.context import key_prompt, now, open_ledger, passphrase
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import data, info

if TYPE_CHECKING:
    from ledger.entry import SignedEntry

person_app = typer.Typer(help="People in the register (never removed).", no_args_is_help=True)
key_app = typer.Typer(help="Signing keys: create, bind, revoke, list.", no_args_is_help=True)

AsOption = Annotated[
    str | None, typer.Option("--as", help="Registrar's person id. [default: the registrar]")
]


def _recorded(entry: SignedEntry) -> None:
    info(f"recorded {entry.statement.type} for {entry.statement.subject} as seq {entry.seq}")
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
    from ledger.app import identity

    with open_ledger(ctx) as ledger:
        who = identity.registrar(ledger, actor)
        entry = identity.register_person(
            ledger, person_id, name, actor=who, passphrase=key_prompt(who)
        )
    _recorded(entry)


@person_app.command("list")
@handles_ledger_errors
def person_list(ctx: typer.Context) -> None:
    """List registered people: id, name, seq registered, valid keys.

    Example: ledger person list
    """
    from ledger.app import identity

    with open_ledger(ctx) as ledger:
        found = identity.persons(ledger)
    for person, name, seq, valid in found:
        data(f"{person}\t{name}\t{seq}\t{','.join(k[:12] for k in valid) or '-'}")


@key_app.command("new")
@handles_ledger_errors
def key_new(
    ctx: typer.Context,
    person: Annotated[str, typer.Option("--for", help="The person who will hold the key.")],
) -> None:
    """Create a key for PERSON in the key directory, and a request for the registrar to bind.

    Example: ledger key new --for wang.fang
    """
    from ledger.app import identity
    from ledger.errors import InputError

    with open_ledger(ctx) as ledger:
        if person not in {p[0] for p in identity.persons(ledger)}:
            raise InputError(f"{person!r} is not a registered person", where="--for")
        secret = passphrase(f"New passphrase for {person}'s key", confirm=True)
        key, _ = identity.new_key(ledger, person, secret)
    info(f"created key {key.key_id} for {person}; bind it with: ledger key bind {key.key_id}")
    data(key.key_id)


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
    from ledger.app import identity

    with open_ledger(ctx) as ledger:
        who = identity.registrar(ledger, actor)
        entry = identity.bind_key(ledger, request, actor=who, passphrase=key_prompt(who))
    _recorded(entry)


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
    from ledger.app import identity
    from ledger.entry import DEFAULT_ZONE, format_utc, parse_time
    from ledger.errors import seq_list

    # to the microsecond: an entry signed a moment ago, in the same second, stays valid
    when = effective_at or now().astimezone(DEFAULT_ZONE).isoformat()
    with open_ledger(ctx) as ledger:
        found = identity.revocation(ledger, key_id, reason, when)
        if found.repudiated:
            since = format_utc(parse_time(when, where="--effective-at"))
            count = len(found.repudiated)
            info(
                f"key {found.body['key_id'][:12]}… of {found.person} signed {count} "
                f"entr{'y' if count == 1 else 'ies'} recorded at or after {since}; "
                f"the revocation repudiates seq {seq_list(found.repudiated, shown=50)}"
            )
        who = identity.registrar(ledger, actor)
        entry = identity.registrar_record(
            ledger, "key.revoked", found.person, found.body, actor=who, passphrase=key_prompt(who)
        )
    _recorded(entry)


@key_app.command("list")
@handles_ledger_errors
def key_list(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option(help="Only this person's keys.")] = None,
) -> None:
    """List bound keys: id, person, seq bound, status, and whether its file is here.

    Example: ledger key list --person wang.fang
    """
    from ledger.app import identity

    with open_ledger(ctx) as ledger:
        rows = identity.bound_keys(ledger, person)
    for key in rows:
        status = "valid" if key.revoked_at is None else f"revoked-from:{key.revoked_at}"
        local = "local" if key.here else "-"
        data(f"{key.key_id}\t{key.person}\t{key.bound_seq}\t{status}\t{local}")
