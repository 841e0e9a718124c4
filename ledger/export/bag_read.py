"""Reading a bag's own files as their writers write them, and nothing else.

Every file of a bag is the author's, so each reader here refuses what the writer never
writes — invalid UTF-8, a duplicate label or key, NaN or Infinity, floats, JSON nested deeper
than the writer nests, a line that is not the writer's form — with a `ValueError` whose message
names the line and what is wrong. The verifiers turn it into a failure naming the file.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

MAX_DEPTH = 32
"""Deeper than any file an export writes nests (a compliance report nests five levels)."""

_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
HEX64 = re.compile(r"[0-9a-f]{64}")
_AGENT = re.compile(r"decision-ledger ([0-9A-Za-z.+!_-]{1,64}) \(export format ([0-9]{1,9})\)")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _no_float(text: str) -> Any:
    raise ValueError(f"{text[:20]} is a fraction; the writer writes integers only")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            raise ValueError(f"the key {key[:40]!r} appears twice in one object")
        value[key] = item
    return value


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            todo += [(v, level + 1) for v in (item.values() if isinstance(item, dict) else item)]
    return deepest


def strict_json(data: bytes) -> Any:
    """Parse one JSON text as an export writes it.

    Raises:
        ValueError: not UTF-8, not JSON, a duplicate key, NaN/Infinity, a fraction, an integer
            of more than 4300 digits, or nested deeper than `MAX_DEPTH`.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (at byte {exc.start})") from None
    try:
        value = json.loads(
            text, object_pairs_hook=_object, parse_constant=_no_constant, parse_float=_no_float
        )
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if _depth(value) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    return value


def json_line(value: Any) -> bytes:
    """One JSON value on one line, as the bundle writes its `.jsonl` files."""
    return (
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        + b"\n"
    )


def jsonl(data: bytes, fields: dict[str, type]) -> list[dict[str, Any]]:
    """The objects of a `.jsonl` file the bundle wrote with `json_line`: each line exactly
    that form, each object with exactly `fields`, each of its type.

    Raises:
        ValueError: naming the line.
    """
    if data and not data.endswith(b"\n"):
        raise ValueError("the last line lacks its newline")
    values = []
    for number, line in enumerate(data.split(b"\n")[:-1] if data else [], start=1):
        try:
            value = strict_json(line)
            if not isinstance(value, dict) or value.keys() != fields.keys():
                raise ValueError(f"not an object with exactly the fields {', '.join(fields)}")
            for name, kind in fields.items():
                if type(value[name]) is not kind:
                    raise ValueError(f"{name} is not a {kind.__name__}")
            if json_line(value) != line + b"\n":
                raise ValueError("not in the form the writer writes (sorted keys, no spaces)")
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
        values.append(value)
    return values


def text_lines(data: bytes) -> list[str]:
    """The lines of a text file as the writer writes one: UTF-8, each line ending in a
    newline (none for an empty file).

    Raises:
        ValueError: not UTF-8, or the last line lacks its newline.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"is not UTF-8 (at byte {exc.start})") from None
    if text and not text.endswith("\n"):
        raise ValueError("its last line lacks its newline")
    return text.split("\n")[:-1]


def bag_info(data: bytes) -> dict[str, str]:
    """bag-info.txt as the writer writes it: `Label: value` lines, each label once, UTF-8,
    no control characters, each line ending in a newline.

    Raises:
        ValueError: naming the line.
    """
    lines = text_lines(data)
    if not lines:
        raise ValueError("is empty")
    info: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        label, sep, value = line.partition(": ")
        if not sep or not _LABEL.fullmatch(label) or _CONTROL.search(value):
            raise ValueError(f"line {number} is not 'Label: value'")
        if label in info:
            raise ValueError(f"line {number}: {label} appears twice")
        info[label] = value
    return info


def export_format(agent: str) -> int | None:
    """The export format a `Bag-Software-Agent` value names, when it has the writer's form
    `decision-ledger VERSION (export format N)`."""
    match = _AGENT.fullmatch(agent)
    return int(match.group(2)) if match else None


def signature_line(line: bytes, seq: int) -> bytes:
    """A `signatures.txt` line, `SEQ base64(signature)\\n`: the 64 signature bytes.

    Raises:
        ValueError: not that form, another seq, or not 64 bytes.
    """
    head, sep, encoded = line.partition(b" ")
    if not sep or head != str(seq).encode() or not encoded.endswith(b"\n"):
        raise ValueError(f"is not '{seq} base64(signature)'")
    try:
        signature = base64.b64decode(encoded[:-1], validate=True)
    except (ValueError, binascii.Error):
        raise ValueError(f"is not '{seq} base64(signature)'") from None
    if len(signature) != 64 or base64.b64encode(signature) != encoded[:-1]:
        raise ValueError("does not hold one Ed25519 signature (64 bytes, padded base64)")
    return signature
