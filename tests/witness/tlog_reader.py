"""A reader of tlog-tiles logs written from the C2SP texts alone (signed-note, tlog-checkpoint,
tlog-tiles, tlog-cosignature), for the tests: it uses hashlib, struct, base64 and the
`cryptography` Ed25519 primitive, and none of the project's tree, note or tile code, so that
the project's publication is checked by an independent reading of the specifications.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

Fetch = Callable[[str], bytes | None]  # a path under the log's prefix -> bytes, None if absent


class ReadError(Exception):
    pass


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf(data: bytes) -> bytes:
    return sha256(b"\x00" + data)


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH over already-hashed leaves."""
    if not hashes:
        return sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node(mth(hashes[:k]), mth(hashes[k:]))


def n_path(n: int) -> str:
    """tlog-tiles: base 1000, 3 digits, 'x' before every group but the last."""
    groups = [n % 1000]
    n //= 1000
    while n:
        groups.insert(0, n % 1000)
        n //= 1000
    return "/".join([f"x{g:03d}" for g in groups[:-1]] + [f"{groups[-1]:03d}"])


def suffix(w: int) -> str:
    return "" if w == 256 else f".p/{w}"


@dataclass
class Vkey:
    name: str
    key_id: bytes
    key_type: int
    key: bytes


def parse_vkey(text: str) -> Vkey:
    name, hex_id, material = text.split("+", 2)
    raw = base64.b64decode(material, validate=True)
    key_id = sha256(name.encode() + b"\n" + raw)[:4]
    if key_id.hex() != hex_id:
        raise ReadError("verifier key id mismatch")
    return Vkey(name, key_id, raw[0], raw[1:])


@dataclass
class Read:
    origin: str
    size: int
    root: bytes
    entries: list[bytes]
    cosigned_by: list[str]
    files: int


def open_checkpoint(
    data: bytes, log: Vkey, witnesses: list[Vkey]
) -> tuple[str, int, bytes, list[str]]:
    text = data.decode("utf-8")
    if any(c < " " and c != "\n" for c in text):
        raise ReadError("control character in note")
    cut = text.rindex("\n\n")
    body, sigs = text[: cut + 1], text[cut + 2 :]
    lines = body[:-1].split("\n")
    if len(lines) != 3:
        raise ReadError("want exactly origin, size, root")
    origin, size_text, root_text = lines
    if not re.fullmatch(r"0|[1-9][0-9]*", size_text):
        raise ReadError("size not canonical decimal")
    root = base64.b64decode(root_text, validate=True)
    if len(root) != 32 or base64.b64encode(root).decode() != root_text:
        raise ReadError("root not 32 bytes of base64")
    logged, cosigned = False, []
    for line in sigs[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise ReadError("signature line without em dash")
        name, blob = line[2:].split(" ")
        raw = base64.b64decode(blob, validate=True)
        kid, sig = raw[:4], raw[4:]
        if name == log.name and kid == log.key_id:
            try:
                Ed25519PublicKey.from_public_bytes(log.key).verify(sig, body.encode())
            except InvalidSignature:
                raise ReadError("bad log signature") from None
            logged = True
        for w in witnesses:
            if name == w.name and kid == w.key_id and w.key_type == 0x04:
                (t,) = struct.unpack(">Q", sig[:8])
                msg = f"cosignature/v1\ntime {t}\n".encode() + body.encode()
                try:
                    Ed25519PublicKey.from_public_bytes(w.key).verify(sig[8:], msg)
                except InvalidSignature:
                    raise ReadError(f"bad cosignature by {w.name}") from None
                cosigned.append(w.name)
    if not logged:
        raise ReadError("no signature by the log key")
    if origin != log.name:
        raise ReadError("origin is not the log key's name")
    return origin, int(size_text), root, cosigned


def read_log(fetch: Fetch, log: str, witnesses: tuple[str, ...] = ()) -> Read:
    """Read and check a whole published log: checkpoint, every tile, every bundle."""
    data = fetch("checkpoint")
    if data is None:
        raise ReadError("no checkpoint")
    origin, size, root, cosigned = open_checkpoint(
        data, parse_vkey(log), [parse_vkey(w) for w in witnesses]
    )
    files = 1
    # entries and level 0
    entries: list[bytes] = []
    level_hashes: list[bytes] = []
    for n in range((size + 255) // 256):
        w = min(256, size - 256 * n)
        tile = fetch(f"tile/0/{n_path(n)}{suffix(w)}")
        bundle = fetch(f"tile/entries/{n_path(n)}{suffix(w)}")
        if tile is None or bundle is None:
            raise ReadError(f"missing level-0 tile or bundle {n}")
        files += 2
        if len(tile) != 32 * w:
            raise ReadError(f"tile/0/{n} is {len(tile)} bytes, want {32 * w}")
        items, at = [], 0
        while at < len(bundle):
            (length,) = struct.unpack(">H", bundle[at : at + 2])
            items.append(bundle[at + 2 : at + 2 + length])
            at += 2 + length
        if at != len(bundle) or len(items) != w:
            raise ReadError(f"bundle {n} framing or count wrong")
        for i, item in enumerate(items):
            if leaf(item) != tile[32 * i : 32 * i + 32]:
                raise ReadError(f"entry {256 * n + i} does not hash to its tile")
        entries += items
        level_hashes += [tile[j : j + 32] for j in range(0, len(tile), 32)]
    if mth(level_hashes) != root:
        raise ReadError("the entries do not hash to the checkpoint root")
    # upper levels: hash i of tile/L/N is MTH of full tile/L-1/(256N+i)
    below = level_hashes
    level = 1
    while size >> (8 * level):
        count = size >> (8 * level)
        expected = [mth(below[256 * j : 256 * j + 256]) for j in range(count)]
        got: list[bytes] = []
        for n in range((count + 255) // 256):
            w = min(256, count - 256 * n)
            tile = fetch(f"tile/{level}/{n_path(n)}{suffix(w)}")
            if tile is None or len(tile) != 32 * w:
                raise ReadError(f"tile/{level}/{n} missing or of the wrong length")
            files += 1
            got += [tile[j : j + 32] for j in range(0, len(tile), 32)]
        if got != expected:
            raise ReadError(f"level {level} tiles are not the roots of the level below")
        below = expected
        level += 1
    return Read(origin, size, root, entries, cosigned, files)


def dir_fetch(root: object) -> Fetch:
    from pathlib import Path

    base = Path(str(root))

    def fetch(path: str) -> bytes | None:
        p = base / path
        return p.read_bytes() if p.is_file() else None

    return fetch
