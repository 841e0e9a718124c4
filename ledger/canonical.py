"""Canonical bytes: the single encoding used for hashing and signing (RFC 8785, JCS).

Writing always goes through the `rfc8785` package. Checking that stored bytes are canonical is
on `ledger verify`'s hot path, where re-encoding with `rfc8785` would cost more than the
signature check; `parse_canonical` therefore proves canonical form with the C JSON codec and
falls back to `rfc8785` only where the two encoders can disagree, so the answer stays exact.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

from ledger.errors import CanonicalFormError

# Integers outside ±(2**53 - 1) are not exactly representable in I-JSON; rfc8785 refuses them.
MAX_SAFE_INTEGER = 2**53 - 1

# A 4-byte UTF-8 sequence means a character outside the BMP. JCS sorts keys by UTF-16 code
# units, Python by code points; the two orders differ only when such characters occur.
_NON_BMP = re.compile(rb"[\xf0-\xf4]")

_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
)


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


class _Scan:
    """What a parse noticed that the fast encoder might render differently from JCS."""

    __slots__ = ("needs_jcs",)

    def __init__(self) -> None:
        self.needs_jcs = False

    def parse_float(self, text: str) -> float:
        self.needs_jcs = True  # ES6 number formatting is JCS's business
        return float(text)

    def parse_int(self, text: str) -> int:
        number = int(text)
        if not -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER:
            self.needs_jcs = True  # let rfc8785 refuse it
        return number


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_canonical(data: bytes) -> Any:
    """Parse stored bytes and prove they are exactly their own RFC 8785 canonical form.

    Args:
        data: the stored bytes.

    Returns:
        The parsed JSON value.

    Raises:
        CanonicalFormError: the bytes are not UTF-8 JSON, or not in canonical form.
    """
    scan = _Scan()
    try:
        value = json.loads(
            data,
            parse_float=scan.parse_float,
            parse_int=scan.parse_int,
            parse_constant=_reject_constant,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise CanonicalFormError(f"statement is not valid UTF-8 JSON ({exc})") from None
    if not scan.needs_jcs and not _NON_BMP.search(data):
        try:
            if _ENCODER.encode(value).encode("utf-8") == data:
                return value
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 below gives the verdict
    try:
        if rfc8785.dumps(value) == data:
            return value
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        pass
    raise CanonicalFormError("statement bytes are not in RFC 8785 canonical form")
