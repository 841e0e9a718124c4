"""`ledger record`, `ledger log` and `ledger show`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ledger.cli.context import check_options, key_prompt, load_body, open_ledger
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import data, entry_json, info, json_line, short
from ledger.cli.params import natural

if TYPE_CHECKING:
    from ledger.app.entries import StoredRow


def log_line(row: StoredRow) -> str:
    """One entry as a tab-separated line: seq, recorded, type, subject, actor, key, hash."""
    return "\t".join(
        (
            str(row.seq),
            row.recorded_at[:19] + "Z",
            row.type,
            row.subject,
            row.actor,
            short(row.key_id),
            short(row.leaf_hash),
        )
    )


@handles_ledger_errors
def record(
    ctx: typer.Context,
    entry_type: Annotated[str, typer.Argument(metavar="TYPE", help="Entry type, e.g. note.")],
    file: Annotated[
        Path, typer.Option("--file", "-f", help="The body: a .json or .toml file (- for stdin).")
    ],
    actor: Annotated[str, typer.Option("--as", help="Person id of the author; their key signs.")],
    subject: Annotated[
        str, typer.Option(help="What the entry is about: a person, organ or decision id.")
    ],
    occurred_at: Annotated[
        str | None,
        typer.Option(help="Business time, RFC 3339 with offset. [default: now, +08:00]"),
    ] = None,
) -> None:
    """Append one entry of TYPE, signed by the author's key, after validating its body.

    Example: ledger record note --file note.toml --as wang.fang --subject meeting-2020-07
    """
    from ledger.app import appending, entries

    entries.entry_type(entry_type)  # an unknown type is named before the body is read
    body = load_body(file)
    check_options(subject=subject, occurred_at=occurred_at)
    with open_ledger(ctx) as ledger:
        entry = appending.record_as(
            ledger,
            entry_type,
            subject,
            body,
            actor=actor,
            passphrase=key_prompt(actor),
            occurred_at=occurred_at,
        )
    info(f"recorded {entry_type} as seq {entry.seq}")
    data(f"{entry.seq}\t{entry.leaf_hash}")


@handles_ledger_errors
def log(
    ctx: typer.Context,
    entry_type: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only by this person.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Only about this.")] = None,
    since: Annotated[
        int, typer.Option(metavar="SEQ", parser=natural, help="Start at this seq.")
    ] = 0,
    limit: Annotated[
        int | None, typer.Option(metavar="N", parser=natural, help="At most this many entries.")
    ] = None,
    newest_first: Annotated[bool, typer.Option("--newest-first", help="Reverse order.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one entry a line.")] = False,
) -> None:
    """List entries, oldest first: seq, recorded, type, subject, actor, key, leaf hash.

    Example: ledger log --type key.bound --json
    """
    from ledger.app import entries

    with open_ledger(ctx) as ledger:
        rows = entries.list_entries(
            ledger,
            entry_type=entry_type,
            actor=actor,
            subject=subject,
            since=since,
            limit=limit,
            newest_first=newest_first,
        )
        for row in rows:
            if as_json:
                json_line(entry_json(row.seq, row.leaf_hash, row.statement, row.signature))
            else:
                data(log_line(row))


@handles_ledger_errors
def show(
    ctx: typer.Context,
    what: Annotated[
        str,
        typer.Argument(
            metavar="SEQ|decision", help="An entry's seq, or `decision` followed by a decision id."
        ),
    ],
    ident: Annotated[str | None, typer.Argument(metavar="[ID]", help="The decision id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show one entry (statement, leaf hash, signature), or a decision's timeline.

    Example: ledger show 0; ledger show decision d2020-02
    """
    from ledger.app import entries
    from ledger.errors import InputError
    from ledger.inputs import parse_natural

    if what == "decision":
        if ident is None:
            raise InputError("name the decision: ledger show decision ID", where="ID")
        from ledger.cli.decisions import show_decision

        show_decision(ctx, ident, as_json)
        return
    if not what.isdigit() or ident is not None:
        raise InputError(
            f"{what!r} is not a seq; use `ledger show SEQ` or `ledger show decision ID`",
            where="SEQ",
        )
    seq = parse_natural(what, where="SEQ")  # isdigit() also takes `²` and `٣`
    with open_ledger(ctx) as ledger:
        entry = entries.get_entry(ledger, seq)
    rendered = entry_json(entry.seq, entry.leaf_hash, entry.data, entry.signature)
    if as_json:
        json_line(rendered)
        return
    data(json.dumps(rendered["statement"], ensure_ascii=False, indent=2, sort_keys=True))
    data(f"leaf_hash: {entry.leaf_hash}")
    data(f"signature: {rendered['signature']}")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command()(record)
    app.command()(log)
    app.command()(show)
