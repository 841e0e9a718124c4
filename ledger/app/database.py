"""Use cases about where a ledger lives: copying it to another database (SQLite ⇄ PostgreSQL),
and the PostgreSQL privileges of the role that recorders connect as.

These take a database's location rather than an open `Ledger`: each opens what it works on,
verifies it first and closes it. Nothing here prompts, prints or reads the environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ledger.errors import ConfigError, InputError, StoreError, VerificationError
from ledger.store import SqlStore, create_store, open_store, url_for
from ledger.store.engine import is_postgres, safe_url
from ledger.store.migrations import HEAD, VERSION_TABLE
from ledger.store.postgres import grant_sql, run_grant
from ledger.store.repository import ENTRY_COLUMNS, table_names
from ledger.verification import verify_ledger
from ledger.verify import VerifyReport

_LEAF_HASH = ENTRY_COLUMNS.index("leaf_hash")


def grant_statements(*, db: str, role: str, execute: bool = False) -> list[str]:
    """Return the SQL that lets `role` append and read the PostgreSQL ledger at `db` but
    never change or remove an entry or a blob; with `execute`, also run it there (in one
    transaction, connected as the owner of the tables).

    Raises:
        ConfigError: `db` is not a PostgreSQL URL.
        InputError: a bad role name, or (with `execute`) no such role on the server.
        LedgerNotFoundError, StoreError: (with `execute`) no ledger there, or the grant failed.
    """
    url = url_for(db)
    if not is_postgres(url):
        raise ConfigError(
            "roles and grants exist only on PostgreSQL (--db postgresql+psycopg://…); a SQLite "
            "ledger is protected by its file's permissions and its triggers"
        )
    if not execute:
        return grant_sql(url, role)
    store = open_store(db)
    try:
        return run_grant(store, role)
    finally:
        store.close()


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade_ledger` did: the schema before (in words) and the revision after, and the
    ledger it verified first."""

    before: str
    after: str
    changed: bool
    entries: int
    head: str | None


def upgrade_ledger(*, db: str) -> Upgrade:
    """Bring the ledger at `db` to this release's schema revision.

    The ledger is verified first, as its own schema revision has it; then every pending
    migration is applied in one transaction holding the append lock, which also checks that
    nothing was appended since the verification. A ledger already at this release's revision
    is verified and left as it is.

    Raises:
        ConfigError, LedgerNotFoundError, StoreError: the database cannot be opened or written,
            or it changed during the verification (nothing was upgraded).
        LaterSchemaError: a later release's schema, or a changed version table.
        VerificationError: the ledger fails verification (nothing was upgraded).
    """
    store = open_store(db, older=True)
    try:
        report = _verified(
            store, "the ledger", "nothing was upgraded (`ledger verify` lists every failure)"
        )
        before = store.recorded
        if before.state == "current":
            return Upgrade(before.describe(), HEAD, False, report.entries, report.head)
        before, after = store.upgrade(report.head)
    finally:
        store.close()
    return Upgrade(before.describe(), after, True, report.entries, report.head)


def _verified(store: SqlStore, what: str, consequence: str) -> VerifyReport:
    """Verify `store` before changing or copying it.

    Raises:
        VerificationError: naming `what`, its first failure and the `consequence`.
    """
    report = verify_ledger(store=store)
    if not report.ok:
        first = report.ordered()[0]
        raise VerificationError(
            f"{what} fails verification: [{first.kind}] {first.describe()}; {consequence}"
        )
    return report


@dataclass(frozen=True)
class Migration:
    """What `migrate_ledger` copied, and the head and Merkle root both copies verified to."""

    rows: dict[str, int]
    head: str
    root: str | None

    @property
    def entries(self) -> int:
        """The number of entries copied."""
        return self.rows.get("entries", 0)


def migrate_ledger(*, source: str, target: str) -> Migration:
    """Copy the ledger at `source` byte for byte into a new ledger at `target`.

    The source is verified first, then every table is copied row by row, exactly as stored,
    from one consistent snapshot of the source into one transaction on the target; then the
    target is verified and must reach the same head, Merkle root and checkpoints. On any
    failure the half-made target is removed. Recorders should be stopped: entries appended to
    the source during the copy stay behind.

    Raises:
        InputError: source and target are the same database.
        ConfigError, LedgerNotFoundError, StoreError: a database cannot be opened or written,
            or a ledger exists at `target` already.
        VerificationError: the source fails verification (nothing is copied), or the copy does.
    """
    if url_for(source) == url_for(target):
        raise InputError("--from and --to are the same database", where="--to")
    src = open_store(source)
    try:
        report = _verified(src, "the ledger to copy", "nothing was copied")
        dst = create_store(target)
        try:
            rows: dict[str, int] = {}
            last: list[str] = []
            with src.reading() as snapshot, dst.writing() as tx:
                for name in table_names():
                    if name == VERSION_TABLE:
                        continue  # the target was made at this release's revision, as the source is
                    stream = src.dump(snapshot, name)
                    if name == "entries":
                        stream = _noting_head(stream, last)
                    rows[name] = tx.load(name, stream)
            copied = verify_ledger(store=dst)
            if not copied.ok:
                first = copied.ordered()[0]
                raise VerificationError(
                    f"the copy fails verification: [{first.kind}] {first.describe()}; "
                    "it was removed"
                )
            if copied.head != (last[0] if last else None) or copied.entries != rows["entries"]:
                raise StoreError(
                    f"the copy verifies to head {copied.head} after {copied.entries} entries, "
                    f"not to the source's; it was removed"
                )
            root = _tree(copied).get("root")
            if copied.entries == report.entries and _tree(copied) != _tree(report):
                raise StoreError(
                    f"the copy's Merkle tree or checkpoints ({_tree(copied)}) differ from the "
                    f"source's ({_tree(report)}); it was removed"
                )
        except BaseException:
            dst.discard()
            raise
        dst.close()
    finally:
        src.close()
    return Migration(rows=rows, head=last[0], root=root)


def _tree(report: VerifyReport) -> dict[str, Any]:
    """What the tree pass found: size, root, checkpoints and cosignatures (empty if none ran)."""
    return {} if report.tree is None else dict(report.tree.to_json())


def _noting_head(rows: Iterator[tuple[Any, ...]], last: list[str]) -> Iterator[tuple[Any, ...]]:
    """Pass entry rows through, keeping the leaf hash of the last one in `last`."""
    for row in rows:
        last[:] = [row[_LEAF_HASH]]
        yield row


__all__ = [
    "Migration",
    "Upgrade",
    "grant_statements",
    "migrate_ledger",
    "safe_url",
    "upgrade_ledger",
]
