"""Publishing the ledger as a tlog-tiles directory (the work is `ledger.publish`')."""

from __future__ import annotations

from pathlib import Path

from ledger import publish as tiles_publish
from ledger.app.ledger import Ledger
from ledger.publish import Published


def publish(ledger: Ledger, directory: Path) -> Published:
    """Write the latest stored checkpoint, its tiles and entries into `directory`."""
    return tiles_publish.publish(store=ledger.store, directory=directory)


__all__ = ["Published", "publish"]
