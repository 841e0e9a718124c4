"""PostgreSQL only: the privileges of the application role that recorders connect as.

The owner of the tables (who ran `ledger init` or `ledger migrate`) can do anything, so the
recorders connect as another role, which may add entries and blobs and read them but never
change or remove them: the server itself refuses. The derived tables (persons, keys, organs,
memberships, …) are caches that every append updates and `ledger verify` rebuilds and compares,
so that role may write them.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ledger.errors import InputError, StoreError
from ledger.store.migrations import VERSION_TABLE
from ledger.store.repository import SqlStore, table_names
from ledger.store.tables import AUTHENTICATED

# A plain SQL identifier; PostgreSQL keeps at most 63 bytes of a name.
ROLE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# What the recorders' role must never hold on a signed table.
FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


def grant_sql(url: str, role: str) -> list[str]:
    """The statements giving `role` what a recorder needs on the ledger at `url`, and no more:
    SELECT and INSERT on the authenticated tables; SELECT, INSERT, UPDATE and DELETE on the
    derived ones; SELECT on the version table. Running them again changes nothing.

    Raises:
        InputError: `role` is not a plain identifier.
    """
    if not ROLE_PATTERN.fullmatch(role):
        raise InputError(
            "a role name is letters, digits and _ (up to 63), starting with a letter or _",
            where="ROLE",
        )
    who = _ident(role)
    database = make_url(url).database or "postgres"
    statements = [
        f"GRANT CONNECT ON DATABASE {_ident(database)} TO {who}",
        f"GRANT USAGE ON SCHEMA public TO {who}",
    ]
    for name in table_names():
        allowed = "SELECT, INSERT" if name in AUTHENTICATED else "SELECT, INSERT, UPDATE, DELETE"
        if name == VERSION_TABLE:
            allowed = "SELECT"  # only `ledger db upgrade`, run by the owner, changes it
        statements += [
            f"REVOKE ALL ON TABLE {_ident(name)} FROM {who}",
            f"GRANT {allowed} ON TABLE {_ident(name)} TO {who}",
        ]
    return statements


def run_grant(store: SqlStore, role: str) -> list[str]:
    """Run `grant_sql` in one transaction on a PostgreSQL ledger; return the statements.

    Raises:
        InputError: a bad role name, or no such role on the server.
        StoreError: the connected role may not grant (it must own the tables), or `role`
            would still be able to change signed rows afterwards (nothing is granted then).
    """
    statements = grant_sql(store.url, role)
    try:
        with store.engine.begin() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
            ).first()
            if found is None:
                raise InputError(
                    f"the server has no role {role!r}; create it first, e.g. "
                    f"CREATE ROLE {role} LOGIN PASSWORD '…'",
                    where="ROLE",
                )
            owner = conn.execute(
                text(
                    "SELECT tableowner, pg_has_role(current_user, tableowner, 'MEMBER') "
                    "FROM pg_tables WHERE tablename = 'entries' AND schemaname = current_schema()"
                )
            ).one()
            if not owner[1]:
                # PostgreSQL would only warn and grant nothing.
                raise StoreError(
                    f"cannot grant: only the owner of the ledger's tables ({owner[0]}) or a "
                    "superuser may; connect as that role"
                )
            for statement in statements:
                conn.execute(text(statement))
            _check_narrow(conn, role)
    except DBAPIError as exc:
        reason = str(exc.orig if exc.orig is not None else exc).splitlines()[0]
        raise StoreError(f"cannot grant: {reason} (connect as the owner of the tables)") from None
    return statements


def _check_narrow(conn: Connection, role: str) -> None:
    """Refuse (rolling the grant back) if `role` could still change signed rows: as a
    superuser, as a member of the owner, or through PUBLIC or another role's privileges."""
    for name in AUTHENTICATED:
        for privilege in FORBIDDEN:
            allowed = conn.execute(
                text("SELECT has_table_privilege(:role, :table, :privilege)"),
                {"role": role, "table": name, "privilege": privilege},
            ).scalar_one()
            if allowed:
                raise StoreError(
                    f"{role} would still be allowed to {privilege} {name} (it is a superuser or "
                    "owner, or holds the privilege through PUBLIC or another role); nothing was "
                    "granted"
                )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
