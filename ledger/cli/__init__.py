"""The `ledger` command line (Typer). Exports the console-script target `app`."""

from ledger.cli.app import app

__all__ = ["app"]
