"""Entries and documents as they are stored: one entry, a filtered stream of them, a blob, a
document attached from a file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger import inputs
from ledger.app.ledger import Ledger
from ledger.append import check_id
from ledger.entry import SignedEntry
from ledger.errors import InputError
from ledger.registry import lookup
from ledger.store.repository import StoredRow
from ledger.types import EntryType


def entry_type(name: str) -> EntryType:
    """An entry type by name. Raises InputError for an unknown type."""
    return lookup(name)


def get_entry(ledger: Ledger, seq: int) -> SignedEntry:
    """The entry at `seq`. Raises EntryNotFoundError."""
    return ledger.store.get(seq)


def count(ledger: Ledger) -> int:
    """How many entries the ledger has."""
    return ledger.store.count()


def statement_json(ledger: Ledger, seq: int) -> dict[str, Any]:
    """One entry's statement as JSON. Raises EntryNotFoundError."""
    result: dict[str, Any] = json.loads(get_entry(ledger, seq).data)
    return result


def list_entries(
    ledger: Ledger,
    *,
    entry_type: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
    since: int = 0,
    limit: int | None = None,
    newest_first: bool = False,
) -> Iterator[StoredRow]:
    """Stream entries matching every given filter, in seq order (or newest first)."""
    where = {
        name: value
        for name, value in (("type", entry_type), ("actor", actor), ("subject", subject))
        if value is not None
    }
    return ledger.store.rows(since=since, where=where, limit=limit, descending=newest_first)


def add_blob(ledger: Ledger, data: bytes) -> str:
    """Store a document; return its SHA-256 hex for use in bodies (idempotent)."""
    with ledger.store.writing() as tx:
        return tx.put_blob(data)


def get_blob(ledger: Ledger, sha256: str) -> bytes:
    """A stored document. Raises EntryNotFoundError."""
    return ledger.store.blob(sha256)


# -- documents attached from files --------------------------------------------------------------

MAX_ATTACHMENT = inputs.MAX_DOCUMENT


@dataclass(frozen=True)
class Attachment:
    sha256: str
    name: str
    size: int


def attach(ledger: Ledger, path: Path | str) -> Attachment:
    """Store a file as a blob; return its hash (for a body's `doc` field), name and size.

    Raises:
        InputError: no such file, a directory, unreadable, or larger than 256 MiB; nothing
        stored.
    """
    file = Path(path).expanduser()
    if not str(path).strip():
        raise InputError("give the path of a file", where="file")
    content = inputs.read_file(file, limit=MAX_ATTACHMENT)
    digest = add_blob(ledger, content)
    return Attachment(digest, file.name, len(content))


def document(ledger: Ledger, given: str) -> str:
    """A document field's hash: `given` itself when it is a hash, else the file at that path,
    stored. Raises InputError naming the path."""
    text = given.strip()
    if len(text) == 64 and set(text.lower()) <= set("0123456789abcdef"):
        return text.lower()
    return attach(ledger, text).sha256


__all__ = [
    "StoredRow",
    "Attachment",
    "attach",
    "check_id",
    "document",
    "add_blob",
    "count",
    "entry_type",
    "get_blob",
    "get_entry",
    "list_entries",
    "statement_json",
]
