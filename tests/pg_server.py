"""A throwaway PostgreSQL server for a test session that was given none.

When `LEDGER_TEST_PG_URL` is not set and PostgreSQL's server binaries (`initdb`, `pg_ctl`) are on
the PATH or in Debian's `/usr/lib/postgresql/*/bin`, the session starts a server with
`.ci/with-postgres --fast` (as a non-root user, on a free port of 127.0.0.1) and stops it at the
end. The script runs a small holder process that prints the server's settings and then waits
for its standard input to close: closing it (at the session's end, or because the session died)
lets the script stop the server and remove its directory.

`LEDGER_TEST_PG=off` turns this off (the PostgreSQL tests are then skipped).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from glob import glob
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "with-postgres"
SETTINGS = (
    "LEDGER_TEST_PG_URL",
    "LEDGER_TEST_PG_APP_ROLE",
    "LEDGER_TEST_PG_APP_PASSWORD",
    "LEDGER_REQUIRE_PG",
)
# Printed by the holder once the server is up, then it waits for end of input.
_HOLDER = (
    "import json, os, sys\n"
    f"print(json.dumps({{name: os.environ[name] for name in {SETTINGS!r}}}), flush=True)\n"
    "sys.stdin.read()\n"
)
INSTALL_HINT = (
    "install PostgreSQL's server binaries (Debian: `apt-get install postgresql-15`) and the "
    "session starts a throwaway server itself, or set LEDGER_TEST_PG_URL to a superuser's "
    "postgresql+psycopg:// URL"
)


def server_binaries() -> Path | None:
    """The directory holding `initdb` and `pg_ctl`, or None."""
    found = shutil.which("initdb")
    candidates = ([Path(found).parent] if found else []) + [
        Path(path) for path in sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True)
    ]
    for directory in candidates:
        if all(os.access(directory / name, os.X_OK) for name in ("initdb", "pg_ctl")):
            return directory
    return None


class Throwaway:
    """A running server and the holder process that keeps it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [str(SCRIPT), "--fast", sys.executable, "-c", _HOLDER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            _, errors = self.process.communicate(timeout=60)
            raise RuntimeError(f"the throwaway PostgreSQL server did not start: {errors.strip()}")
        self.settings: dict[str, str] = json.loads(line)

    def stop(self) -> None:
        """Close the holder's input: the script stops the server and removes its directory."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wanted() -> bool:
    """True when this session should start its own server."""
    if os.environ.get("LEDGER_TEST_PG_URL") or os.environ.get("LEDGER_TEST_PG") == "off":
        return False
    return SCRIPT.exists() and server_binaries() is not None
