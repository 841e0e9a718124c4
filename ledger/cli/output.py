"""Renderers: data to stdout (plain lines or JSON), diagnostics to stderr."""

from __future__ import annotations

import base64
import json
from typing import Any

import typer


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
