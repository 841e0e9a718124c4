"""Renderers: data to stdout (plain lines or JSON), diagnostics to stderr."""

from __future__ import annotations

import base64
import errno
import json
import os
import sys
import tempfile
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


class Output:
    """Where a command's output goes: stdout, or the file given to --out.

    The file is checked before the command does anything: a directory, a missing directory or
    one that cannot be written is refused at once (InputError, nothing done). A regular file is
    written whole or not at all: to a temporary file beside it (through a symbolic link, beside
    its target), renamed over it once complete. A device or pipe is opened at once, without
    waiting (a FIFO nobody reads is refused, not waited on), and written directly."""

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self._target: Path | None = None  # the file the rename replaces
        self._temp: Path | None = None
        self._direct: int | None = None  # a device's or pipe's descriptor
        if out is None:
            return
        where = str(out)
        target = Path(os.path.realpath(out))
        if target.is_dir():
            raise InputError("is a directory; give a file name", where=where)
        if not target.parent.is_dir():
            raise InputError(f"cannot write: there is no directory {out.parent}", where=where)
        if target.exists() and not os.access(target, os.W_OK):
            raise InputError("cannot write: permission denied", where=where)
        if target.exists() and not target.is_file():
            self._direct = _open_direct(target, where)
            return
        try:
            fd, temp = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".partial", dir=target.parent
            )
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", where=where) from None
        os.close(fd)
        self._target, self._temp = target, Path(temp)

    def __enter__(self) -> Output:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
        if self._direct is not None:
            os.close(self._direct)
            self._direct = None

    def emit(self, content: str | bytes) -> None:
        """Print `content`, or write it to the file (replacing it at once)."""
        if self.out is None:
            if isinstance(content, str):
                typer.echo(content, nl=False)
            else:
                sys.stdout.buffer.write(content)
                sys.stdout.buffer.flush()
            return
        raw = content.encode("utf-8") if isinstance(content, str) else content
        temp, self._temp = self._temp, None
        try:
            if self._direct is not None:
                with os.fdopen(self._direct, "wb", closefd=False) as handle:
                    handle.write(raw)
            else:
                with (temp or self.out).open("wb") as handle:
                    handle.write(raw)
                    handle.flush()
                    if temp is not None:
                        os.fsync(handle.fileno())
                if temp is not None and self._target is not None:
                    temp.chmod(0o644)
                    os.replace(temp, self._target)
        except OSError as exc:
            if temp is not None:
                temp.unlink(missing_ok=True)
            raise InputError(f"cannot write: {exc.strerror}", where=str(self.out)) from None
        info(f"wrote {self.out}")


def _open_direct(target: Path, where: str) -> int:
    try:
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        reason = "a FIFO nobody is reading" if exc.errno == errno.ENXIO else exc.strerror
        raise InputError(f"cannot write: {reason}", where=where) from None
    os.set_blocking(fd, True)
    return fd
