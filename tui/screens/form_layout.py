"""The record form's shape: one input (a leaf) per field of an entry type's form, laid out with
their labels, the rows of a list field, and the typed values gathered back into a body's nesting.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from textual.widget import Widget

from ledger.app.forms import FieldSpec
from tui.i18n import t

HEX = set("0123456789abcdef")


@dataclass
class Leaf:
    """One input of the form: the field it fills, at which path, in which widget, and whether
    it must be filled in."""

    path: str
    spec: FieldSpec
    widget: Widget
    needed: bool


def leaves(
    fields: tuple[FieldSpec, ...],
    prefix: str = "",
    needed: bool = True,
    counts: dict[str, int] | None = None,
) -> Iterator[tuple[str, FieldSpec, bool]]:
    """Every field a person fills in, by dotted path (a list of records shows `counts[path]`
    rows, one when not counted), and whether it must be filled in (it is required, and so is
    every record it is part of; rows past a list's minimum may be left empty)."""
    for kind, path, spec, must in layout(fields, prefix, needed, counts or {}):
        if kind == "leaf":
            yield path, spec, must


def layout(
    fields: tuple[FieldSpec, ...], prefix: str, needed: bool, counts: dict[str, int]
) -> Iterator[tuple[str, str, FieldSpec, bool]]:
    """The form's rows in order: ("leaf", path…) for an input; for each row of a list of
    records ("row", "<list>.<index>"…) before its fields, and ("add", "<list>"…) after the
    last."""
    for spec in fields:
        path = f"{prefix}{spec.name}"
        must = needed and spec.required and (not spec.many or spec.min_items > 0)
        if spec.kind == "group" and spec.many:
            for index in range(counts.get(path, 1)):
                yield "row", f"{path}.{index}", spec, must
                row_needed = must and index < max(spec.min_items, 1)
                yield from layout(spec.fields, f"{path}.{index}.", row_needed, counts)
            yield "add", path, spec, must
        elif spec.kind == "group":
            yield from layout(spec.fields, f"{path}.", must, counts)
        else:
            yield "leaf", path, spec, must


def row_counts(fields: tuple[FieldSpec, ...], values: Any, prefix: str = "") -> dict[str, int]:
    """How many rows each list of records starts with: as many as `values` give, at least
    one."""
    counts: dict[str, int] = {}
    for spec in fields:
        if spec.kind != "group":
            continue
        path = f"{prefix}{spec.name}"
        given = values.get(spec.name) if isinstance(values, dict) else None
        if spec.many:
            rows = given if isinstance(given, list) and given else [{}]
            counts[path] = len(rows)
            for index, row in enumerate(rows):
                counts.update(row_counts(spec.fields, row, f"{path}.{index}."))
        else:
            counts.update(row_counts(spec.fields, given, f"{path}."))
    return counts


def drop_row(values: dict[str, Any], counts: dict[str, int], path: str, index: int) -> None:
    """Remove row `index` of the list of records at `path` from a form's flat values and row
    counts (in place); the rows after it move up."""
    start = f"{path}."

    def moved(key: str) -> str | None:
        if not key.startswith(start):
            return key
        head, _, rest = key[len(start) :].partition(".")
        if not head.isdigit() or int(head) < index:
            return key
        if int(head) == index:
            return None
        return f"{start}{int(head) - 1}" + (f".{rest}" if rest else "")

    for table in (values, counts):
        kept = {}
        for key, value in table.items():
            new = moved(key)
            if new is not None:
                kept[new] = value
        table.clear()
        table.update(kept)
    counts[path] = max(counts.get(path, 1) - 1, 1)


def label_of(path: str) -> str:
    return " › ".join(t_field(part) for part in path.split(".") if not part.isdigit())


def t_field(name: str) -> str:
    return t(f"record.field.{name}")


def nest(values: dict[str, Any]) -> dict[str, Any]:
    """Dotted paths to the nested mapping a form's values make (`items.0.title` → a list)."""
    raw: dict[str, Any] = {}
    for path, value in values.items():
        node: Any = raw
        parts = path.split(".")
        for index, part in enumerate(parts[:-1]):
            following = parts[index + 1]
            if part.isdigit():
                while len(node) <= int(part):
                    node.append({})
                node = node[int(part)]
            else:
                node = node.setdefault(part, [] if following.isdigit() else {})
        node[parts[-1]] = value
    return raw


def looks_like_hash(text: str) -> bool:
    return len(text) == 64 and set(text) <= HEX


def widget_id(path: str) -> str:
    return path.replace(".", "--")


def value_at(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        if isinstance(node, list):
            index = int(part)
            node = node[index] if index < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    if isinstance(node, list):
        return " ".join(str(x) for x in node)
    return node
