"""`ledger monitor`: an auditor follows a published ledger over HTTP and verifies it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import info


@handles_ledger_errors
def monitor(
    url: Annotated[str, typer.Argument(metavar="URL", help="Where the ledger is published.")],
    log_key: Annotated[
        str, typer.Option("--log-key", metavar="VKEY", help="The ledger's verifier key.")
    ],
    witness_key: Annotated[
        list[str] | None,
        typer.Option("--witness-key", metavar="VKEY", help="A witness's key (repeatable)."),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(
            "--quorum",
            metavar="K",
            help="Cosignatures needed among the --witness-key's. [default: all of them]",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="DIR",
            help="The monitor's state. [env: LEDGER_MONITOR_DIR; default: monitor/ in the "
            "user's data directory]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Follow a published ledger: check its checkpoint (signature, cosignatures, policy) and
    that it extends the last one verified here, then verify every new entry as `ledger verify`
    does. Exits 3 naming the seq or size on a fork, rollback, bad entry or policy failure; the
    state is kept only after a clean run.

    Example: ledger monitor https://edu.example-district.gov.cn/decisions --log-key edu…+…
    """
    from ledger import monitor as work
    from ledger.errors import InputError
    from ledger.note import VerifierKey
    from ledger.settings import default_home

    key = VerifierKey.parse(log_key, where="--log-key")
    witnesses = [VerifierKey.parse(v, where="--witness-key") for v in witness_key or []]
    if quorum is not None and not 0 <= quorum <= len(witnesses):
        raise InputError(
            f"{quorum} cosignatures cannot be had from {len(witnesses)} --witness-key(s)",
            where="--quorum",
        )
    chosen = state or os.environ.get("LEDGER_MONITOR_DIR")
    directory = Path(chosen).expanduser() if chosen else default_home() / "monitor"
    done = work.follow(
        url=url, log_key=key, witness_keys=witnesses, quorum=quorum, state_dir=directory
    )
    if done.cosigned_by:
        info(f"cosigned by {', '.join(sorted(done.cosigned_by))}")
    if done.entries:
        info(
            f"verified size {done.size} ({done.entries} new entries, from size {done.previous}): ok"
        )
    else:
        info(f"size {done.size}, as verified before: ok")


def register(app: typer.Typer) -> None:
    """Add `ledger monitor` to the root app."""
    app.command("monitor")(monitor)
