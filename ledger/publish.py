"""Publish the ledger as a C2SP tlog-tiles directory that any static web server can serve.

What is written, for the latest stored checkpoint (of size s):
    checkpoint              the signed checkpoint with its stored cosignatures
    tile/<L>/<N>[.p/<W>]    hash tiles (`ledger.tiles`)
    tile/entries/<N>[.p/W]  entry bundles: each entry's canonical statement, the leaf input
    x-sig/<N>[.p/<W>]       the authors' signatures of those entries, in the same framing

Incremental: the checkpoint already in the directory says what was published; only the tiles
and bundles from its last partial tile on are computed, from the entries, and written. The
tiles computed are checked against the checkpoint's root before anything is written: a ledger
whose entries no longer hash to its signed checkpoint publishes nothing. A tile or bundle is
written once: a temporary file beside it, flushed to disk, renamed into place, so a web server
never serves half a file; a file already there with other bytes stops the publication (what was
published cannot change). The checkpoint is replaced last. Deterministic: the same ledger gives
the same bytes whatever the history of the directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ledger import merkle, tiles
from ledger.checkpoints import stored_checkpoint, tree_root
from ledger.errors import CheckpointError, NoteError, StoreError
from ledger.note import SignedCheckpoint, b64
from ledger.store import Connection, SqlStore, StoredRow

CHECKPOINT = "checkpoint"
ROW_BATCH = tiles.TILE_WIDTH


@dataclass
class Published:
    """What `publish` did: the size published, the size the directory held before, and how
    many files it wrote or found already in place."""

    size: int
    previous: int
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    checkpoint_changed: bool = False


def published_checkpoint(directory: Path) -> SignedCheckpoint | None:
    """The checkpoint a publication directory holds, or None.

    Raises:
        StoreError: it cannot be read or is not a signed checkpoint.
    """
    path = directory / CHECKPOINT
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return SignedCheckpoint.parse(data)
    except NoteError as exc:
        raise StoreError(f"{path} is not a signed checkpoint ({exc.message})") from None


def publish(*, store: SqlStore, directory: Path) -> Published:
    """Publish the latest stored checkpoint, its tiles and its entries into `directory`.

    Raises:
        EntryNotFoundError: no checkpoint is stored yet.
        CheckpointError: the directory holds another ledger, or a larger or different
            checkpoint; or the entries do not hash to the stored checkpoint's root. Nothing is
            written.
        StoreError: a published file has other bytes, or the directory cannot be written.
    """
    if directory.exists() and not directory.is_dir():
        raise StoreError(f"{directory} is not a directory: publish into a directory")
    signed = stored_checkpoint(store=store)
    cp = signed.checkpoint
    size = cp.size
    before = published_checkpoint(directory)
    previous = 0 if before is None else before.checkpoint.size
    with store.reading() as conn:
        if before is not None:
            _check_previous(conn, before, signed, directory)
        level0 = _level0(conn, store, previous, size)
        upper = _upper_levels(directory, level0, previous, size)
        computed = tiles.root_from_tiles(size, _reader(directory, upper))
        if computed != cp.root:
            raise CheckpointError(
                f"refusing to publish: the entries hash to root {b64(computed)[:16]}…, the "
                f"checkpoint of size {size} says {b64(cp.root)[:16]}…; run `ledger verify`",
                seq=size - 1,
            )
        done = Published(size, previous)
        writer = _Writer(directory, done)
        for start, rows in _chunks(conn, store, previous, size):
            n = start // tiles.TILE_WIDTH
            width = len(rows)
            statements = [row.statement for row in rows]
            if [merkle.hash_leaf(s) for s in statements] != tiles.hashes(upper[(0, n)]):
                raise CheckpointError(
                    f"refusing to publish: the entries from seq {start} changed while being "
                    "published",
                    seq=start,
                )
            writer.put(tiles.bundle_path(n, width), tiles.bundle(statements))
            signatures = [row.signature for row in rows]
            writer.put(tiles.bundle_path(n, width, kind=tiles.SIGNATURES), tiles.bundle(signatures))
    for (level, n), body in sorted(upper.items()):
        writer.put(tiles.tile_path(level, n, len(body) // merkle.HASH_SIZE), body)
    writer.sync()
    data = signed.encode()
    if before is None or before.encode() != data:
        writer.replace(CHECKPOINT, data)
        done.checkpoint_changed = True
    return done


def _check_previous(
    conn: Connection, before: SignedCheckpoint, signed: SignedCheckpoint, directory: Path
) -> None:
    old, new = before.checkpoint, signed.checkpoint
    where = f"{directory / CHECKPOINT}"
    if old.origin != new.origin:
        raise CheckpointError(
            f"refusing to publish: {where} is the checkpoint of {old.origin!r}, not of this "
            f"ledger ({new.origin!r}); publish into another directory"
        )
    if old.size > new.size:
        raise CheckpointError(
            f"refusing to publish: {where} has size {old.size}, larger than this ledger's "
            f"latest checkpoint ({new.size}): the ledger was cut short or rolled back",
            seq=new.size,
        )
    if tree_root(conn, old.size) != old.root:
        raise CheckpointError(
            f"refusing to publish: the ledger is not an extension of {where} (size "
            f"{old.size}): its first {old.size} entries hash to another root",
            seq=old.size - 1,
        )


def _chunks(
    conn: Connection, store: SqlStore, previous: int, size: int
) -> Iterator[tuple[int, list[StoredRow]]]:
    """The entries from the start of the tile holding seq `previous`, a tile at a time."""
    start = previous - previous % tiles.TILE_WIDTH
    batch: list[StoredRow] = []
    first = start
    for row in store.rows(conn=conn, since=start, until=size - 1):
        if row.seq != first + len(batch):
            raise CheckpointError(
                f"refusing to publish: seq {first + len(batch)} is missing", seq=row.seq
            )
        batch.append(row)
        if len(batch) == tiles.TILE_WIDTH:
            yield first, batch
            first, batch = first + tiles.TILE_WIDTH, []
    if first + len(batch) != size:
        raise CheckpointError(
            f"refusing to publish: the ledger ends at seq {first + len(batch) - 1}, the "
            f"checkpoint covers {size} entries",
            seq=first + len(batch),
        )
    if batch:
        yield first, batch


def _level0(conn: Connection, store: SqlStore, previous: int, size: int) -> dict[int, bytes]:
    """The level-0 tiles from the one holding seq `previous` on, from the entries."""
    out = {}
    for start, rows in _chunks(conn, store, previous, size):
        for row in rows:
            if len(row.statement) > tiles.MAX_ENTRY:
                raise CheckpointError(
                    f"refusing to publish: entry {row.seq} is {len(row.statement)} bytes, more "
                    f"than an entry bundle holds ({tiles.MAX_ENTRY})",
                    seq=row.seq,
                )
        out[start // tiles.TILE_WIDTH] = b"".join(merkle.hash_leaf(r.statement) for r in rows)
    return out


def _upper_levels(
    directory: Path, level0: dict[int, bytes], previous: int, size: int
) -> dict[tuple[int, int], bytes]:
    """Every tile to write, by (level, index): level 0's, then each level above from the full
    tiles below it (those published before are read back from the directory)."""
    out = {(0, n): body for n, body in level0.items()}
    level = 1
    while size >> (tiles.HEIGHT * level):
        count = size >> (tiles.HEIGHT * level)  # hashes at this level: full tiles below
        first = (previous >> (tiles.HEIGHT * level)) // tiles.TILE_WIDTH * tiles.TILE_WIDTH
        for start in range(first, count, tiles.TILE_WIDTH):
            parts = []
            for below in range(start, min(start + tiles.TILE_WIDTH, count)):
                body = out.get((level - 1, below))
                if body is None:
                    body = _read_tile(directory, level - 1, below, tiles.TILE_WIDTH)
                parts.append(tiles.tile_root(body))
            out[(level, start // tiles.TILE_WIDTH)] = b"".join(parts)
        level += 1
    return out


def _read_tile(directory: Path, level: int, n: int, width: int) -> bytes:
    path = directory / tiles.tile_path(level, n, width)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise StoreError(
            f"cannot read the published tile {path}: {exc.strerror}; publish into an empty "
            "directory to start again"
        ) from None
    if len(body) != width * merkle.HASH_SIZE:
        raise StoreError(f"the published tile {path} is {len(body)} bytes, not {width * 32}")
    return body


def _reader(directory: Path, fresh: dict[tuple[int, int], bytes]) -> tiles.TileReader:
    def read(level: int, n: int, width: int) -> bytes:
        body = fresh.get((level, n))
        return body if body is not None else _read_tile(directory, level, n, width)

    return read


class _Writer:
    """Writes files once, atomically; fsyncs the directories touched before the checkpoint."""

    def __init__(self, root: Path, done: Published) -> None:
        self.root = root
        self.done = done
        self.dirs: set[Path] = set()

    def put(self, name: str, data: bytes) -> None:
        path = self.root / name
        try:
            existing = path.read_bytes()
        except FileNotFoundError:
            existing = None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror}") from None
        if existing == data:
            self.done.unchanged += 1
            return
        if existing is not None:
            raise StoreError(
                f"refusing to publish: {path} holds other bytes than this ledger's; a "
                "published tile never changes (was another history published here?)"
            )
        self._write(path, data)
        self.done.written.append(name)

    def replace(self, name: str, data: bytes) -> None:
        self._write(self.root / name, data)
        self._sync_dir(self.root)

    def _write(self, path: Path, data: bytes) -> None:
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise StoreError(f"cannot write {path}: {exc.strerror}") from None
        self.dirs.add(path.parent)

    def sync(self) -> None:
        for directory in sorted(self.dirs):
            self._sync_dir(directory)
        self.dirs.clear()

    @staticmethod
    def _sync_dir(directory: Path) -> None:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
