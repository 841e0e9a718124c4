"""An export from a PostgreSQL ledger is the same export: the demo year copied to a real server
and exported there gives, file for file, the bytes of the export from its SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.app import database
from ledger.export.bag import bag_files
from ledger.export.service import export_bundle
from ledger.export.verify_bundle import verify_bundle
from ledger.store import open_store
from ledger.verification import verify_ledger
from tests.backends import Backend
from tests.export.conftest import EXPORTER, NOW, Demo


@pytest.mark.postgres
def test_a_postgresql_ledger_exports_the_same_bytes_as_its_sqlite_copy(
    demo_ledger: Demo, pg_backend: Backend, tmp_path: Path
) -> None:
    """Guards that nothing of the backend leaks into a bundle (row order, types, timestamps)."""
    target = pg_backend.new_db(tmp_path)
    database.migrate_ledger(source=str(demo_ledger.built.db), target=target)
    key = demo_ledger.key()
    store = open_store(target)
    try:
        export_bundle(store=store, out=tmp_path / "pg", exporter=EXPORTER, key=key, now=NOW)
        assert verify_ledger(store=store).ok  # with its export.produced appended
    finally:
        store.close()
    demo_ledger.export(tmp_path / "sqlite")
    pg, sqlite = tmp_path / "pg", tmp_path / "sqlite"
    assert bag_files(pg) == bag_files(sqlite)
    for name in bag_files(pg):
        assert (pg / name).read_bytes() == (sqlite / name).read_bytes(), name
    report = verify_bundle(pg, trust=demo_ledger.trust())
    assert report.ok, report.problems
