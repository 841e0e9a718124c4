"""0001, the baseline: the tables, keys and append-only triggers of release 0.1.0, and the
version table that records this revision.

A new ledger is made as the application declares it (`SqlStore.create`) and recorded at the
head revision; a ledger of release 0.1.0, which records no revision, is recognised by its
tables and given the version table by `ledger db upgrade`. So this revision has nothing to do.
"""

from __future__ import annotations

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing: the baseline is the schema the ledger already has."""


def downgrade() -> None:
    """Nothing: a ledger never goes back to an earlier schema."""
