"""The C2SP tlog-tiles layout: paths, widths and framing; pure functions, no I/O.

A tile is a height-8 subtree of the RFC 6962 tree. Level 0 tile N holds the leaf hashes of
entries N·256 … N·256+255; level L ≥ 1 tile N holds, at position i, the root of the *full*
level-(L−1) tile N·256+i. A tile of fewer than 256 hashes is partial and lives at `….p/<W>`.
The bodies are the hashes concatenated (32·W bytes). Entry bundles `tile/entries/<N>` frame
each entry as a big-endian uint16 length and the bytes; the parallel `x-sig/<N>` bundles frame
each entry's author signature the same way (the tree does not commit to them: a reader checks
each against the author's key).

Index `N` is written in base 1000, three digits a group, every group but the last prefixed
with `x` (0 → `000`, 1234067 → `x001/x234/067`), so no file shares a name with a directory.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable, Iterator

from ledger import merkle

TILE_WIDTH = 256
HEIGHT = 8
MAX_ENTRY = 65_535  # the uint16 length of an entry in a bundle
ENTRIES = "entries"
SIGNATURES = "x-sig"

TileReader = Callable[[int, int, int], bytes]  # (level, index, width) -> tile body

_GROUP = re.compile(r"^(x[0-9]{3}/)*[0-9]{3}$")


def format_index(n: int) -> str:
    """`n` as tlog-tiles path elements: 0 → `000`, 1000 → `x001/000`."""
    if n < 0:
        raise ValueError("a tile index is not negative")
    text = f"{n % 1000:03d}"
    n //= 1000
    while n:
        text = f"x{n % 1000:03d}/{text}"
        n //= 1000
    return text


def parse_index(text: str) -> int:
    """The index written by `format_index`; ValueError if `text` is not exactly that form."""
    if not _GROUP.fullmatch(text):
        raise ValueError(f"{text!r} is not a tile index")
    value = int(text.replace("x", "").replace("/", ""))
    if format_index(value) != text:
        raise ValueError(f"{text!r} is not a tile index")
    return value


def tile_path(level: int, n: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>`, with `.p/<W>` for a partial tile."""
    return f"tile/{level}/{format_index(n)}" + _partial(width)


def bundle_path(n: int, width: int = TILE_WIDTH, *, kind: str = ENTRIES) -> str:
    """`tile/entries/<N>` (or the signatures' `x-sig/<N>`), with `.p/<W>` when partial."""
    prefix = "tile/entries" if kind == ENTRIES else SIGNATURES
    return f"{prefix}/{format_index(n)}" + _partial(width)


def _partial(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile holds 1 to {TILE_WIDTH} hashes, not {width}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def width_at(level: int, n: int, size: int) -> int:
    """How many hashes tile `n` of `level` holds in a tree of `size` (0: it does not exist)."""
    below = size >> (HEIGHT * level)  # hashes at this level
    start = n * TILE_WIDTH
    return max(0, min(TILE_WIDTH, below - start))


def tiles_of(size: int) -> Iterator[tuple[int, int, int]]:
    """Every tile (level, index, width) of a tree of `size`, level by level."""
    level = 0
    while size >> (HEIGHT * level):
        count = size >> (HEIGHT * level)
        for n in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            yield level, n, width_at(level, n, size)
        level += 1


def hashes(body: bytes) -> list[bytes]:
    """The 32-byte hashes of a tile body; ValueError if its length is not a multiple of 32."""
    if len(body) % merkle.HASH_SIZE:
        raise ValueError(f"a tile of {len(body)} bytes is not whole hashes")
    return [body[i : i + merkle.HASH_SIZE] for i in range(0, len(body), merkle.HASH_SIZE)]


def tile_root(body: bytes) -> bytes:
    """The Merkle root of a full tile's 256 hashes: its hash in the level above."""
    return merkle.root(hashes(body))


def bundle(items: Iterable[bytes]) -> bytes:
    """Entries framed as uint16-BE length ‖ bytes; ValueError for an entry over 65,535 bytes."""
    parts = []
    for item in items:
        if len(item) > MAX_ENTRY:
            raise ValueError(f"an entry of {len(item)} bytes does not fit a bundle ({MAX_ENTRY})")
        parts.append(struct.pack(">H", len(item)) + item)
    return b"".join(parts)


def unbundle(body: bytes) -> list[bytes]:
    """The entries of a bundle; ValueError if the framing does not end on its last byte."""
    items, at = [], 0
    while at < len(body):
        if at + 2 > len(body):
            raise ValueError(f"a bundle ends inside a length at byte {at}")
        (length,) = struct.unpack(">H", body[at : at + 2])
        if at + 2 + length > len(body):
            raise ValueError(f"a bundle's entry at byte {at} runs past its end")
        items.append(body[at + 2 : at + 2 + length])
        at += 2 + length
    return items


def root_from_tiles(size: int, read: TileReader) -> bytes:
    """The root of a tree of `size` computed from its right-edge tiles (`read(level, n, w)`
    gives a tile body); the root authenticates every tile it used."""
    if size == 0:
        return merkle.EMPTY_ROOT
    nodes = {}
    for level, index in merkle.root_nodes(size):
        tile_level, within = divmod(level, HEIGHT)
        first = index << within
        n, offset = divmod(first, TILE_WIDTH)
        body = read(tile_level, n, width_at(tile_level, n, size))
        part = hashes(body)[offset : offset + (1 << within)]
        if len(part) != 1 << within:
            raise ValueError(f"tile {tile_path(tile_level, n)} is too short")
        nodes[(level, index)] = part[0] if within == 0 else merkle.root(part)
    return merkle.root_from_nodes(size, nodes)


__all__ = [
    "ENTRIES",
    "MAX_ENTRY",
    "SIGNATURES",
    "TILE_WIDTH",
    "bundle",
    "bundle_path",
    "format_index",
    "hashes",
    "parse_index",
    "root_from_tiles",
    "tile_path",
    "tile_root",
    "tiles_of",
    "unbundle",
    "width_at",
]
