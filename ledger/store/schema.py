"""The ledger's tables as the application creates them, and how a database's differ.

`ledger verify` compares each table of the ledger with what `SqlStore.create` makes: the table
itself, each column's type and NOT NULL, the primary key, the unique constraints, the indexes
and the append-only triggers (on PostgreSQL also each trigger's function, whether the trigger is
enabled, row-level security, rules and inheriting tables). A key, constraint or trigger that is
missing, altered, disabled or added is a difference. Tables that are not the ledger's are left
alone. On SQLite the facts come from `sqlite_master` and the table pragmas; on PostgreSQL from
the catalog, for the tables that the ledger's unqualified names resolve to.

Each fact is keyed by (table, item) — `("entries", "column seq")`, `("blobs", "trigger
blobs_no_update")` — and described in words, so that a difference reads as a sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Dialect, UniqueConstraint, text
from sqlmodel import SQLModel

from ledger.store import migrations
from ledger.store.engine import tolerant_rows
from ledger.store.tables import AUTHENTICATED

VERSION_TABLE = migrations.VERSION_TABLE
# The facts of each earlier revision, as they were when it was the head (one file per revision).
SNAPSHOTS = Path(migrations.__file__).parent / "schema"

Facts = dict[tuple[str, str], str]

TABLE = "table"  # the item naming the table itself
PRIMARY_KEY = "primary key"

# PostgreSQL's pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h)
_ROW, _BEFORE, _INSTEAD = 1 << 0, 1 << 1, 1 << 6
_EVENTS = ((1 << 2, "INSERT"), (1 << 3, "DELETE"), (1 << 4, "UPDATE"), (1 << 5, "TRUNCATE"))
_ENABLED = {"O": "", "A": "", "D": ", disabled", "R": ", fires only on replicas"}
_RELKIND = {"r": "a table", "v": "a view", "m": "a materialized view", "p": "a partitioned table"}


# -- the append-only triggers ------------------------------------------------------------------


@dataclass(frozen=True)
class _Trigger:
    table: str
    name: str
    events: tuple[str, ...]
    row: bool  # FOR EACH ROW (else FOR EACH STATEMENT)


def _triggers(dialect: str) -> list[_Trigger]:
    result = []
    for name in AUTHENTICATED:
        if dialect == "sqlite":  # SQLite has no TRUNCATE; DELETE without WHERE fires the trigger
            result += [
                _Trigger(name, f"{name}_no_{event.lower()}", (event,), True)
                for event in ("UPDATE", "DELETE")
            ]
        elif dialect == "postgresql":
            result += [
                _Trigger(name, f"{name}_no_change", ("UPDATE", "DELETE"), True),
                _Trigger(name, f"{name}_no_truncate", ("TRUNCATE",), False),
            ]
    return result


def _function(table: str) -> str:
    return f"{table}_append_only"


def _function_body(table: str) -> str:
    return f"BEGIN RAISE EXCEPTION '{table} is append-only: % refused', TG_OP; END"


def _sqlite_trigger(trigger: _Trigger) -> str:
    (event,) = trigger.events
    return (
        f"CREATE TRIGGER {trigger.name} BEFORE {event} ON {trigger.table} "
        f"BEGIN SELECT RAISE(ABORT, '{trigger.table} is append-only: {event} refused'); END"
    )


def append_only_sql(dialect: str) -> list[str]:
    """The statements that make the authenticated tables refuse UPDATE and DELETE (and, on
    PostgreSQL, TRUNCATE), for a dialect's name."""
    if dialect == "sqlite":
        return [_sqlite_trigger(trigger) for trigger in _triggers(dialect)]
    statements = []
    if dialect == "postgresql":
        for name in AUTHENTICATED:
            statements.append(
                f"CREATE OR REPLACE FUNCTION {_function(name)}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ {_function_body(name)} $$"
            )
        for trigger in _triggers(dialect):
            statements.append(
                f"CREATE TRIGGER {trigger.name} BEFORE {' OR '.join(trigger.events)} ON "
                f"{trigger.table} FOR EACH {'ROW' if trigger.row else 'STATEMENT'} "
                f"EXECUTE FUNCTION {_function(trigger.table)}()"
            )
    return statements


def _pg_trigger(events: Sequence[str], row: bool, function: str, enabled: str = "O") -> str:
    ordered = " OR ".join(name for _, name in _EVENTS if name in events)
    level = "ROW" if row else "STATEMENT"
    return f"BEFORE {ordered} FOR EACH {level}, runs {function}(){_ENABLED.get(enabled, enabled)}"


# -- what the application creates ---------------------------------------------------------------


def _words(sql: str) -> str:
    return " ".join(sql.split())


def _columns(names: Sequence[Any]) -> str:
    return "(" + ", ".join(str(name) for name in names) + ")"


def _column(type_name: str, not_null: bool, generated: bool = False) -> str:
    described = (type_name.upper() or "(no type)") + (" NOT NULL" if not_null else "")
    return described + (" GENERATED" if generated else "")


def _index(columns: Sequence[Any], unique: bool, partial: bool) -> str:
    return f"{'unique ' if unique else ''}on {_columns(columns)}{' (partial)' if partial else ''}"


def expected_facts(dialect: Dialect, revision: str | None = migrations.HEAD) -> Facts:
    """The facts of every ledger table at schema `revision` on `dialect`: at the head, as
    `SqlStore.create` makes them; at an earlier revision, as recorded when it was the head
    (`migrations/schema/REVISION.json`); for None, release 0.1.0's tables (the baseline's but
    the version table)."""
    if revision is None:
        baseline = expected_facts(dialect, migrations.BASELINE)
        return {key: value for key, value in baseline.items() if key[0] != VERSION_TABLE}
    if revision != migrations.HEAD:
        recorded = json.loads((SNAPSHOTS / f"{revision}.json").read_text("utf-8"))
        return {(table, item): fact for table, item, fact in recorded[dialect.name]}
    return head_facts(dialect)


def snapshot() -> str:
    """The head's facts on SQLite and PostgreSQL as `migrations/schema/HEAD.json` keeps them,
    so that they are still known when a later revision is the head."""
    from sqlalchemy.dialects.postgresql.base import PGDialect
    from sqlalchemy.dialects.sqlite.base import SQLiteDialect

    parts = []
    for dialect in (SQLiteDialect(), PGDialect()):  # type: ignore[no-untyped-call]
        facts = sorted([table, item, fact] for (table, item), fact in head_facts(dialect).items())
        lines = ",\n".join(f"  {json.dumps(fact, ensure_ascii=False)}" for fact in facts)
        parts.append(f' "{dialect.name}": [\n{lines}\n ]')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def head_facts(dialect: Dialect) -> Facts:
    """The facts of every ledger table as `SqlStore.create` makes them on `dialect`."""
    facts: Facts = {}
    for tbl in SQLModel.metadata.sorted_tables:
        name = tbl.name
        facts[(name, TABLE)] = "a table"
        for col in tbl.columns:
            facts[(name, f"column {col.name}")] = _column(
                col.type.compile(dialect=dialect), not col.nullable
            )
        facts[(name, PRIMARY_KEY)] = _columns([col.name for col in tbl.primary_key.columns])
        for constraint in tbl.constraints:
            if isinstance(constraint, UniqueConstraint):
                unique = _columns([col.name for col in constraint.columns])
                facts[(name, f"unique constraint on {unique}")] = "present"
        for index in tbl.indexes:
            cols = [col.name for col in index.columns]
            facts[(name, f"index {index.name}")] = _index(cols, bool(index.unique), False)
    for trigger in _triggers(dialect.name):
        if dialect.name == "sqlite":
            description = _words(_sqlite_trigger(trigger))
        else:
            description = _pg_trigger(trigger.events, trigger.row, _function(trigger.table))
        facts[(trigger.table, f"trigger {trigger.name}")] = description
    if dialect.name == "postgresql":
        for name in AUTHENTICATED:
            facts[(name, f"function {_function(name)}")] = f"plpgsql: {_function_body(name)}"
    return facts


# -- what the database holds --------------------------------------------------------------------


def _rows(conn: Connection, sql: str, **params: Any) -> Iterator[Any]:
    return tolerant_rows(conn, text(sql), params or None)


def _sqlite_facts(conn: Connection, tables: Sequence[str]) -> Facts:
    facts: Facts = {}
    master = list(_rows(conn, "SELECT type, name, tbl_name, sql FROM sqlite_master"))
    kinds = {row[1]: row[0] for row in master if row[0] in ("table", "view")}
    # (without rowid, strict) of each table; a SQLite before 3.37 ignores this pragma
    options = {
        row[1]: (row[4], row[5])
        for row in _rows(conn, "PRAGMA main.table_list")
        if row[0] == "main"
    }
    for name in tables:
        kind = kinds.get(name)
        if kind is None:
            continue
        without_rowid, strict = options.get(name, (0, 0))
        described = f"a {kind}" + (" WITHOUT ROWID" if without_rowid else "")
        facts[(name, TABLE)] = described + (" STRICT" if strict else "")
        primary: list[tuple[int, str]] = []
        for _cid, column, declared, not_null, _default, pk, hidden in _rows(
            conn, f'PRAGMA main.table_xinfo("{name}")'
        ):
            facts[(name, f"column {column}")] = _column(
                str(declared), bool(not_null), hidden in (2, 3)
            )
            if pk:
                primary.append((pk, column))
        if primary:
            facts[(name, PRIMARY_KEY)] = _columns([column for _, column in sorted(primary)])
        for _seq, index, unique, origin, partial in _rows(
            conn, f'PRAGMA main.index_list("{name}")'
        ):
            if origin == "pk" and not partial:
                continue  # the primary key, described above
            quoted = str(index).replace('"', '""')
            info = _rows(conn, f'PRAGMA main.index_info("{quoted}")')
            cols = [row[2] or "<expression>" for row in info]
            if origin == "u" and not partial:
                facts[(name, f"unique constraint on {_columns(cols)}")] = "present"
            else:
                facts[(name, f"index {index}")] = _index(cols, bool(unique), bool(partial))
    for kind, trigger, table, sql in master:
        if kind == "trigger" and table in tables:
            facts[(table, f"trigger {trigger}")] = _words(str(sql))
    return facts


_PG_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attgenerated <> ''
FROM pg_attribute a WHERE a.attrelid = :oid AND a.attnum > 0 AND NOT a.attisdropped"""

_PG_CONSTRAINTS = """
SELECT c.conname, c.contype, pg_get_constraintdef(c.oid),
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(num, pos)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num
             ORDER BY k.pos)
FROM pg_constraint c WHERE c.conrelid = :oid"""

_PG_INDEXES = """
SELECT i.relname, x.indisunique, x.indpred IS NOT NULL,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
             FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k),
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
               AND c.conrelid = x.indrelid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = :oid"""

_PG_TRIGGERS = """
SELECT t.tgname, t.tgtype, t.tgenabled, t.tgqual IS NOT NULL, t.tgattr::text,
       CASE WHEN n.nspname = current_schema() THEN p.proname
            ELSE n.nspname || '.' || p.proname END,
       l.lanname, p.prosrc
FROM pg_trigger t
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE t.tgrelid = :oid AND NOT t.tgisinternal"""


def _pg_facts(conn: Connection, tables: Sequence[str]) -> Facts:
    facts: Facts = {}
    for name in tables:
        # The table an unqualified name reaches, as the application's own queries do (a
        # schema earlier on the search path could hide the real one).
        found = list(
            _rows(
                conn,
                "SELECT c.oid, c.relkind, c.relrowsecurity, c.relforcerowsecurity "
                "FROM pg_class c WHERE c.oid = to_regclass(:name)",
                name=name,
            )
        )
        if not found:
            continue
        oid, relkind, row_security, forced = found[0]
        facts[(name, TABLE)] = _RELKIND.get(str(relkind), f"a relation of kind {relkind!r}")
        if row_security or forced:
            facts[(name, "row-level security")] = "forced" if forced else "enabled"
        for column, declared, not_null, generated in _rows(conn, _PG_COLUMNS, oid=oid):
            declared = str(declared).replace("character varying", "varchar")
            facts[(name, f"column {column}")] = _column(declared, not_null, generated)
        for constraint, kind, definition, cols in _rows(conn, _PG_CONSTRAINTS, oid=oid):
            if kind == "p":
                facts[(name, PRIMARY_KEY)] = _columns(cols)
            elif kind == "u":
                facts[(name, f"unique constraint on {_columns(cols)}")] = "present"
            elif kind != "n":  # NOT NULL (PostgreSQL 18 lists it here) is described per column
                facts[(name, f"constraint {constraint}")] = _words(str(definition))
        for index, unique, partial, cols, backs_constraint in _rows(conn, _PG_INDEXES, oid=oid):
            if not backs_constraint:
                facts[(name, f"index {index}")] = _index(cols, unique, partial)
        for row in _rows(conn, _PG_TRIGGERS, oid=oid):
            trigger, tgtype, enabled, qualified, columns, function, language, source = row
            events = [event for bit, event in _EVENTS if tgtype & bit]
            if tgtype & _INSTEAD or not tgtype & _BEFORE:
                events.append("(not BEFORE)")
            described = _pg_trigger(events, bool(tgtype & _ROW), function, str(enabled))
            if columns.strip():
                described += ", only for some columns"
            if qualified:
                described += ", only WHEN a condition holds"
            facts[(name, f"trigger {trigger}")] = described
            facts[(name, f"function {function}")] = f"{language}: {_words(str(source))}"
        policies = _rows(conn, "SELECT polname FROM pg_policy WHERE polrelid = :oid", oid=oid)
        for (policy,) in policies:
            facts[(name, f"policy {policy}")] = "present"
        for (rule,) in _rows(
            conn,
            "SELECT rulename FROM pg_rewrite WHERE ev_class = :oid AND rulename <> '_RETURN'",
            oid=oid,
        ):
            facts[(name, f"rule {rule}")] = "present"
        for (child,) in _rows(
            conn, "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = :oid", oid=oid
        ):
            facts[(name, f"inheriting table {child}")] = "present"
    return facts


# -- the comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaReport:
    """How the ledger's tables differ from what the application creates."""

    differences: list[tuple[str, str]]  # (table, a sentence naming the table)
    unreadable: frozenset[str]  # tables that are missing or lack a column the ledger reads

    @property
    def ok(self) -> bool:
        return not self.differences


def actual_facts(conn: Connection) -> Facts:
    """The facts of the ledger's tables as the database holds them."""
    tables = [tbl.name for tbl in SQLModel.metadata.sorted_tables]
    if conn.dialect.name == "postgresql":
        return _pg_facts(conn, tables)
    return _sqlite_facts(conn, tables)


def check_schema(conn: Connection, revision: str | None = migrations.HEAD) -> SchemaReport:
    """Compare every ledger table with what the application creates at schema `revision`
    (None: release 0.1.0's tables), and the version table's row with `revision` (see the
    module doc)."""
    expected = expected_facts(conn.dialect, revision)
    actual = actual_facts(conn)
    order = {tbl.name: index for index, tbl in enumerate(SQLModel.metadata.sorted_tables)}
    differences: list[tuple[str, str]] = []
    unreadable: set[str] = set()
    for table, item in sorted(expected.keys() | actual.keys(), key=lambda k: _rank(order, *k)):
        want, have = expected.get((table, item)), actual.get((table, item))
        if want == have:
            continue
        if item == TABLE:
            if have is None:
                unreadable.add(table)
            state = "missing" if have is None else f"{have}, not {want}"
            differences.append((table, f"table {table} is {state}"))
        elif (table, TABLE) not in actual:
            continue  # said once, above
        elif have is None:
            if item.startswith("column "):
                unreadable.add(table)
            shown = "" if _long(item, want) else f" {want}" if item == PRIMARY_KEY else f" ({want})"
            differences.append((table, f"table {table}: the {item}{shown} is missing"))
        elif want is None:
            shown = "" if have == "present" else f" ({have})"
            differences.append(
                (table, f"table {table}: {item}{shown} is not one the application creates")
            )
        elif _long(item, want):
            differences.append((table, f"table {table}: the {item} is altered: {have}"))
        else:
            differences.append((table, f"table {table}: the {item} is {have}, not {want}"))
    if revision is not None and (VERSION_TABLE, TABLE) in actual:
        differences += _version_differences(conn, revision)
    return SchemaReport(differences, frozenset(unreadable))


def _version_differences(conn: Connection, revision: str) -> list[tuple[str, str]]:
    """The version table must hold one row: the revision its tables are at."""
    recorded = migrations.read(conn, [VERSION_TABLE])
    if recorded.revision == revision:
        return []
    if len(recorded.values) != 1:
        state = f"holds {len(recorded.values)} rows, not one naming revision {revision}"
    else:
        later = " (a later release's?)" if recorded.state == "later" else ""
        state = f"records {recorded.describe()}{later}, not revision {revision}"
    return [(VERSION_TABLE, f"table {VERSION_TABLE} {state}")]


# What a summary names first: the table, its keys and triggers, then its columns and the rest.
_RANKS = (TABLE, PRIMARY_KEY, "unique ", "trigger ", "function ", "row-level", "policy ", "column ")


def _rank(order: dict[str, int], table: str, item: str) -> tuple[int, int, str]:
    rank = next((i for i, prefix in enumerate(_RANKS) if item.startswith(prefix)), len(_RANKS))
    return order.get(table, len(order)), rank, item


def _long(item: str, description: str | None) -> bool:
    """Whether a fact's description is too long, or says too little, to quote in a message."""
    return description == "present" or item.startswith(("trigger ", "function "))


__all__ = ["SchemaReport", "append_only_sql", "check_schema", "expected_facts", "head_facts"]
