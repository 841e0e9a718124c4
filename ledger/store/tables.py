"""Every table of the store, in one module.

`entries` and `blobs` are authenticated: each byte is covered by a hash or a signature, and the
database refuses UPDATE and DELETE on them. `persons`, `keys`, `organs`, `memberships`,
`procedure_state` and `involvements` are derived from the entries; `ledger verify` rebuilds them
and compares.
"""

from __future__ import annotations

from sqlalchemy import Column, LargeBinary, PrimaryKeyConstraint, Table
from sqlmodel import Field, SQLModel


class EntryRow(SQLModel, table=True):
    __tablename__ = "entries"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    leaf_hash: str = Field(max_length=64, unique=True)
    prev: str = Field(max_length=64, unique=True)
    type: str = Field(max_length=100, index=True)
    subject: str = Field(max_length=128, index=True)
    occurred_at: str = Field(max_length=40)
    recorded_at: str = Field(max_length=40)
    actor: str = Field(max_length=128, index=True)
    key_id: str = Field(max_length=64)
    statement: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class BlobRow(SQLModel, table=True):
    __tablename__ = "blobs"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PersonRow(SQLModel, table=True):
    __tablename__ = "persons"

    id: str = Field(primary_key=True, max_length=128)
    name: str
    registered_seq: int


class KeyRow(SQLModel, table=True):
    __tablename__ = "keys"

    key_id: str = Field(primary_key=True, max_length=64)
    person: str = Field(max_length=128, index=True)
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    bound_seq: int
    bound_at: str
    revoked_seq: int | None = None
    revoked_at: str | None = None
    revoked_reason: str | None = None


class OrganRow(SQLModel, table=True):
    __tablename__ = "organs"

    id: str = Field(primary_key=True, max_length=128)
    name: str
    kind: str
    created_seq: int


class MembershipRow(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (PrimaryKeyConstraint("person", "organ", "role", "started_seq"),)

    person: str = Field(max_length=128)
    organ: str = Field(max_length=128)
    role: str = Field(max_length=40)
    start: str
    started_seq: int
    end: str | None = None
    ended_seq: int | None = None


class ProcedureStateRow(SQLModel, table=True):
    """One decision, meeting, catalog, normative document, case or the rule profiles: the
    procedure's state as replayed from the entries (JSON in `data`)."""

    __tablename__ = "procedure_state"
    __table_args__ = (PrimaryKeyConstraint("kind", "id"),)

    kind: str = Field(max_length=40)
    id: str = Field(max_length=128)
    status: str | None = Field(default=None, max_length=40, index=True)
    organ: str | None = Field(default=None, max_length=128)
    year: int | None = None
    data: str
    last_seq: int


class InvolvementRow(SQLModel, table=True):
    """One person's part in one matter, proven by one entry: the responsibility index."""

    __tablename__ = "involvements"
    __table_args__ = (PrimaryKeyConstraint("person", "subject", "role", "seq"),)

    person: str = Field(max_length=128, index=True)
    subject: str = Field(max_length=128, index=True)
    role: str = Field(max_length=60)
    seq: int
    detail: str


def table(model: type[SQLModel]) -> Table:
    """Return the SQLAlchemy Core table of a model (the hot paths use Core, not the ORM)."""
    result = model.__table__  # type: ignore[attr-defined]
    assert isinstance(result, Table)
    return result


ENTRIES = table(EntryRow)
BLOBS = table(BlobRow)
DERIVED = {
    "persons": table(PersonRow),
    "keys": table(KeyRow),
    "organs": table(OrganRow),
    "memberships": table(MembershipRow),
    "procedure_state": table(ProcedureStateRow),
    "involvements": table(InvolvementRow),
}
AUTHENTICATED: tuple[str, ...] = ("entries", "blobs")


# -- Merkle tree and checkpoints -----------------------------------------------------------------
# `merkle_nodes` is a derived cache: each complete subtree of level ≥ 1 of the RFC 6962 tree over
# the leaf hashes, keyed by the tree size at which it completes (one past its last leaf) and its
# level, so rows in key order are the order in which a growing tree finishes them. `ledger verify`
# rebuilds it from the leaf hashes and compares. `checkpoints` holds signed notes (C2SP
# tlog-checkpoint), `cosignatures` the witnesses' cosignature/v1 lines over them: both are
# covered by signatures and refused UPDATE and DELETE like the entries.


class MerkleNodeRow(SQLModel, table=True):
    __tablename__ = "merkle_nodes"
    __table_args__ = (PrimaryKeyConstraint("size", "level"),)

    size: int
    level: int
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CheckpointRow(SQLModel, table=True):
    __tablename__ = "checkpoints"

    size: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    note: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CosignatureRow(SQLModel, table=True):
    __tablename__ = "cosignatures"
    __table_args__ = (PrimaryKeyConstraint("size", "witness", "key_id"),)

    size: int
    witness: str = Field(max_length=200)
    key_id: str = Field(max_length=8)
    verifier_key: str = Field(max_length=400)
    line: str = Field(max_length=400)


MERKLE_NODES = table(MerkleNodeRow)
CHECKPOINTS = table(CheckpointRow)
COSIGNATURES = table(CosignatureRow)
AUTHENTICATED = (*AUTHENTICATED, "checkpoints", "cosignatures")


# -- the schema's revision ------------------------------------------------------------------------
# One row: the revision of `ledger.store.migrations` the tables are at. Declared here, as Alembic
# makes it, so that a new ledger has it and `ledger verify` checks both the table and its row.


class SchemaVersionRow(SQLModel, table=True):
    __tablename__ = "alembic_version"

    version_num: str = Field(primary_key=True, max_length=32)


SCHEMA_VERSION = table(SchemaVersionRow)


def table_names() -> list[str]:
    """Every table of a ledger, in an order that inserts may follow."""
    return [tbl.name for tbl in SQLModel.metadata.sorted_tables]


def table_named(name: str) -> Table:
    """The table called `name`. Raises KeyError for another name."""
    return SQLModel.metadata.tables[name]
