"""The declared shapes of the procedure state are the stored ones: every object the demo ledger
stores, and every record inside it, has exactly the keys its TypedDict declares (those marked
NotRequired may be missing), so a key mypy accepts is a key the JSON holds."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any, NotRequired, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from ledger.app import demo
from ledger.procedure import model
from ledger.store import open_store

SHAPES: dict[str, Any] = {
    "decision": model.Decision,
    "meeting": model.Meeting,
    "catalog": model.Catalog,
    "normative_doc": model.NormativeDoc,
    "case": model.Case,
    "ledger": model.Profiles,
}


def problems(value: object, shape: Any, where: str) -> list[str]:
    """Where `value` does not have the keys `shape` declares (recursing into records)."""
    origin = get_origin(shape)
    if origin is NotRequired:
        return problems(value, get_args(shape)[0], where)
    if origin in (Union, types.UnionType):
        options = [o for o in get_args(shape) if o is not type(None)]
        if value is None or len(options) != 1:
            return []
        return problems(value, options[0], where)
    if origin is list and isinstance(value, list):
        return [p for i, v in enumerate(value) for p in problems(v, get_args(shape)[0], where)]
    if origin is dict and isinstance(value, dict):
        inner = get_args(shape)[1]
        return [p for k, v in value.items() for p in problems(v, inner, f"{where}.{k}")]
    if not is_typeddict(shape):
        return []
    if not isinstance(value, dict):
        return [f"{where}: {type(value).__name__}, not a {shape.__name__}"]
    # NotRequired read from the hints: under postponed annotations Python 3.11 does not see
    # it when it fills __required_keys__.
    hints = get_type_hints(shape, include_extras=True)
    required = {k for k, hint in hints.items() if get_origin(hint) is not NotRequired}
    keys = set(value)
    found = []
    if extra := keys - set(hints):
        found.append(f"{where}: {shape.__name__} does not declare {sorted(extra)}")
    if missing := required - keys:
        found.append(f"{where}: {shape.__name__} lacks {sorted(missing)}")
    for key in keys & set(hints):
        found += problems(value[key], hints[key], f"{where}.{key}")
    return found


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, Any]]:
    built = demo.build(Path(tmp_path_factory.mktemp("demo")) / "d", seed=b"model")
    store = open_store(str(built.db))
    try:
        rows = store.derived_rows()["procedure_state"]
    finally:
        store.close()
    return [(row[0], row[1], json.loads(row[5])) for row in rows]


def test_every_stored_object_has_its_declared_shape(stored: list[tuple[str, str, Any]]) -> None:
    assert {kind for kind, _, _ in stored} == set(SHAPES)
    found = [p for kind, ident, data in stored for p in problems(data, SHAPES[kind], ident)]
    assert found == []


def test_the_check_sees_a_wrong_shape() -> None:
    assert problems({"seq": 1}, model.Recusal, "r") == ["r: Recusal lacks ['reason']"]
    wrong = [{"seq": 1, "reason": "x", "y": 2}]
    assert problems(wrong, list[model.Recusal], "r") == ["r: Recusal does not declare ['y']"]
