"""`ledger db grant`, and the whole CLI on PostgreSQL as a bureau would set it up: the owner
creates the ledger and grants the recorders' role, who then record and verify."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from ledger.cli import app
from tests.backends import Backend, PostgresServer
from tests.cli.conftest import INIT, PASS


def run(*args: str, db: str, key_dir: Path | None = None) -> Result:
    env = {"LEDGER_DB": db, "LEDGER_PASSPHRASE": PASS}
    if key_dir is not None:
        env["LEDGER_KEY_DIR"] = str(key_dir)
    return CliRunner().invoke(app, list(args), env=env)


def test_grant_prints_sql_without_connecting() -> None:
    """The SQL is printed for an administrator to review; no server is needed for that."""
    result = run("db", "grant", "ledger_app", db="postgresql://owner:pw@nowhere.invalid/bureau")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert 'GRANT SELECT, INSERT ON TABLE "entries" TO "ledger_app";' in lines
    assert 'GRANT CONNECT ON DATABASE "bureau" TO "ledger_app";' in lines
    assert "pw" not in result.output


def test_grant_on_sqlite_is_a_usage_error(tmp_path: Path) -> None:
    result = run("db", "grant", "ledger_app", db=str(tmp_path / "ledger.db"))
    assert result.exit_code == 2
    assert "only on PostgreSQL" in result.stderr


def test_grant_with_a_bad_role_name(tmp_path: Path) -> None:
    result = run("db", "grant", 'x"; DROP TABLE entries; --', db="postgresql://o@h/db")
    assert result.exit_code == 6
    assert result.stderr.startswith("error: ROLE: a role name is")


@pytest.mark.postgres
def test_a_bureau_on_postgres(tmp_path: Path, pg_backend: Backend) -> None:
    """End to end with the real command: the owner inits and grants; as the application role
    the registrar adds a person and binds a key, that person records a note, and verify
    passes; the application role may not grant itself more."""
    server = PostgresServer.get()
    owner = pg_backend.new_db(tmp_path)
    keys = tmp_path / "keys"
    assert run(*INIT, db=owner, key_dir=keys).exit_code == 0

    missing = run("db", "grant", "nobody_here", "--execute", db=owner)
    assert missing.exit_code == 6 and "no role 'nobody_here'" in missing.stderr
    granted = run("db", "grant", server.app_role, "--execute", db=owner)
    assert granted.exit_code == 0, granted.output
    assert "never change them" in granted.stderr

    app_url = (
        make_url(owner)
        .set(username=server.app_role, password=server.app_password)
        .render_as_string(hide_password=False)
    )
    steps = [
        ("person", "add", "--id", "wang.fang", "--name", "王芳"),
        ("key", "new", "--for", "wang.fang"),
    ]
    for step in steps:
        result = run(*step, db=app_url, key_dir=keys)
        assert result.exit_code == 0, result.output
    key_id = result.stdout.strip()
    assert run("key", "bind", key_id, db=app_url, key_dir=keys).exit_code == 0
    body = tmp_path / "note.json"
    body.write_text('{"text": "会议开始"}', encoding="utf-8")
    note = run(
        "record", "note", "--file", str(body), "--as", "wang.fang", "--subject", "m-1",
        db=app_url, key_dir=keys,
    )  # fmt: skip
    assert note.exit_code == 0, note.output
    verify = run("verify", db=app_url)
    assert verify.exit_code == 0 and verify.stdout.startswith("ok: 4 entries")

    refused = run("db", "grant", server.app_role, "--execute", db=app_url)
    assert refused.exit_code == 4
    assert "cannot grant" in refused.stderr and server.app_password not in refused.output


def test_without_psycopg_the_message_says_what_to_install() -> None:
    """A PostgreSQL URL where psycopg is not installed names the package, with no traceback
    and no password."""
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from ledger.cli import app\n"
        "app(['--db', 'postgresql://user:secret@db.example/ledger', 'log'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2, result.stderr
    assert "needs the database driver 'psycopg'" in result.stderr
    assert "pip install" in result.stderr and "Traceback" not in result.stderr
    assert "secret" not in result.stderr
