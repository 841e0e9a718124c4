"""`ledger blob add|get`: content-addressed documents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.context import open_ledger
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import Output, data, info

blob_app = typer.Typer(help="Documents stored by their SHA-256.", no_args_is_help=True)


@blob_app.command("add")
@handles_ledger_errors
def add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The document to store.")],
) -> None:
    """Store a document and print its SHA-256, for use in entry bodies.

    Example: ledger blob add draft-v2.pdf
    """
    from ledger import inputs
    from ledger.app import entries

    content = inputs.read_file(file, limit=inputs.MAX_DOCUMENT)
    with open_ledger(ctx) as ledger:
        digest = entries.add_blob(ledger, content)
    info(f"stored {file} ({len(content)} bytes)")
    data(digest)


@blob_app.command("get")
@handles_ledger_errors
def get(
    ctx: typer.Context,
    sha256: Annotated[str, typer.Argument(help="The document's SHA-256 hex.")],
    out: Annotated[Path | None, typer.Option(help="Write to this file, not stdout.")] = None,
) -> None:
    """Write a stored document to stdout or to --out.

    Example: ledger blob get 9f3c… --out draft.pdf
    """
    from ledger.app import entries

    with Output(out) as output:
        with open_ledger(ctx) as ledger:
            content = entries.get_blob(ledger, sha256.lower())
        output.emit(content)
