"""The `export.produced` entry: who exported what, bound to which checkpoint, with which hash.

Each export appends one, signed by the person exporting. The bundle cannot contain the entry
describing itself (it would have to hold its own hash): the bag is bound to the checkpoint taken
before the export, and this entry, recorded after it, carries the bag's hash. A later bundle
holds it, so an auditor can see every earlier export and match its hash.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ledger.types import Body, Day, EntryType, Hash, Id, Text

EXPORT_PRODUCED = "export.produced"


class Withheld(Body):
    """A blob left out of the export, and why (the legal basis)."""

    blob: Hash
    reason: Text


class ExportCheckpoint(Body):
    """The signed checkpoint the export is bound to."""

    size: Annotated[int, Field(ge=1)]
    root: Annotated[str, Field(min_length=44, max_length=44)]  # base64 of 32 bytes


class ExportProduced(Body):
    """An export for auditors: its kind and scope, its checkpoint and its hash."""

    kind: Literal["bundle", "dossier"]
    checkpoint: ExportCheckpoint
    bundle_sha256: Hash
    decision: Id | None = None
    from_date: Day | None = None
    to_date: Day | None = None
    withheld: list[Withheld] = Field(default_factory=list, max_length=10_000)


ENTRY_TYPES = (EntryType(EXPORT_PRODUCED, ExportProduced, "any", "an export for auditors"),)
