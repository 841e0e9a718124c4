"""The test session runs the PostgreSQL tests wherever this machine can: with PostgreSQL's
server binaries present and no server named, it has started one of its own."""

from __future__ import annotations

import os

import pytest

from tests import pg_server
from tests.backends import SKIP_REASON, PostgresServer


def test_a_machine_with_the_binaries_runs_the_postgresql_tests() -> None:
    if os.environ.get("LEDGER_TEST_PG") == "off":
        pytest.skip("LEDGER_TEST_PG=off: this session was asked not to start PostgreSQL")
    if pg_server.server_binaries() is None and "LEDGER_TEST_PG_URL" not in os.environ:
        pytest.skip(SKIP_REASON)
    server = PostgresServer.get()
    version = server.admin.execute("SHOW server_version_num").fetchone()
    assert version is not None and int(version[0]) >= 150000


def test_the_skip_names_what_to_install() -> None:
    assert "apt-get install postgresql-15" in SKIP_REASON
    assert "LEDGER_TEST_PG_URL" in SKIP_REASON
