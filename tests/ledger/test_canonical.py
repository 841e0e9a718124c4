"""Canonical bytes (RFC 8785) and the fast proof of canonical form used by `ledger verify`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_canonical
from ledger.errors import CanonicalFormError

VECTORS = Path(__file__).parent.parent / "vectors" / "jcs"
CASES = sorted(p.name.removesuffix(".input.json") for p in VECTORS.glob("*.input.json"))


def test_vectors_present() -> None:
    """The published JCS vectors are kept as data in tests/ (a missing file must not pass)."""
    assert CASES == ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("case", CASES)
def test_jcs_vector_encodes_exactly(case: str) -> None:
    """Encoding each published input gives the published output byte for byte."""
    value = json.loads((VECTORS / f"{case}.input.json").read_bytes())
    assert canonical_bytes(value) == (VECTORS / f"{case}.output.json").read_bytes()


@pytest.mark.parametrize("case", CASES)
def test_jcs_vector_output_is_recognised_canonical(case: str) -> None:
    """The verify-side check accepts each published canonical output."""
    output = (VECTORS / f"{case}.output.json").read_bytes()
    assert parse_canonical(output) == json.loads(output)


@pytest.mark.parametrize("case", CASES)
def test_jcs_vector_input_is_not_canonical(case: str) -> None:
    """The verify-side check rejects each published (non-canonical) input."""
    with pytest.raises(CanonicalFormError):
        parse_canonical((VECTORS / f"{case}.input.json").read_bytes())


def test_weird_key_order_is_utf16() -> None:
    """Keys with characters beyond the BMP sort by UTF-16 code units, not code points: the
    Python-sorted order of the `weird` vector must be refused."""
    value = json.loads((VECTORS / "weird.input.json").read_bytes())
    python_order = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert python_order != canonical_bytes(value)
    with pytest.raises(CanonicalFormError):
        parse_canonical(python_order)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":1}',  # duplicate key
        b'{"a": 1}',  # whitespace
        b'{"b":1,"a":2}',  # order
        b'{"a":"\\u00e9"}',  # needless escape
        b'{"a":-0}',
        b'{"a":1.0}',
        b'{"a":9007199254740993}',  # beyond 2**53
        b'{"a":"\\ud800"}',  # lone surrogate
        b'{"a":"\xff"}',  # not UTF-8
        b'{"a":NaN}',
        b"",
    ],
)
def test_non_canonical_rejected(data: bytes) -> None:
    """Each of these is not canonical RFC 8785 (or not JSON at all) and must be refused."""
    with pytest.raises(CanonicalFormError):
        parse_canonical(data)


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=["Cs"]))
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400)
@given(json_values)
def test_round_trip(value: Any) -> None:
    """decode(encode(x)) == x for any float-free JSON value, and the fast check agrees with
    the rfc8785 package on what is canonical."""
    data = canonical_bytes(value)
    assert data == rfc8785.dumps(value)
    assert parse_canonical(data) == value


@settings(max_examples=200)
@given(st.dictionaries(st.text(min_size=1), json_scalars, min_size=2, max_size=6))
def test_any_other_key_order_rejected(value: dict[str, Any]) -> None:
    """Re-ordering the keys of a canonical object always makes it non-canonical."""
    data = canonical_bytes(value)
    reordered = {k: value[k] for k in reversed(list(json.loads(data)))}
    try:
        other = json.dumps(reordered, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return
    if other != data:
        with pytest.raises(CanonicalFormError):
            parse_canonical(other)


def test_fast_path_writes_every_character_as_jcs() -> None:
    """The fast proof of canonical form rests on orjson writing every character (outside the
    surrogates) exactly as JCS does, beside an ASCII neighbour."""
    import orjson

    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        text = chr(code) + "a"
        assert orjson.dumps(text) == rfc8785.dumps(text), hex(code)


@settings(max_examples=400)
@given(
    st.recursive(
        json_scalars | st.floats(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=12,
    )
)
def test_any_encoding_is_judged_as_rfc8785_judges_it(value: Any) -> None:
    """For any JSON value (floats and big numbers included) in any of several encodings, the
    verdict of `parse_canonical` is exactly whether the bytes are rfc8785's own output."""
    try:
        canonical = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError):
        canonical = None
    encodings = {
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=True),
        json.dumps(value, ensure_ascii=False, separators=(",", ":")),
    }
    for text in encodings:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            continue
        if data == canonical:
            assert parse_canonical(data) == json.loads(data)
        else:
            with pytest.raises(CanonicalFormError):
                parse_canonical(data)
