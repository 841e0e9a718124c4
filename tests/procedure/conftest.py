"""The bureau: on SQLite built once per session and copied for each test; on PostgreSQL built
in a new database for each test, owned by the superuser and used through the application role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.store import open_store
from tests.backends import Backend
from tests.procedure.bureau import Bureau, build_template, open_copy


@pytest.fixture(scope="session")
def bureau_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bureau") / "template.db"
    build_template(path)
    return path


@pytest.fixture
def bureau(bureau_template: Path, tmp_path: Path, backend: Backend) -> Iterator[Bureau]:
    """The bureau on each backend: the procedure's gates hold the same on both."""
    if backend.name == "sqlite":
        yield from open_copy(bureau_template, tmp_path / "ledger.db")
        return
    owner = backend.new_db(tmp_path)
    build_template(owner)
    db = backend.recorder_db(owner)
    store = open_store(db)
    try:
        yield Bureau(store, db)
    finally:
        store.close()
