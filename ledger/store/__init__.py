"""Storage: the SQL store and its factory."""

from __future__ import annotations

from ledger.store.engine import url_for
from ledger.store.repository import Head, SqlStore, StoredRow, WriteTx


def open_store(db: str) -> SqlStore:
    """Open the existing ledger at `db` (a path or a URL).

    Raises:
        ConfigError, LedgerNotFoundError, StoreError.
    """
    return SqlStore.open(url_for(db))


def create_store(db: str) -> SqlStore:
    """Create an empty ledger at `db` (a path or a URL).

    Raises:
        ConfigError, StoreError.
    """
    return SqlStore.create(url_for(db))


__all__ = ["Head", "SqlStore", "StoredRow", "WriteTx", "create_store", "open_store", "url_for"]
