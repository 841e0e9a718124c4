"""The root `ledger` command: shared options, and the command groups joined together.

Heavy modules (SQLModel, the store, cryptography) are imported inside commands, so that
`ledger --help` stays quick.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli import (
    blobs,
    checkpoints,
    database,
    decisions,
    entries,
    exports,
    monitor,
    people,
    publish,
    setup,
    witness,
    witnesses,
)
from ledger.cli import tui as tui_command
from ledger.cli.context import State
from ledger.cli.exit_codes import EPILOG

app = typer.Typer(
    name="ledger",
    help="The accountability ledger for major collective decisions: signed, hash-chained, "
    "append-only, verifiable offline.",
    epilog=EPILOG,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from ledger import __version__
        from ledger.entry import FORMAT_VERSION

        typer.echo(f"ledger {__version__} (entry format {FORMAT_VERSION})")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH|URL",
            help="Ledger database: a file path or a URL. [env: LEDGER_DB; default: ledger.db "
            "in the user's data directory]",
            show_default=False,
        ),
    ] = None,
    key_dir: Annotated[
        str | None,
        typer.Option(
            "--key-dir",
            metavar="DIR",
            help="Directory of encrypted key files. [env: LEDGER_KEY_DIR; default: keys/ in "
            "the user's data directory]",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and the entry format it writes, and exit.",
            callback=_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Record and verify major decisions. Start with `ledger demo`."""
    ctx.obj = State(db=db, key_dir=key_dir)


setup.register(app)
entries.register(app)
app.add_typer(people.person_app, name="person")
app.add_typer(people.key_app, name="key")
app.add_typer(blobs.blob_app, name="blob")
decisions.register(app)
checkpoints.register(app)
witness.register(app)
publish.register(app)
witnesses.register(app)
monitor.register(app)
database.register(app)
exports.register(app)
tui_command.register(app)
