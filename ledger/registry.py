"""The registry of entry types: every type the ledger knows, by name.

It collects the identity types (`ledger.types`), the decision procedure's
(`ledger.procedure.bodies`) and the exports' (`ledger.export.produced`). Those modules declare
their types and never import this one, so whichever module a process imports first, a reader of
the registry sees every type.
"""

from __future__ import annotations

from ledger import types
from ledger.errors import InputError
from ledger.export import produced
from ledger.procedure import bodies
from ledger.types import EntryType

REGISTRY: dict[str, EntryType] = {}


def register(entry_type: EntryType) -> None:
    """Add an entry type to the registry (each name once)."""
    if entry_type.name in REGISTRY:
        raise ValueError(f"entry type {entry_type.name} registered twice")
    REGISTRY[entry_type.name] = entry_type


def lookup(name: str) -> EntryType:
    """Return the entry type called `name`.

    Raises:
        InputError: no such type; the message lists the known ones.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise InputError(
            f"unknown entry type {name!r}; known types: {known}", where="TYPE"
        ) from None


for _entry_type in (*types.ENTRY_TYPES, *produced.ENTRY_TYPES, *bodies.ENTRY_TYPES):
    register(_entry_type)
