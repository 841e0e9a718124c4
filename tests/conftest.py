"""Shared fixtures. The developer's own ledger and keys are never read: every test gets its own
home, database path and key directory under tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pg_server
from tests.backends import BACKENDS, Backend, make_backend
from tests.builders import LedgerFixture, sample_ledger

_SERVER = pytest.StashKey[pg_server.Throwaway]()


def pytest_configure(config: pytest.Config) -> None:
    """Start a throwaway PostgreSQL server for the session when none is given and the binaries
    are here (tests/pg_server.py); the xdist workers, started later, inherit its settings."""
    if hasattr(config, "workerinput") or not pg_server.wanted():
        return
    server = pg_server.Throwaway()
    os.environ.update(server.settings)
    config.stash[_SERVER] = server


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        server.stop()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LEDGER_HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg"))
    for name in ("LEDGER_DB", "LEDGER_KEY_DIR", "LEDGER_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each test that takes it runs on SQLite and on PostgreSQL (see tests/backends.py)."""
    chosen = make_backend(request.param)
    yield chosen
    chosen.close()


@pytest.fixture
def pg_backend() -> Iterator[Backend]:
    """PostgreSQL alone, for what only it has (roles, TRUNCATE); mark such tests `postgres`."""
    chosen = make_backend("postgresql")
    yield chosen
    chosen.close()


@pytest.fixture
def sample(tmp_path: Path, backend: Backend) -> Iterator[LedgerFixture]:
    ledger = sample_ledger(tmp_path, backend)
    yield ledger
    ledger.store.close()
