"""What a person hands the ledger: numbers typed on the command line, files named there, and
the entry bodies in them.

One parser for numbers and one reader for files, so that every command refuses the same
things the same way: an `InputError` naming the option, file, line or field, raised before
anything is written. No reader here waits on a FIFO or a device, reads without bound, or lets
a hostile document reach code that recurses over it.

Limits (the README lists them):
- a number or seq given as an option: the ASCII digits 0-9 only, 0 ≤ n ≤ 2**63 − 1 (what a
  signed 64-bit INTEGER column holds, in SQLite and PostgreSQL alike);
- a body file (JSON or TOML): at most 1 MiB, nested at most 32 levels below the body,
  integers within ±(2**53 − 1) (I-JSON, RFC 7493, which the canonical form requires), no NaN
  or Infinity, no duplicate keys, no lone surrogates;
- any other small file (a checkpoint, a proof, a key request): at most 1 MiB;
- a document stored as a blob: at most 256 MiB.
"""

from __future__ import annotations

import json
import math
import os
import stat
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ledger.canonical import MAX_SAFE_INTEGER
from ledger.errors import InputError

MAX_NATURAL = 2**63 - 1
MAX_TEXT_FILE = 1024 * 1024
MAX_BODY_BYTES = MAX_TEXT_FILE
MAX_BODY_DEPTH = 32
MAX_DOCUMENT = 256 * 1024 * 1024

# Longer than this, an integer is out of range whatever its digits: reading it would only cost
# time (and Python refuses more than 4,300 digits with a message about its own settings).
_MAX_INT_DIGITS = len(str(MAX_SAFE_INTEGER))


# -- numbers ------------------------------------------------------------------------------------


def parse_natural(text: str, *, where: str, minimum: int = 0, maximum: int = MAX_NATURAL) -> int:
    """Read a whole number typed by a person: ASCII digits only, within [minimum, maximum].

    Python's `int()` also takes `٣`, `1_000`, ` 7 ` and `+7`, and `str.isdigit()` takes `²`;
    none of them is a seq.

    Raises:
        InputError: naming `where`, saying what is allowed.
    """
    shown = text if len(text) <= 30 else text[:29] + "…"
    if not text or not text.isascii() or not text.isdigit():
        raise InputError(
            f"{shown!r} is not a whole number: use the digits 0-9 only, from {minimum} to "
            f"{maximum}",
            where=where,
        )
    if len(text.lstrip("0")) > len(str(maximum)) or not minimum <= int(text) <= maximum:
        raise InputError(f"{shown} is out of range: use {minimum} to {maximum}", where=where)
    return int(text)


# -- files --------------------------------------------------------------------------------------


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_file(path: Path | str, *, limit: int, where: str | None = None) -> bytes:
    """Read a regular file of at most `limit` bytes.

    The file is opened without blocking, so a FIFO with no writer is refused instead of
    waiting for ever; a directory, a device or a socket is refused by what `fstat` says of the
    opened file, not by a check that could race with a rename.

    Raises:
        InputError: naming the file: missing, unreadable, not a regular file, or too large.
    """
    name = where or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError("no such file", where=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", where=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=name) from None
    try:
        mode, size = (info := os.fstat(fd)).st_mode, info.st_size
        if not stat.S_ISREG(mode):
            raise InputError(f"is {_kind(mode)}, not a file", where=name)
        if size > limit:
            raise InputError(f"is {size:,} bytes; the limit is {limit:,}", where=name)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=name) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(f"is more than {limit:,} bytes", where=name)
    return data


def decode_text(raw: bytes, *, where: str) -> str:
    """UTF-8 text, or an InputError naming the line and the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            where=f"{where}:{line}",
        ) from None


# -- JSON and TOML documents --------------------------------------------------------------------


class _OutOfRange:
    """An integer literal too long to be in range: kept as text, reported with its path."""

    def __init__(self, text: str) -> None:
        self.text = text


def _int(text: str) -> int | _OutOfRange:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return _OutOfRange(text)
    return int(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_int=_int)


def _deep(where: str, depth: int) -> InputError:
    return InputError(f"nested more than {depth} levels deep", where=where)


def parse_json(raw: bytes, *, where: str, root: str = "$", depth: int = MAX_BODY_DEPTH) -> Any:
    """Parse a JSON document strictly: UTF-8, no duplicate keys, no NaN or Infinity, integers
    within ±(2**53 − 1), no lone surrogates, nested at most `depth` levels.

    Raises:
        InputError: naming the file and the line and column, or the field (`root.a.0`).
    """
    text = decode_text(raw, where=where)
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON: {exc.msg}", where=f"{where}:{exc.lineno}:{exc.colno}"
        ) from None
    except ValueError as exc:
        raise InputError(f"malformed JSON: {exc}", where=where) from None
    except RecursionError:
        raise _deep(where, depth) from None
    check_tree(value, where=where, root=root, depth=depth)
    return value


def parse_toml(
    raw: bytes, *, where: str, root: str = "$", depth: int = MAX_BODY_DEPTH
) -> dict[str, Any]:
    """Parse a TOML document with the same limits as `parse_json` (TOML itself refuses
    duplicate keys). Dates and times stay Python objects.

    Raises:
        InputError: naming the file and the line and column, or the field.
    """
    text = decode_text(raw, where=where)
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", where=where) from None
    except ValueError:  # an integer of more digits than Python converts (not a decode error)
        raise InputError(
            "malformed TOML: an integer too long to be a number here", where=where
        ) from None
    except RecursionError:
        raise _deep(where, depth) from None
    check_tree(value, where=where, root=root, depth=depth)
    return value


def check_tree(value: Any, *, where: str, root: str, depth: int) -> None:
    """Walk a parsed document without recursion; refuse what no entry may hold.

    Raises:
        InputError: `where: root.path: what is wrong`.
    """
    stack: list[tuple[str, Any, int]] = [(root, value, 0)]
    while stack:
        path, item, level = stack.pop()
        if isinstance(item, dict | list):
            if level >= depth:
                shown = path if len(path) <= 48 else path[:47] + "…"
                raise InputError(f"{shown}: nested more than {depth} levels deep", where=where)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str):
                    _check_text(key, f"{path} (a key)", where)
                stack.append((f"{path}.{key}", child, level + 1))
        elif isinstance(item, _OutOfRange) or (
            isinstance(item, int)
            and not isinstance(item, bool)
            and not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER
        ):
            raise InputError(
                f"{path}: {_number(item)} is out of range: integers must lie within "
                f"±{MAX_SAFE_INTEGER} (I-JSON)",
                where=where,
            )
        elif isinstance(item, float) and not math.isfinite(item):
            raise InputError(
                f"{path}: {item} is not a finite number (NaN and Infinity are not JSON)",
                where=where,
            )
        elif isinstance(item, str):
            _check_text(item, path, where)


def _number(item: int | _OutOfRange) -> str:
    text = item.text if isinstance(item, _OutOfRange) else str(item)
    return text if len(text) <= 24 else f"{text[:20]}… ({len(text)} digits)"


def _check_text(text: str, path: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{path}: holds a lone surrogate (\\u{ord(text[exc.start]):04x}), which is not a "
            "character",
            where=where,
        ) from None


def parse_body(raw: bytes, *, where: str, toml: bool) -> dict[str, Any]:
    """An entry body from a .json or .toml file's bytes: a JSON object within the limits above;
    TOML dates and date-times become RFC 3339 strings.

    Raises:
        InputError: naming the file, and the line and column or the field (`body.a.0`).
    """
    if len(raw) > MAX_BODY_BYTES:
        raise InputError(f"is more than {MAX_BODY_BYTES:,} bytes", where=where)
    if toml:
        data: Any = parse_toml(raw, where=where, root="body")
        data = _from_toml(data, "body", where)
    else:
        data = parse_json(raw, where=where, root="body")
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", where=where)
    return data


def _from_toml(value: Any, path: str, where: str) -> Any:
    """TOML has native dates and times; bodies hold them as RFC 3339 strings. (Recursion is
    safe here: `check_tree` has bounded the depth.)"""
    if isinstance(value, dict):
        return {k: _from_toml(v, f"{path}.{k}", where) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_toml(v, f"{path}.{i}", where) for i, v in enumerate(value)]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError(
                "a local date-time is ambiguous: give an offset, e.g. 2020-03-15T09:30:00+08:00",
                where=f"{where}: {path}",
            )
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str | int | float | bool):
        raise InputError(f"{type(value).__name__} values are not allowed", where=f"{where}: {path}")
    return value
