"""`ledger tui`: the terminal UI (the `tui` package is imported only when it runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.context import state
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import info


@handles_ledger_errors
def tui(
    ctx: typer.Context,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="zh-Hant|zh-Hans|en",
            help="Language of the interface. [env: LEDGER_LANG; else `lang` in settings.toml "
            "in the ledger's home, else the locale, else en]",
            show_default=False,
        ),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Build the demo ledger (as `ledger demo`) and open it."),
    ] = False,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where --demo builds the demo ledger.")
    ] = Path("ledger-demo"),
) -> None:
    """Open the terminal UI: dashboard, decisions, people, verify, checkpoints, recording.

    Keys: d dashboard, l decisions, p people, v verify, c checkpoint, r record, m meeting,
    u who am I, ctrl+p all commands, q quit.

    Example: ledger tui --demo --lang zh-Hans
    """
    from ledger.app import Ledger
    from tui.i18n import CatalogError, resolve_language

    try:
        language = resolve_language(lang)
    except CatalogError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None
    settings = state(ctx).settings()
    db, key_dir = settings.db, settings.key_dir
    if demo:
        from ledger.app import demo as demo_ledger

        info(f"building the demo ledger in {directory}/ …")
        built = demo_ledger.build(directory)
        info(f"demo passphrase for every key: {built.passphrase}")
        db, key_dir = str(built.db), built.key_dir
    with Ledger.open(db, key_dir=key_dir) as ledger:
        from tui.app import LedgerApp

        LedgerApp(ledger, language=language).run()


def register(app: typer.Typer) -> None:
    """Add `ledger tui` to the root app."""
    app.command()(tui)
