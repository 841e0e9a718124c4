"""`ledger witnesses …`: the witnesses this ledger submits its checkpoints to, and how many must
cosign (the bureau's side; `ledger witness …` is the auditor's)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from ledger.cli.context import open_ledger
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import data, info
from ledger.cli.params import natural

if TYPE_CHECKING:
    from ledger.app import Ledger
    from ledger.checkpoints.witnesses import Collection

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of the text form.")]

witnesses_app = typer.Typer(
    help="The witnesses this ledger's checkpoints are submitted to, and the policy.",
    no_args_is_help=True,
)


@witnesses_app.command("add")
@handles_ledger_errors
def witnesses_add(
    ctx: typer.Context,
    vkey: Annotated[str, typer.Argument(metavar="VKEY", help="The witness's verifier key.")],
    url: Annotated[str, typer.Option(help="Its submission URL (POST URL/add-checkpoint).")],
) -> None:
    """Submit every checkpoint to this witness from now on (or give it a new URL).

    Example: ledger witnesses add legal.example/w1+1a2b3c4d+BA… --url https://w1.legal.example
    """
    from ledger.app import witnesses
    from ledger.note import VerifierKey

    key = VerifierKey.parse(vkey, where="VKEY")
    with open_ledger(ctx) as ledger:
        config = witnesses.add(ledger, key, url)
    info(f"{len(config.witnesses)} witness(es), {config.quorum} cosignature(s) needed")


@witnesses_app.command("remove")
@handles_ledger_errors
def witnesses_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The witness's name.")],
) -> None:
    """Stop submitting checkpoints to a witness.

    Example: ledger witnesses remove legal.example/w1
    """
    from ledger.app import witnesses

    with open_ledger(ctx) as ledger:
        config = witnesses.remove(ledger, name)
    info(f"{len(config.witnesses)} witness(es), {config.quorum} cosignature(s) needed")


@witnesses_app.command("policy")
@handles_ledger_errors
def witnesses_policy(
    ctx: typer.Context,
    quorum: Annotated[
        int, typer.Argument(metavar="K", parser=natural, help="Cosignatures each checkpoint needs.")
    ],
) -> None:
    """Require K of the listed witnesses to cosign each checkpoint.

    Example: ledger witnesses policy 2
    """
    from ledger.app import witnesses

    with open_ledger(ctx) as ledger:
        config = witnesses.policy(ledger, quorum)
    info(f"{config.quorum} of {len(config.witnesses)} witness(es) must cosign each checkpoint")


@witnesses_app.command("list")
@handles_ledger_errors
def witnesses_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the witnesses: name, URL, the last size each cosigned; and the policy.

    Example: ledger witnesses list
    """
    from ledger.app import witnesses

    with open_ledger(ctx) as ledger:
        rows, quorum = witnesses.status(ledger)
    if as_json:
        value = {"quorum": quorum, "witnesses": [row.__dict__ for row in rows]}
        data(json.dumps(value, ensure_ascii=False))
        return
    for row in rows:
        data(f"{row.name}\t{row.url}\t{row.cosigned}\t{row.key}")
    info(f"policy: {quorum} of {len(rows)} witness(es) must cosign each checkpoint")


def collect_and_report(ledger: Ledger, size: int) -> Collection | None:
    """Submit the checkpoint of `size` to the ledger's witnesses and say, on stderr, which
    cosigned and whether the policy is met."""
    from ledger.app import witnesses

    collection = witnesses.collect(ledger, size)
    if collection is None:
        return None
    for outcome in collection.outcomes:
        info(f"witness {outcome.witness}: {outcome.detail}")
    total = len(collection.outcomes)
    info(witnesses.policy_words(collection, total))
    return collection


def register(app: typer.Typer) -> None:
    """Add `ledger witnesses …` to the root app."""
    app.add_typer(witnesses_app, name="witnesses")
