"""Renderers: data to stdout (plain lines or JSON), diagnostics to stderr."""

from __future__ import annotations

import base64
import errno
import json
import os
from pathlib import Path
from typing import Any

import typer

from ledger.errors import InputError


def info(message: str) -> None:
    """A diagnostic or progress line: stderr, never mixed into piped data."""
    typer.echo(message, err=True)


def data(line: str) -> None:
    """A line of data on stdout."""
    typer.echo(line)


def json_line(value: Any) -> None:
    """One JSON value on one line of stdout (UTF-8, Chinese unescaped)."""
    typer.echo(json.dumps(value, ensure_ascii=False, sort_keys=True))


def entry_json(seq: int, leaf_hash: str, statement: bytes, signature: bytes) -> dict[str, Any]:
    """An entry for machines: the statement (its canonical bytes re-encode to the stored ones),
    its leaf hash and signature."""
    return {
        "seq": seq,
        "leaf_hash": leaf_hash,
        "statement": json.loads(statement),
        "signature": base64.b64encode(signature).decode(),
    }


def short(hex_hash: str) -> str:
    """The first 12 hex digits of a hash, for tables."""
    return hex_hash[:12]


def write_out(path: Path, content: bytes) -> None:
    """Write `content` to the file an `--out` option names (created, or replaced).

    Opened without blocking, so a FIFO nobody reads is refused instead of waiting for ever.

    Raises:
        InputError: naming the path: a directory, a missing directory, no permission, a full
            disk; whatever was written of a new file is removed.
    """
    name = str(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | os.O_CLOEXEC
    existed = os.path.lexists(path)
    try:
        fd = os.open(path, flags, 0o666)
    except IsADirectoryError:
        raise InputError("is a directory: give the name of a file to write", where=name) from None
    except FileNotFoundError:
        raise InputError(f"no such directory: {path.parent}", where=name) from None
    except OSError as exc:
        reason = "a FIFO nobody is reading" if exc.errno == errno.ENXIO else exc.strerror
        raise InputError(f"cannot write: {reason}", where=name) from None
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(content)
    except OSError as exc:
        if not existed:
            path.unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror}", where=name) from None
    finally:
        os.close(fd)
