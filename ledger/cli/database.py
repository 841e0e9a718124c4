"""`ledger db upgrade`, `ledger db grant` and `ledger migrate`: the ledger's schema, where it
lives, and who may write it."""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli.context import state
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import data, info

db_app = typer.Typer(
    help="The ledger's database: its schema revision, and (PostgreSQL) the privileges of the "
    "role recorders connect as.",
    no_args_is_help=True,
)


@db_app.command("upgrade")
@handles_ledger_errors
def upgrade(ctx: typer.Context) -> None:
    """Bring the ledger's tables to this release's schema revision: verify the ledger first
    (exit 3 if it fails, nothing changed), then apply every pending migration in one
    transaction. Stop the recorders first; on PostgreSQL connect as the tables' owner. Running
    it again changes nothing.

    Example: ledger --db bureau.db db upgrade
    """
    from ledger.app import database

    done = database.upgrade_ledger(db=state(ctx).settings().db)
    verified = f"{done.entries} entries verified, head {done.head}"
    if done.changed:
        data(f"ok: upgraded from {done.before} to revision {done.after} ({verified})")
    else:
        data(f"ok: already at revision {done.after} ({verified}); nothing to do")


@db_app.command("grant")
@handles_ledger_errors
def grant(
    ctx: typer.Context,
    role: Annotated[str, typer.Argument(help="The role recorders connect as, e.g. ledger_app.")],
    execute: Annotated[
        bool,
        typer.Option(
            "--execute", help="Run the SQL on --db (connected as the tables' owner); else print it."
        ),
    ] = False,
) -> None:
    """Give ROLE INSERT and SELECT only on entries and blobs (and write access to the derived
    tables): the server then refuses that role any UPDATE, DELETE or TRUNCATE of signed data.

    Prints the SQL, for a database administrator to review and run; --execute runs it.

    Example: ledger --db postgresql+psycopg://owner@db.example/ledger db grant ledger_app
    """
    from ledger.app import database

    statements = database.grant_statements(db=state(ctx).settings().db, role=role, execute=execute)
    for statement in statements:
        data(f"{statement};")
    if execute:
        info(f"granted: {role} may insert and read entries and blobs, never change them")


@handles_ledger_errors
def migrate(
    source: Annotated[str, typer.Option("--from", metavar="PATH|URL", help="The ledger to copy.")],
    target: Annotated[
        str,
        typer.Option("--to", metavar="PATH|URL", help="Where to put the copy (must hold none)."),
    ],
) -> None:
    """Copy a ledger byte for byte to another database (SQLite file or PostgreSQL), verify
    both and check they reach the same head. Stop the recorders first.

    Example: ledger migrate --from bureau.db --to postgresql+psycopg://owner@db.example/ledger
    """
    from ledger.app import database
    from ledger.app.database import safe_url

    info(f"copying {safe_url(source)} to {safe_url(target)} …")
    moved = database.migrate_ledger(source=source, target=target)
    for name, count in moved.rows.items():
        info(f"  {name}: {count:,} rows")
    root = f", Merkle root {moved.root}" if moved.root else ""
    data(f"ok: {moved.entries} entries copied; both verify to head {moved.head}{root}")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(db_app, name="db")
    app.command()(migrate)
