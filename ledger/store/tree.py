"""The Merkle node cache and stored checkpoints, over SQLAlchemy Core (SQLite and PostgreSQL).

Level-0 nodes are the entries' leaf hashes; levels ≥ 1 live in `merkle_nodes`, written in the
append's own transaction (`extend_nodes`), so a proof at any size reads O(log n) rows in one or
two queries. A node missing from the cache (a ledger written before the cache existed, say) is
recomputed from the leaves it covers, so proofs stay correct; `ledger verify` reports the gap.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, insert, select

from ledger.merkle import CompactRange, Node, NodeReader, node_size, root, root_nodes
from ledger.store.engine import tolerant_rows
from ledger.store.tables import CHECKPOINTS, COSIGNATURES, ENTRIES, MERKLE_NODES

_CHUNK = 400  # values per IN (...) list


def leaf_hashes(conn: Connection, start: int, end: int) -> list[bytes]:
    """The leaf hashes of entries `start … end − 1`, in order."""
    query = (
        select(ENTRIES.c.leaf_hash)
        .where(ENTRIES.c.seq >= start, ENTRIES.c.seq < end)
        .order_by(ENTRIES.c.seq)
    )
    return [bytes.fromhex(value) for value in conn.execute(query).scalars()]


def stream_leaves(conn: Connection) -> Iterator[tuple[int, bytes]]:
    """Every (seq, leaf hash) in seq order, streamed."""
    query = select(ENTRIES.c.seq, ENTRIES.c.leaf_hash).order_by(ENTRIES.c.seq)
    result = conn.execution_options(stream_results=True, yield_per=4096).execute(query)
    for seq, value in result:
        yield seq, bytes.fromhex(value)


# `ledger verify` reads the following as stored: a tampered row may hold a value of any class
# (SQLite stores any value in any column), and verify checks each one.


def stored_leaves(conn: Connection) -> Iterator[tuple[Any, Any]]:
    """Every (seq, leaf hash) in seq order, streamed, as stored."""
    query = select(ENTRIES.c.seq, ENTRIES.c.leaf_hash).order_by(ENTRIES.c.seq)
    for row in tolerant_rows(conn, query, yield_per=4096):
        yield row[0], row[1]


def stored_nodes(conn: Connection) -> Iterator[tuple[Any, Any, Any]]:
    """Every cached node as (size, level, hash), in the order a growing tree completes them
    (the sizes and levels that are integers), streamed, as stored."""
    query = select(MERKLE_NODES.c.size, MERKLE_NODES.c.level, MERKLE_NODES.c.hash).order_by(
        MERKLE_NODES.c.size, MERKLE_NODES.c.level
    )
    for row in tolerant_rows(conn, query, yield_per=4096, plain=True):
        yield row[0], row[1], row[2]


def stored_checkpoints(conn: Connection) -> Iterator[tuple[Any, Any]]:
    """Every stored checkpoint as (size, signed note), ascending, as stored."""
    query = select(CHECKPOINTS.c.size, CHECKPOINTS.c.note).order_by(CHECKPOINTS.c.size)
    for row in tolerant_rows(conn, query):
        yield row[0], row[1]


def stored_cosignatures(conn: Connection) -> Iterator[tuple[Any, ...]]:
    """Every stored cosignature row (the fields of `StoredCosignature`), as stored."""
    query = select(*(COSIGNATURES.c[name] for name in StoredCosignature._fields))
    for row in tolerant_rows(conn, query):
        yield tuple(row)


def read_nodes(conn: Connection, nodes: set[Node]) -> dict[Node, bytes]:
    """Fetch complete-subtree hashes: leaves from `entries`, the rest from the cache.

    A node the cache lacks is recomputed from its leaves.
    """
    found: dict[Node, bytes] = {}
    leaves = sorted(index for level, index in nodes if level == 0)
    for chunk in _chunks(leaves):
        query = select(ENTRIES.c.seq, ENTRIES.c.leaf_hash).where(ENTRIES.c.seq.in_(chunk))
        for seq, value in conn.execute(query):
            found[(0, seq)] = bytes.fromhex(value)
    # `size IN (…)` uses the primary key's leading column on every backend (a row-value IN may
    # not); the few other levels completed at those sizes are dropped here.
    inner = {(node_size(node), node[0]) for node in nodes if node[0] > 0}
    for chunk in _chunks(sorted({size for size, _ in inner})):
        query = select(MERKLE_NODES.c.size, MERKLE_NODES.c.level, MERKLE_NODES.c.hash).where(
            MERKLE_NODES.c.size.in_(chunk)
        )
        for row in conn.execute(query):
            size, level = int(row[0]), int(row[1])
            if (size, level) in inner:
                found[(level, (size >> level) - 1)] = bytes(row[2])
    for node in nodes - found.keys():
        level, index = node
        leaves_of = leaf_hashes(conn, index << level, (index + 1) << level)
        if len(leaves_of) == 1 << level:
            found[node] = root(leaves_of)
    return found


def node_reader(conn: Connection) -> NodeReader:
    """A `merkle.NodeReader` bound to one transaction."""

    def read(nodes: set[Node]) -> Mapping[Node, bytes]:
        return read_nodes(conn, nodes)

    return read


def extend_nodes(
    conn: Connection, first: int, leaves: Sequence[bytes], tree: CompactRange | None = None
) -> CompactRange:
    """Cache the complete nodes that new leaves `first …` finish (inside the append's transaction).

    The tree's right border at size `first` is read first (O(log n) nodes), unless `tree`
    already holds it; so an append costs about one node insert on average. Returns the border
    after the new leaves (`tree` itself, advanced, when given).
    """
    if tree is None or tree.size != first:
        border_nodes = root_nodes(first)
        border = read_nodes(conn, set(border_nodes))
        tree = CompactRange(first, [border[node] for node in border_nodes])
    rows = []
    for leaf in leaves:
        for (level, index), value in tree.append(leaf):
            rows.append({"size": (index + 1) << level, "level": level, "hash": value})
    if rows:
        conn.execute(insert(MERKLE_NODES), rows)
    return tree


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# -- checkpoints and cosignatures ----------------------------------------------------------------


class StoredCosignature(NamedTuple):
    size: int
    witness: str
    key_id: str
    verifier_key: str
    line: str


def checkpoint_sizes(conn: Connection) -> list[int]:
    """Sizes of the stored checkpoints, ascending."""
    return list(conn.execute(select(CHECKPOINTS.c.size).order_by(CHECKPOINTS.c.size)).scalars())


def stored_checkpoint(conn: Connection, size: int) -> bytes | None:
    """The stored signed note of the checkpoint at `size`, if any."""
    value = conn.execute(select(CHECKPOINTS.c.note).where(CHECKPOINTS.c.size == size)).scalar()
    return None if value is None else bytes(value)


def latest_checkpoint(conn: Connection, at_most: int | None = None) -> tuple[int, bytes] | None:
    """The stored checkpoint of the largest size (not above `at_most`), if any."""
    query = select(CHECKPOINTS.c.size, CHECKPOINTS.c.note)
    if at_most is not None:
        query = query.where(CHECKPOINTS.c.size <= at_most)
    row = conn.execute(query.order_by(CHECKPOINTS.c.size.desc()).limit(1)).first()
    return None if row is None else (row[0], bytes(row[1]))


def stream_checkpoints(conn: Connection) -> Iterator[tuple[int, bytes]]:
    """Every stored checkpoint as (size, signed note), ascending."""
    query = select(CHECKPOINTS.c.size, CHECKPOINTS.c.note).order_by(CHECKPOINTS.c.size)
    for size, note in conn.execute(query):
        yield size, bytes(note)


def insert_checkpoint(conn: Connection, size: int, note: bytes) -> None:
    conn.execute(insert(CHECKPOINTS).values(size=size, note=note))


def cosignatures(conn: Connection, size: int | None = None) -> list[StoredCosignature]:
    """Stored cosignatures (of one checkpoint, or all), by size then witness."""
    query = select(*(COSIGNATURES.c[name] for name in StoredCosignature._fields))
    if size is not None:
        query = query.where(COSIGNATURES.c.size == size)
    query = query.order_by(COSIGNATURES.c.size, COSIGNATURES.c.witness, COSIGNATURES.c.key_id)
    return [StoredCosignature._make(row) for row in conn.execute(query)]


def insert_cosignature(conn: Connection, row: StoredCosignature) -> bool:
    """Store a cosignature unless that witness key already cosigned that checkpoint."""
    exists = conn.execute(
        select(COSIGNATURES.c.size).where(
            COSIGNATURES.c.size == row.size,
            COSIGNATURES.c.witness == row.witness,
            COSIGNATURES.c.key_id == row.key_id,
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(insert(COSIGNATURES).values(**row._asdict()))
    return True


# -- the cache as the registrar's checkpoint compares and repairs it ---------------------------


def cached_nodes(conn: Connection, after: int, until: int) -> Iterator[tuple[int, int, object]]:
    """The cached nodes completed at sizes `after` < size ≤ `until`, as (size, level, value)
    in the order a growing tree completes them; the value exactly as stored."""
    query = (
        select(MERKLE_NODES.c.size, MERKLE_NODES.c.level, MERKLE_NODES.c.hash)
        .where(MERKLE_NODES.c.size > after, MERKLE_NODES.c.size <= until)
        .order_by(MERKLE_NODES.c.size, MERKLE_NODES.c.level)
    )
    result = conn.execution_options(stream_results=True, yield_per=4096).execute(query)
    for size, level, value in result:
        yield int(size), int(level), value


def replace_nodes(conn: Connection, rows: Sequence[tuple[int, int, bytes | None]]) -> None:
    """Rewrite cached nodes as (size, level, hash); a None hash removes the row."""
    for size, level, value in rows:
        conn.execute(
            delete(MERKLE_NODES).where(MERKLE_NODES.c.size == size, MERKLE_NODES.c.level == level)
        )
        if value is not None:
            conn.execute(insert(MERKLE_NODES).values(size=size, level=level, hash=value))
