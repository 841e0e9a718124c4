"""Versioned schema migrations: which revision a ledger's tables are at, and the way forward.

Each change of the tables is an Alembic revision in `versions/`, applied by `ledger db upgrade`
in one transaction with every other step of the upgrade. The revision a database is at is the one
row of Alembic's own `alembic_version` table. We keep Alembic's table rather than one of our own
because Alembic is the well-kept migration tool beside SQLAlchemy: its `op` functions know how
each backend alters a table (SQLite only by copying it), its table is the one its tools and any
administrator who knows them read, and it is one row that `ledger verify` checks like any other
table (`ledger.store.schema`). Release 0.1.0 recorded no revision: its ledgers are recognised by
their tables (the ledger's tables without `alembic_version`) as the baseline, `0001`.

Revisions are four-digit numbers in order, so a revision above this release's head is a later
release's, and any other unknown value was written by hand. This module imports Alembic only to
apply a migration; reading the revision, as every command does, costs one query.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, insert, select

from ledger.store.tables import SCHEMA_VERSION

VERSION_TABLE = SCHEMA_VERSION.name
# Every revision, oldest first; a test checks that Alembic's chain in `versions/` is this one.
REVISIONS: tuple[str, ...] = ("0001",)
BASELINE = REVISIONS[0]
HEAD = REVISIONS[-1]
VERSIONS = Path(__file__).parent / "versions"
UNVERSIONED = "release 0.1.0's schema (no revision recorded)"

State = Literal["current", "older", "later", "changed"]


@dataclass(frozen=True)
class Recorded:
    """What a database's version table says: whether it exists, and its values as stored."""

    table: bool
    values: tuple[Any, ...] = ()

    @property
    def revision(self) -> str | None:
        """The recorded revision: the one value, if there is exactly one and it is text."""
        if len(self.values) == 1 and isinstance(self.values[0], str):
            return self.values[0]
        return None

    @property
    def state(self) -> State:
        """current: at this release's head; older: the tables of an earlier revision (or of
        release 0.1.0), which `ledger db upgrade` brings forward; later: a later release's
        revision; changed: anything else (no row, several, a value no release writes)."""
        if not self.table:
            return "older"
        revision = self.revision
        if revision == HEAD:
            return "current"
        if revision in REVISIONS:
            return "older"
        if revision is not None and len(revision) == 4 and revision.isdigit() and revision > HEAD:
            return "later"
        return "changed"

    @property
    def schema(self) -> str | None:
        """The revision whose tables the database should have: None for release 0.1.0's
        (no version table); this release's head when the row names no revision it knows."""
        if not self.table:
            return None
        return self.revision if self.state in ("current", "older") else HEAD

    def describe(self) -> str:
        """The recorded revision in words, for a message."""
        if not self.table:
            return UNVERSIONED
        if len(self.values) != 1:
            return f"a version table of {len(self.values)} rows"
        return f"revision {shown(self.values[0])}"


def shown(value: Any) -> str:
    """A stored value for a message: quoted, and cut short if long."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}…"


def read(conn: Connection, tables: Collection[str]) -> Recorded:
    """The version table's rows, given the names of the tables the database has."""
    if VERSION_TABLE not in tables:
        return Recorded(table=False)
    from ledger.store.engine import tolerant_rows

    rows = tolerant_rows(conn, select(SCHEMA_VERSION.c.version_num).limit(10))
    return Recorded(table=True, values=tuple(row[0] for row in rows))


def upgrade(conn: Connection, recorded: Recorded, *, versions: Path = VERSIONS) -> str:
    """Bring the tables from `recorded` (current or older) to the last revision of `versions`,
    inside the transaction of `conn`; return the revision reached.

    A ledger of release 0.1.0 first gets the version table, at the baseline. The migrations run
    in the caller's transaction, so a failure in any of them leaves nothing changed.
    """
    if not recorded.table:
        SCHEMA_VERSION.create(conn)
        conn.execute(insert(SCHEMA_VERSION).values(version_num=BASELINE))
        start = BASELINE
    else:
        start = str(recorded.revision)
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(versions.parent), version_locations=[str(versions)])
    target = script.get_current_head()
    if target is None or target == start:
        return start

    def steps(heads: Any, _context: Any) -> Any:
        # as Alembic's own `command.upgrade` plans the steps from the recorded heads
        return script._upgrade_revs(target, heads)

    context = MigrationContext.configure(
        connection=conn, opts={"fn": steps, "version_table": VERSION_TABLE}
    )
    with Operations.context(context):
        context.run_migrations()
    return target


def chain(versions: Path = VERSIONS) -> list[str]:
    """The revisions Alembic finds in `versions`, oldest first (a test compares `REVISIONS`)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(versions.parent), version_locations=[str(versions)])
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


__all__ = ["BASELINE", "HEAD", "REVISIONS", "Recorded", "chain", "read", "upgrade"]
