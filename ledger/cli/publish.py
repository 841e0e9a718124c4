"""`ledger publish`: the ledger as a C2SP tlog-tiles directory, for any static web server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.context import open_ledger
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import info


@handles_ledger_errors
def publish(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option("--out", metavar="DIR", help="The directory a web server serves."),
    ],
) -> None:
    """Publish the latest checkpoint, its hash tiles and its entries (tlog-tiles) into DIR.

    Only new and grown tiles are written, each atomically; the checkpoint is replaced last.
    The tiles are checked against the checkpoint's root first: if the entries no longer hash
    to it, nothing is written (exit 3). Run it after each `ledger checkpoint`.

    Example: ledger publish --out /srv/www/decisions
    """
    from ledger.app import publishing

    with open_ledger(ctx) as ledger:
        done = publishing.publish(ledger, out)
    what = "the checkpoint replaced" if done.checkpoint_changed else "the checkpoint unchanged"
    info(
        f"published size {done.size} (before: {done.previous}) into {out}: "
        f"{len(done.written)} file(s) written, {done.unchanged} already there, {what}"
    )


def register(app: typer.Typer) -> None:
    """Add `ledger publish` to the root app."""
    app.command("publish")(publish)
