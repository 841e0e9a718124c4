"""Two recorders appending in turn write exactly what one recorder writes.

Each store keeps the register of its own last append and replays only what others appended
since; procedure objects load afresh on each append. This builds the demo's whole year (every
entry type, gates, refusals, a key rotation) twice on the same backend: once through one store,
once through two stores that take turns, append by append, and compares every stored byte.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from ledger.app import demo
from ledger.app.identity import LedgerIdentity, init_ledger
from ledger.store import SqlStore, WriteTx, open_store
from ledger.store.repository import table_names
from ledger.verification import verify_ledger
from tests.backends import Backend
from tests.builders import seeded_key


class TakingTurns:
    """Looks like one store to the service; each transaction goes through the next store."""

    def __init__(self, stores: list[SqlStore]) -> None:
        self.turns = itertools.cycle(stores)

    @contextmanager
    def writing(self) -> Iterator[WriteTx]:
        with next(self.turns).writing() as tx:
            yield tx


def build_year(db: str, recorders: int) -> list[str]:
    """The demo's year with seeded keys, through `recorders` stores; returns its refusals."""
    people = [demo.REGISTRAR, *demo.PEOPLE, *demo.LATER]
    keys = {person: seeded_key(person) for person, _ in people}
    rotated = seeded_key("chen.jing/2")
    identity = LedgerIdentity(demo.ORIGIN, demo.ORGANISATION, *demo.REGISTRAR)
    first, _ = init_ledger(
        db=db,
        identity=identity,
        registrar_key=keys[demo.REGISTRAR[0]],
        now=datetime.fromisoformat("2020-01-02T08:30:00+08:00"),
    )
    stores = [first, *(open_store(db) for _ in range(recorders - 1))]
    try:
        scribe = demo._Scribe(cast(SqlStore, TakingTurns(stores)), keys)
        scribe.pending = {"chen.jing": rotated}
        demo._setup(scribe, keys)
        demo._rotation(scribe, keys["chen.jing"], rotated)
        demo._year(scribe)
        scribe.run()
        return scribe.refusals
    finally:
        for store in stores:
            store.close()


def everything(db: str) -> dict[str, list[tuple[Any, ...]]]:
    store = open_store(db)
    try:
        report = verify_ledger(store=store)
        assert report.ok, report.to_json()
        with store.reading() as conn:
            return {name: list(store.dump(conn, name)) for name in table_names()}
    finally:
        store.close()


def test_two_recorders_taking_turns_write_what_one_writes(tmp_path: Path, backend: Backend) -> None:
    """Guards the register a store keeps between appends: were it stale by one entry of the
    other recorder, a gate or an authority check would differ, and so would the bytes."""
    one, two = backend.new_db(tmp_path), backend.new_db(tmp_path)
    refusals = build_year(one, recorders=1)
    assert build_year(two, recorders=2) == refusals
    alone, together = everything(one), everything(two)
    assert len(alone["entries"]) > 300
    assert together == alone
