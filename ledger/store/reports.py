"""The reads the exported reports make of the replayed procedure state."""

from __future__ import annotations

from sqlalchemy import Connection, select

from ledger.store.tables import DERIVED


def normative_documents(conn: Connection, year: int) -> list[str]:
    """The stored JSON of the normative documents of `year`, by id."""
    state = DERIVED["procedure_state"]
    query = select(state.c.data).where(state.c.kind == "normative_doc", state.c.year == year)
    return list(conn.execute(query.order_by(state.c.id)).scalars())
