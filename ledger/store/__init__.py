"""Storage: the SQL store and its factory.

`Connection` is the open transaction `SqlStore.reading()` gives (and `WriteTx.conn` holds):
code outside the store holds one only to pass it back to the store's functions.
"""

from __future__ import annotations

from sqlalchemy import Connection

from ledger.store.engine import url_for
from ledger.store.repository import Head, SqlStore, StoredRow, WriteTx


def open_store(db: str, *, older: bool = False, unknown: bool = False) -> SqlStore:
    """Open the existing ledger at `db` (a path or a URL); see `SqlStore.open`.

    Raises:
        ConfigError, LedgerNotFoundError, SchemaRevisionError, StoreError.
    """
    return SqlStore.open(url_for(db), older=older, unknown=unknown)


def create_store(db: str) -> SqlStore:
    """Create an empty ledger at `db` (a path or a URL).

    Raises:
        ConfigError, StoreError.
    """
    return SqlStore.create(url_for(db))


__all__ = [
    "Connection",
    "Head",
    "SqlStore",
    "StoredRow",
    "WriteTx",
    "create_store",
    "open_store",
    "url_for",
]
