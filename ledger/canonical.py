"""Canonical bytes: the single encoding used for hashing and signing (RFC 8785, JCS).

Writing always goes through the `rfc8785` package. Checking that stored bytes are canonical is
on `ledger verify`'s hot path, where re-encoding with `rfc8785` would cost more than the
signature check; `parse_canonical` therefore proves canonical form with orjson (compiled) and
falls back to `rfc8785` wherever the two encoders can disagree, so the answer stays exact.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import rfc8785

from ledger.errors import CanonicalFormError

# Integers outside ±(2**53 - 1) are not exactly representable in I-JSON; rfc8785 refuses them.
MAX_SAFE_INTEGER = 2**53 - 1


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value.

    Args:
        value: dicts, lists, str, int, float, bool and None only.

    Returns:
        The canonical bytes, with no trailing newline.

    Raises:
        ValueError: the value cannot be canonicalised (NaN, an out-of-range integer,
            a lone surrogate, a non-JSON type).
    """
    try:
        data: bytes = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise ValueError(f"not canonicalisable: {exc}") from None
    return data


def _orjson_writes_jcs(value: Any) -> bool:
    """True if orjson's output for this parsed value can only be JCS's: no float anywhere, and
    no object key with a character outside the BMP (JCS sorts keys by UTF-16 code units,
    orjson by code points; the two orders differ only there). Walked without recursion, so a
    deep value cannot exhaust the stack."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            for key in item:
                if not key.isascii() and max(key) > "\uffff":
                    return False
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
        elif type(item) is float:
            return False
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Built once: json.loads(**hooks) builds a decoder and its scanner on every call.
_FULL_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_ORJSON_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def parse_canonical(data: bytes) -> Any:
    """Parse stored bytes and prove they are exactly their own RFC 8785 canonical form.

    The fast path: orjson parses the bytes (strict UTF-8, no NaN, no lone surrogates) and
    writes the value again with sorted keys; equal bytes prove canonical form wherever its
    output and JCS's cannot differ, which is when the value holds no float, no integer beyond
    ±(2**53 - 1) (`OPT_STRICT_INTEGER` refuses those) and no key with a character outside the
    BMP (see `_orjson_writes_jcs`). Its string escapes are JCS's for every character (a test
    compares all of them). Anything else, and every failure, goes to `rfc8785`, which decides.

    Args:
        data: the stored bytes.

    Returns:
        The parsed JSON value.

    Raises:
        CanonicalFormError: the bytes are not UTF-8 JSON, or not in canonical form.
    """
    try:
        value = orjson.loads(data)
        if _orjson_writes_jcs(value) and orjson.dumps(value, option=_ORJSON_CANONICAL) == data:
            return value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        pass
    try:
        value = _FULL_DECODER.decode(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CanonicalFormError(f"statement is not valid UTF-8 JSON ({exc})") from None
    try:
        if rfc8785.dumps(value) == data:
            return value
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        pass
    raise CanonicalFormError("statement bytes are not in RFC 8785 canonical form")
