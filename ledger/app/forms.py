"""Forms: what each entry type asks for, field by field, and the body a person's typed values
make.

The forms are derived from the typed bodies of `ledger.procedure.bodies`, and every field is
checked with the same pydantic types the ledger validates a body with, so a form that says a value
is fine means the ledger will take it. Nothing here reads the ledger, prompts or prints.

A field's kind and the reading of a typed value of that kind are kept in one module, past the
usual length, so that adding a kind is one change in one place.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, TypeAdapter, ValidationError

from ledger.entry import HEX64
from ledger.errors import InputError
from ledger.procedure import bodies
from ledger.registry import lookup
from ledger.types import Day, Hash, Id, Name, Refers, Text, describe_validation

Obj = dict[str, Any]

# -- forms ---------------------------------------------------------------------------------------

Kind = Literal[
    "text",  # free text, several lines (Text)
    "line",  # one line of text (Name)
    "id",  # an id of something else (catalog item, profile)
    "person",
    "organ",
    "decision",
    "meeting",
    "draft",  # the hash of one of the decision's drafts
    "blob",  # the hash of a stored document
    "day",  # YYYY-MM-DD
    "int",
    "bool",
    "choice",  # one of `choices`
    "group",  # a nested record: `fields`
    "json",  # anything else, written as JSON
]

# What an entry type's subject is.
SubjectKind = Literal["decision", "meeting", "catalog", "normative_doc", "case", "profile", "seq"]
_SUBJECTS: dict[str, SubjectKind] = {
    "rule_profile.versioned": "profile",
    "catalog.published": "catalog",
    "catalog.adjusted": "catalog",
    "meeting.convened": "meeting",
    "attendance.recorded": "meeting",
    "minutes.finalized": "meeting",
    "minutes.confirmed": "meeting",
    "accountability.case_opened": "case",
    "accountability.case_closed": "case",
    "normative_doc.registered": "normative_doc",
    "normative_doc.filed": "normative_doc",
    "normative_doc.filing_outcome": "normative_doc",
}


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form: its name in the body, what kind of value, whether it must be given.

    `many` marks a list of such values (at least `min_items`); a `group` has `fields` of its own.
    `hint` is the field's type as the body declares it (the list's, when `many`), used to check
    a value with the ledger's own rules.
    """

    name: str
    kind: Kind
    required: bool
    hint: Any = field(repr=False, compare=False)
    many: bool = False
    min_items: int = 0
    choices: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()

    def child(self, name: str) -> FieldSpec:
        """The field `name` of a group."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


@dataclass(frozen=True)
class FormSpec:
    """The form of one entry type. `exceptions` is True when the type has soft-gate reasons:
    those are not fields of the form but asked for when a soft gate trips (`with_reason`)."""

    type: str
    summary: str
    subject: SubjectKind
    fields: tuple[FieldSpec, ...]
    exceptions: bool

    def field(self, path: str) -> FieldSpec:
        """The field at a dotted path (`scope.catalog`, `items.0.title`)."""
        spec: FieldSpec | None = None
        fields = self.fields
        for part in path.split("."):
            if part.isdigit() and spec is not None and spec.many:
                continue
            spec = next((f for f in fields if f.name == part), None)
            if spec is None:
                raise KeyError(path)
            fields = spec.fields
        if spec is None:
            raise KeyError(path)
        return spec


def _unwrap(hint: Any) -> tuple[Any, list[Any]]:
    """The type inside `Annotated`, and its metadata."""
    if get_origin(hint) is Annotated:
        base, *meta = get_args(hint)
        return base, meta
    return hint, []


def _optional(hint: Any) -> tuple[Any, bool]:
    """(the type, True) for `X | None`."""
    if get_origin(hint) in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(get_args(hint)) == 2:
            return args[0], True
    return hint, False


def _min_items(meta: list[Any]) -> int:
    for item in meta:
        for constraint in getattr(item, "metadata", [item]):
            if hasattr(constraint, "min_length"):
                return int(constraint.min_length)
    return 0


def _kind(name: str, hint: Any) -> tuple[Kind, tuple[str, ...]]:
    refers = next((m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Refers)), None)
    if refers is not None:  # the body's type says what the id or hash names
        return refers.kind, ()
    if hint == Text:
        return "text", ()
    if hint == Name:
        return "line", ()
    if hint == Day:
        return "day", ()
    if hint == Hash:
        return "blob", ()
    if hint == Id:
        return "id", ()
    base, _ = _unwrap(hint)
    if get_origin(base) is Literal:
        return "choice", tuple(str(a) for a in get_args(base))
    if base is bool:
        return "bool", ()
    if base is int:
        return "int", ()
    if isinstance(base, type) and issubclass(base, BaseModel):
        return "group", ()
    return "json", ()


def _fields(model: type[BaseModel], owner: str) -> tuple[FieldSpec, ...]:
    hints = get_type_hints(model, include_extras=True)
    specs = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        hint, optional = _optional(hints[name])
        required = info.is_required() and not optional
        if key == "exceptions":
            continue
        base, meta = _unwrap(hint)
        many = get_origin(base) is list
        item = get_args(base)[0] if many else hint
        item_base, _ = _unwrap(item)
        item_base, _ = _optional(item_base)
        kind, choices = _kind(name, item if many else hint)
        if owner == "decision.superseded" and name == "by":
            kind = "decision"
        children: tuple[FieldSpec, ...] = ()
        if kind == "group":
            children = _fields(_unwrap(item)[0], owner)
        specs.append(
            FieldSpec(
                key,
                kind,
                required,
                hint,
                many=many,
                min_items=_min_items(meta) if many else 0,
                choices=choices,
                fields=children,
            )
        )
    return tuple(specs)


@cache
def form(entry_type: str) -> FormSpec:
    """The form of a procedure entry type.

    Raises:
        InputError: not a procedure entry type (identity entries have their own commands).
    """
    found = next((t for t in bodies.TYPES if t[0] == entry_type), None)
    if found is None:
        lookup(entry_type)  # an unknown type: the registry's message lists the known ones
        raise InputError(f"{entry_type} is not recorded through a form", where="TYPE")
    name, schema, summary = found
    return FormSpec(
        name,
        summary,
        _SUBJECTS.get(name, "seq" if name.startswith("entry.correct") else "decision"),
        _fields(schema, name),
        "exceptions" in schema.model_fields,
    )


def forms() -> list[FormSpec]:
    """Every procedure entry type's form, in the order of the procedure."""
    return [form(name) for name, _, _ in bodies.TYPES]


# -- values: from what a person typed to a body --------------------------------------------------


class FieldError(ValueError):
    """What is wrong with one field's value; `path` is the field's dotted path.

    `code` says what kind of problem it is, so a screen can say it in its own language
    (`params` fill its blanks); `message` says it in English:
    required, not_int, not_bool, not_json, id, hash, day, choice, range, too_short, too_long,
    control, record, invalid.
    """

    def __init__(self, path: str, message: str, code: str = "invalid", **params: Any) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        self.code = code
        self.params = params


_SPLIT_LINES = re.compile(r"\s*\n\s*")
_SPLIT_WORDS = re.compile(r"[\s,，、;；]+")


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


def _scalar(spec: FieldSpec, raw: Any, path: str) -> Any:
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("yes", "true", "y", "1", "是"):
            return True
        if text in ("no", "false", "n", "0", "否"):
            return False
        raise FieldError(path, f"{raw!r} is not yes or no", "not_bool", value=raw)
    if spec.kind == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        text = str(raw).strip().replace(",", "").replace("_", "")
        if not re.fullmatch(r"-?\d+", text):
            raise FieldError(path, f"{raw!r} is not a whole number", "not_int", value=raw)
        return int(text)
    if spec.kind == "json":
        if not isinstance(raw, str):
            return raw
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise FieldError(path, f"not JSON ({exc.msg})", "not_json") from None
    if not isinstance(raw, str):
        return raw
    return raw if spec.kind == "text" else raw.strip()


def _items(spec: FieldSpec, raw: Any) -> list[Any]:
    if isinstance(raw, list):
        return [x for x in raw if not _blank(x)]
    splitter = _SPLIT_LINES if spec.kind in ("text", "line", "json") else _SPLIT_WORDS
    return [x for x in splitter.split(str(raw).strip()) if x]


@cache
def _adapter(hint: Any) -> TypeAdapter[Any]:
    return TypeAdapter(hint)


def _check(spec: FieldSpec, value: Any, path: str) -> None:
    hint, _ = _optional(spec.hint)
    try:
        _adapter(hint).validate_python(value, strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join([path, *(str(p) for p in error["loc"])])
        raise _field_error(where, exc) from None


def _field_error(where: str, exc: ValidationError) -> FieldError:
    """The first problem pydantic found, with a code a screen can translate."""
    error = exc.errors()[0]
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return FieldError(where, "this field is required", "required")
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == HEX64.pattern:
            return FieldError(where, "not a document hash (64 hex digits)", "hash", value=value)
        return FieldError(
            where,
            "not a valid id: letters, digits and . _ : - (up to 128), starting with a letter "
            "or digit",
            "id",
            value=value,
        )
    if kind == "literal_error":
        return FieldError(where, describe_validation(exc), "choice", value=value)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return FieldError(where, describe_validation(exc), "range", value=value, **ctx)
    if kind in ("too_short", "string_too_short"):
        return FieldError(where, describe_validation(exc), "too_short", **ctx)
    if kind in ("too_long", "string_too_long"):
        return FieldError(where, describe_validation(exc), "too_long", **ctx)
    message = describe_validation(exc)
    if "is not a date" in message:
        return FieldError(where, message, "day", value=value)
    if "control character" in message:
        return FieldError(where, message, "control")
    return FieldError(where, message)


def value_of(spec: FieldSpec, raw: Any, path: str | None = None) -> Any:
    """The typed value of what was typed into a field (None: left empty), checked with the
    ledger's own rules.

    A list is typed one item a line (text) or separated by spaces or commas (ids, hashes,
    choices); a group's value is a mapping of its fields' raw values (a list of them, `many`).

    Raises:
        FieldError: naming the field (or the part of it) and what is wrong.
    """
    where = path or spec.name
    if _blank(raw) and spec.kind == "group" and not spec.many and spec.required:
        if not any(f.required for f in spec.fields):
            return {}  # a record whose every field is optional: empty, but there
    if _blank(raw):
        if spec.required and not (spec.many and spec.min_items == 0):
            raise FieldError(where, "this field is required", "required")
        return None
    if spec.kind == "group":
        groups = raw if spec.many else [raw]
        built = []
        for index, group in enumerate(groups):
            if not isinstance(group, Mapping):
                raise FieldError(where, "expected the fields of a record", "record")
            sub = f"{where}.{index}" if spec.many else where
            built.append(_group(spec.fields, group, sub))
        value: Any = [g for g in built if g] if spec.many else built[0]
        if not value:
            if spec.required and spec.min_items:
                raise FieldError(where, "this field is required", "required")
            if not spec.required or spec.many:
                return None
    elif spec.many:
        value = [_scalar(spec, item, f"{where}.{i}") for i, item in enumerate(_items(spec, raw))]
    else:
        value = _scalar(spec, raw, where)
    _check(spec, value, where)
    return value


def _group(fields: Sequence[FieldSpec], raw: Mapping[str, Any], path: str) -> Obj:
    body: Obj = {}
    if all(_blank(raw.get(f.name)) for f in fields):
        return body
    for spec in fields:
        value = value_of(spec, raw.get(spec.name), f"{path}.{spec.name}" if path else spec.name)
        if value is not None:
            body[spec.name] = value
    return body


def check_field(spec: FieldSpec, raw: Any, path: str | None = None) -> FieldError | None:
    """The problem with a field's value, or None when it is fine."""
    try:
        value_of(spec, raw, path)
    except FieldError as exc:
        return exc
    return None


def build_body(entry_type: str, raw: Mapping[str, Any]) -> tuple[Obj, dict[str, FieldError]]:
    """The body a form's values make, and the problems, by field path.

    Empty optional fields are left out (a body holds what its author wrote, no defaults). When
    every field is fine the whole body is validated as the ledger will (so a problem no single
    field shows, like a missing group, is reported too).
    """
    spec = form(entry_type)
    body: Obj = {}
    problems: dict[str, FieldError] = {}
    for field_spec in spec.fields:
        try:
            value = value_of(field_spec, raw.get(field_spec.name))
        except FieldError as exc:
            problems[exc.path] = exc
            continue
        if value is not None:
            body[field_spec.name] = value
    if "exceptions" in raw and raw["exceptions"]:
        body["exceptions"] = dict(raw["exceptions"])
    if not problems:
        try:
            lookup(entry_type).validate(body)
        except InputError as exc:
            where = (exc.where or "body").removeprefix("body.")
            problems[where] = FieldError(where, exc.message)
    return body, problems


def closed_list(entry_type: str, field: str) -> tuple[str, ...]:
    """The values a body field of `entry_type` admits, in the order its schema declares them
    (a meeting's stances, outcomes, recusal grounds, vote methods and results: the forms offer
    exactly what the ledger accepts).

    Raises:
        KeyError: no such entry type or field; ValueError: the field is not a closed list.
    """
    values = get_args(lookup(entry_type).schema.model_fields[field].annotation)
    if not values or not all(isinstance(value, str) for value in values):
        raise ValueError(f"{entry_type}.{field} is not a closed list of words")
    return values


__all__ = [
    "FieldError",
    "FieldSpec",
    "FormSpec",
    "Kind",
    "SubjectKind",
    "build_body",
    "check_field",
    "closed_list",
    "form",
    "forms",
    "value_of",
]
