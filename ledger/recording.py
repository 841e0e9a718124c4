"""Recording, as a person does it in a form: what each entry type asks for, field by field; what a
refused gate needs; who speaks next at a meeting; documents attached from files.

The forms are derived from the typed bodies of `ledger.procedure.bodies`, and every field is
checked with the same pydantic types the ledger validates a body with, so a form that says a value
is fine means the ledger will take it. `preflight` runs the very checks an append runs (key,
authority, gates) against the ledger's head without signing or writing anything, so a screen can
say what would be refused before anyone types a passphrase. The gates still decide at append.

Nothing here prompts, prints or imports a UI.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import select

from ledger import inputs, service
from ledger.entry import DEFAULT_ZONE, HEX64, ZERO_HASH, Statement, format_local
from ledger.errors import (
    AuthorityError,
    GateBreach,
    GateError,
    GateRefusal,
    InputError,
    LedgerError,
    RefusedError,
    VerificationError,
)
from ledger.procedure import bodies
from ledger.procedure.drafting import eligible_drafts, required_steps
from ledger.procedure.gates import GATES
from ledger.procedure.meeting import majority_view, vote_threshold
from ledger.procedure.profile import RuleProfile
from ledger.procedure.state import (
    APPROVING,
    NEEDS_REASON,
    PROFILES,
    STEP_ENTRIES,
    VOTING_ROLES,
    body_field,
)
from ledger.registry import lookup
from ledger.store import SqlStore
from ledger.store.tables import BLOBS, DERIVED
from ledger.types import Day, Hash, Id, Name, Text, describe_validation

Obj = dict[str, Any]
STATE = DERIVED["procedure_state"]
INVOLVEMENTS = DERIVED["involvements"]

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

# Id fields by what they name; names not listed are plain ids.
_PERSON_FIELDS = {
    "person",
    "chair",
    "recorder",
    "presenter",
    "leaders",
    "drafters",
    "personnel",
    "subjects",
    "present",
    "non_voting",
}
_ORGAN_FIELDS = {
    "organ",
    "lead",
    "co_units",
    "units",
    "undertaking_unit",
    "drafting_unit",
    "evaluator_unit",
    "to",
    "legality_review_unit",
    "party_committee",
}
_DECISION_FIELDS = {"decision", "decisions", "new_decision", "target"}
_DRAFT_FIELDS = {"draft", "responds_to_review", "editorial_of"}

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
    if hint == Text:
        return "text", ()
    if hint == Name:
        return "line", ()
    if hint == Day:
        return "day", ()
    if hint == Hash:
        if name in _DRAFT_FIELDS:
            return "draft", ()
        return "blob", ()
    if hint == Id:
        if name in _PERSON_FIELDS:
            return "person", ()
        if name in _ORGAN_FIELDS:
            return "organ", ()
        if name in _DECISION_FIELDS:
            return "decision", ()
        if name == "meeting":
            return "meeting", ()
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
        _SUBJECTS.get(name, "seq" if name == "entry.corrected" else "decision"),
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


# -- what comes next, and what a form can fill in -------------------------------------------------

# The entry types that move a decision on from each status, the likeliest first.
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "proposed": ("decision.initiated", "decision.not_initiated"),
    "initiated": ("undertaking_unit.assigned",),
    "drafting": (
        "draft.versioned",
        "legal_basis.recorded",
        "step.determined",
        *STEP_ENTRIES,
        "step.completed",
        "legality_review.submitted",
    ),
    "under_legality_review": ("legality_review.opinion", "legality_review.returned"),
    "ready_for_deliberation": ("agenda_item.opened", "draft.versioned"),
    "under_deliberation": (
        "position.stated",
        "recusal.declared",
        "head_decision.made",
        "vote.taken",
    ),
    "awaiting_issue": (
        "party_committee.reported",
        "decision.published",
        "decision.not_published",
        "draft.versioned",
    ),
    "published": ("execution.assigned", "archive.filed"),
    "not_published": ("execution.assigned", "archive.filed"),
    "in_execution": (
        "execution.reported",
        "execution.issue_reported",
        "public_feedback.received",
        "post_evaluation.started",
        "decision.completed",
        "decision.suspended",
        "archive.filed",
    ),
    "suspended": ("execution.reported", "decision.adjusted", "decision.superseded"),
    "completed": ("post_evaluation.started", "archive.filed"),
    "closed": ("archive.filed",),
}


def next_steps(decision: Obj | None, profile: RuleProfile | None = None) -> list[str]:
    """The entry types that can move `decision` (its state) on, the one due next first; for no
    decision, a new proposal. While drafting, the next is the first thing still missing:
    a draft, the legal basis, a required step, then the submission for legality review."""
    if decision is None:
        return ["decision.proposed"]
    steps = list(NEXT_STEPS.get(decision["status"], ()))
    if decision["status"] == "drafting":
        due = _due_in_drafting(decision, profile or RuleProfile())
        steps.remove(due)
        steps.insert(0, due)
    return steps


def _due_in_drafting(decision: Obj, profile: RuleProfile) -> str:
    if not decision["draft_order"]:
        return "draft.versioned"
    if decision["legal_basis_seq"] is None:
        return "legal_basis.recorded"
    entries = {step: kind for kind, step in STEP_ENTRIES.items()}
    done = decision["steps"]
    for step in required_steps(decision, profile):
        record = done.get(step, {})
        if "completed_seq" in record or record.get("determination") in (
            "exempt",
            "not_applicable",
        ):
            continue
        if step == "public_participation" and "public_comment" not in done:
            return "public_comment.opened"
        return entries.get(step, "step.completed")
    return "legality_review.submitted"


def suggest(
    *, store: SqlStore, entry_type: str, subject: str | None, actor: str | None, today: str
) -> Obj:
    """Values a form can start with (raw, as typed): what the ledger already says, so the
    recorder only types what is new. Nothing here is signed unless the recorder keeps it."""
    spec = form(entry_type)
    names = {f.name for f in spec.fields}
    directory = store.directory()
    decision = (
        _object(store, "decision", subject) if subject and spec.subject == "decision" else None
    )
    profile = RuleProfile()
    if decision is not None:
        profile = profile_of(store, decision["profile"])
    raw: Obj = {}
    for name in names:
        if form(entry_type).field(name).kind == "day":
            raw[name] = today
    deliberative = sorted(
        o.id for o in directory.organs.values() if o.kind in ("executive_meeting", "plenary")
    )
    if "organ" in names and deliberative:
        raw["organ"] = deliberative[0]
    if entry_type == "decision.proposed":
        raw["applicability"] = "direct"
        raw["confidentiality"] = {"level": "public"}
        raw["source"] = "leadership"
    if entry_type == "decision.initiated":
        raw["by"] = "head"
    if entry_type == "undertaking_unit.assigned" and actor is not None:
        units = [
            m.organ
            for m in directory.memberships.values()
            if m.person == actor
            and m.end is None
            and directory.organs[m.organ].kind == "internal_unit"
        ]
        if units:
            raw["lead"] = sorted(units)[0]
        raw["leaders"] = actor
        raw["drafters"] = actor
    if decision is not None:
        drafts = decision["draft_order"]
        if "version" in names:
            raw["version"] = str(len(drafts) + 1)
        if "draft" in names and drafts:
            raw["draft"] = drafts[-1]
        if entry_type == "public_comment.opened":
            raw["channels"] = "government_website"
            end = date.fromisoformat(today) + timedelta(days=profile.comment_min_days)
            raw["deadline"] = end.isoformat()
        if entry_type == "public_participation.completed":
            raw["methods"] = "public_comment"
            raw["opinions_received"] = "0"
        if entry_type == "legality_review.opinion":
            ok = {"ok": True}
            raw["checks"] = {"authority": ok, "procedure": ok, "content": ok}
            raw["opinion"] = "lawful"
        if entry_type == "agenda_item.opened":
            cleared = eligible_drafts(decision)
            ready = [d for d in drafts if d in cleared]
            if ready:
                raw["draft"] = ready[-1]
            meeting = _open_meeting(store, decision["organ"], today)
            if meeting is not None:
                raw["meeting"] = meeting["id"]
                raw["item"] = str(len(meeting["items"]) + 1)
            leaders = (decision.get("unit") or {}).get("leaders") or []
            if leaders:
                raw["presenter"] = leaders[0]
        if entry_type in ("position.stated", "recusal.declared", "head_decision.made",
                          "vote.taken") and decision.get("agenda"):  # fmt: skip
            raw["meeting"] = decision["agenda"]["meeting"]
            raw["order"] = str(decision["agenda"]["last_order"] + 1)
        if entry_type == "party_committee.reported" and profile.party_committee:
            raw["to"] = profile.party_committee
        if entry_type == "decision.published" and decision.get("decided"):
            raw["published_doc"] = decision["decided"]["draft"]
            raw["channels"] = "government_website"
    if entry_type == "meeting.convened" and "organ" in raw:
        heads = directory.holders_at(raw["organ"], ("head",), today)
        if heads:
            raw["chair"] = heads[0]
        if actor is not None:
            raw["recorder"] = actor
    return {k: v for k, v in raw.items() if k in names}


def profile_of(store: SqlStore, name: str) -> RuleProfile:
    """The rules of the profile version called `name` (Decree 713's when there is none)."""
    profiles = _object(store, *PROFILES) or {"versions": []}
    for version in profiles["versions"]:
        if version["name"] == name:
            return RuleProfile.model_validate(version["rules"])
    return RuleProfile()


def _open_meeting(store: SqlStore, organ: str, day: str) -> Obj | None:
    """The newest meeting of `organ` on `day` whose attendance is recorded and minutes are not
    final."""
    query = select(STATE.c.data).where(
        STATE.c.kind == "meeting", STATE.c.organ == organ, STATE.c.status == "convened"
    )
    with store.reading() as conn:
        found = [json.loads(d) for d in conn.execute(query).scalars()]
    found = [m for m in found if m["present"] is not None and m["at"][:10] == day]
    return max(found, key=lambda m: (m["at"], m["first_seq"])) if found else None


# -- refusals: the gate, its rule and article, what would satisfy it ---------------------------


@dataclass(frozen=True)
class Refusal:
    """Why the ledger would not take (or did not take) an entry.

    For a gate, `breach` carries its id, rule, article and instrument, strength, the code of the
    remedy that would satisfy it and the earlier entry it conflicts with; a soft gate
    (`needs_reason`) takes the entry once a reason is recorded (`with_reason`). `message` is the
    ledger's finding; `field` is the body field it concerns, when it concerns one.
    """

    message: str
    field: str | None = None
    breach: GateBreach | None = None

    @property
    def gate(self) -> str | None:
        return None if self.breach is None else self.breach.gate

    @property
    def needs_reason(self) -> bool:
        return self.breach is not None and self.breach.strength == "soft"


_NOTHING_WRITTEN = "; nothing was written"


def explain(error: LedgerError) -> Refusal:
    """The refusal an error from `preflight` or an append amounts to, from its fields."""
    if isinstance(error, GateRefusal | GateError):
        return Refusal(error.breach.finding, field=error.breach.field, breach=error.breach)
    if isinstance(error, InputError):
        return Refusal(error.message, field=body_field(error.where))
    if isinstance(error, RefusedError):
        # The CLI's diagnostics say nothing was written; a form says it in its own words.
        return Refusal(error.message.removesuffix(_NOTHING_WRITTEN), field=error.field)
    if isinstance(error, VerificationError):
        return Refusal(
            error.message, field=error.field if isinstance(error, AuthorityError) else None
        )
    return Refusal(str(error))


def with_reason(entry_type: str, body: Obj, gate: str, reason: str) -> Obj:
    """The body with `reason` recorded for soft gate `gate` (under `exceptions`).

    Raises:
        InputError: the gate is not soft, the type records no exceptions, or the reason is empty.
    """
    if GATES.get(gate) is None or GATES[gate].strength != "soft":
        raise InputError(f"{gate} is not a soft gate; it cannot be passed with a reason")
    if not form(entry_type).exceptions:
        raise InputError(f"{entry_type} records no exceptions", where="exceptions")
    if not reason.strip():
        raise InputError("the reason is required", where=f"exceptions.{gate}")
    return {**body, "exceptions": {**body.get("exceptions", {}), gate: reason.strip()}}


def preflight(
    *,
    store: SqlStore,
    entry_type: str,
    subject: str,
    body: Obj,
    actor: str,
    now: datetime,
    occurred_at: str | None = None,
) -> Refusal | None:
    """Run the checks an append of this entry by `actor` would run now (schema, key, authority,
    every gate), without signing or writing; None when it would be taken.

    It uses `actor`'s newest valid key, so it answers before any passphrase is typed.
    """
    try:
        lookup(entry_type).validate(body)
        service.check_id(subject, where="subject")
        with store.reading() as conn:
            directory = store.directory(conn)
            keys = [k for k in directory.keys_of(actor) if k.revoked_seq is None]
            if actor not in directory.persons:
                raise InputError(f"{actor!r} is not a registered person", where="actor")
            if not keys:
                raise RefusedError(f"{actor} has no valid key; the registrar must bind one")
            head = store.head()
            occurred = occurred_at or format_local(now.astimezone(DEFAULT_ZONE))
            recorded = service.recorded_time(now, head, directory.procedure.profile()[2])
            stmt = Statement(
                seq=0 if head is None else head.seq + 1,
                prev=ZERO_HASH if head is None else head.leaf_hash,
                type=entry_type,
                subject=subject,
                occurred_at=occurred,
                recorded_at=recorded,
                actor=actor,
                key=keys[-1].key_id,
                body=body,
            )
            directory.check(stmt)
            refs = lookup(entry_type).blob_refs(body)
            stored = set(
                conn.execute(select(BLOBS.c.sha256).where(BLOBS.c.sha256.in_(refs))).scalars()
            )
            missing = [h for h in refs if h not in stored]
            if missing:
                raise RefusedError(f"blob {missing[0]} is not in the ledger; attach it first")
    except LedgerError as exc:
        return explain(exc)
    return None


def record(
    *, store: SqlStore, draft: service.Draft, now: datetime
) -> tuple[int | None, Refusal | None]:
    """Append the entry: (its seq, None), or (None, the refusal) with nothing written.

    Raises:
        StoreError: the database failed (not a refusal: nothing a form can fix).
    """
    try:
        entry = service.append_entry(store=store, draft=draft, now=now)
    except (InputError, RefusedError) as exc:
        return None, explain(exc)
    return entry.seq, None


# -- documents -----------------------------------------------------------------------------------

MAX_ATTACHMENT = inputs.MAX_DOCUMENT


@dataclass(frozen=True)
class Attachment:
    sha256: str
    name: str
    size: int


def attach(*, store: SqlStore, path: Path | str) -> Attachment:
    """Store a file as a blob; return its hash (for a body's `doc` field), name and size.

    Raises:
        InputError: no such file, a directory, unreadable, or larger than 256 MiB; nothing
        stored.
    """
    file = Path(path).expanduser()
    if not str(path).strip():
        raise InputError("give the path of a file", where="file")
    content = inputs.read_file(file, limit=MAX_ATTACHMENT)
    digest = service.add_blob(store=store, data=content)
    return Attachment(digest, file.name, len(content))


# -- the meeting: attendance, recusal, who speaks next, the head last ---------------------------


def _object(store: SqlStore, kind: str, ident: str) -> Obj | None:
    query = select(STATE.c.data).where(STATE.c.kind == kind, STATE.c.id == ident)
    with store.reading() as conn:
        data = conn.execute(query).scalar()
    return None if data is None else dict(json.loads(data))


def _need(store: SqlStore, kind: str, ident: str) -> Obj:
    found = _object(store, kind, ident)
    if found is None:
        raise InputError(f"no {kind} {ident!r} in this ledger", where=kind)
    return found


def meetings(*, store: SqlStore) -> list[Obj]:
    """Every meeting's state, the newest first."""
    query = select(STATE.c.data).where(STATE.c.kind == "meeting")
    with store.reading() as conn:
        found = [dict(json.loads(d)) for d in conn.execute(query).scalars()]
    return sorted(found, key=lambda m: (m["at"], m["first_seq"]), reverse=True)


def members_due(*, store: SqlStore, organ: str, day: str) -> list[str]:
    """The members of `organ` on `day` who count for quorum and state positions."""
    holders: list[str] = store.directory().holders_at(organ, VOTING_ROLES, day)
    return holders


def next_meeting_id(*, store: SqlStore, year: int) -> str:
    """The next free meeting id of the form mtg-<year>-<NN>."""
    query = select(STATE.c.id).where(STATE.c.kind == "meeting")
    with store.reading() as conn:
        taken = set(conn.execute(query).scalars())
    number = 1
    while f"mtg-{year}-{number:02d}" in taken:
        number += 1
    return f"mtg-{year}-{number:02d}"


def attendance_body(
    due: Sequence[str],
    present: Sequence[str],
    excused: Mapping[str, str | None] | None = None,
    non_voting: Sequence[str] = (),
) -> Obj:
    """An `attendance.recorded` body: every member due is present or absent; an absent member
    in `excused` is excused (with the reason given there), the others are not."""
    excused = excused or {}
    absent = []
    for person in due:
        if person in present:
            continue
        item: Obj = {"person": person, "excused": person in excused}
        if excused.get(person):
            item["reason"] = excused[person]
        absent.append(item)
    body: Obj = {"present": list(present), "absent": absent}
    if non_voting:
        body["non_voting"] = list(non_voting)
    return body


def agenda_drafts(*, store: SqlStore, decision: str) -> list[str]:
    """The decision's drafts that may go on an agenda (G5), newest first."""
    state = _need(store, "decision", decision)
    cleared = eligible_drafts(state)
    return [d for d in reversed(state["draft_order"]) if d in cleared]


@dataclass(frozen=True)
class Speaker:
    """A member at the item: present or not, recused, their position if stated."""

    person: str
    name: str
    head: bool
    present: bool
    recused: bool
    order: int | None = None
    stance: str | None = None
    reason: str | None = None
    seq: int | None = None
    by: str | None = None
    confirmed: bool = False

    @property
    def spoke(self) -> bool:
        return self.seq is not None

    @property
    def voting(self) -> bool:
        return self.present and not self.recused


@dataclass(frozen=True)
class Floor:
    """The item before the meeting: members in speaking order (those who spoke, in their order;
    then those still to speak, the head last), and what the item is waiting for."""

    decision: str
    meeting: str
    organ: str
    day: str
    rule: str
    chair: str
    recorder: str
    speakers: tuple[Speaker, ...]
    next_order: int
    head_spoke: bool
    majority: str | None
    agenda: Obj = field(repr=False, compare=False)

    @property
    def waiting(self) -> list[str]:
        """Members still to state a position, in the order they should speak (the head last)."""
        return [s.person for s in self.speakers if s.voting and not s.spoke]

    @property
    def next_speaker(self) -> str | None:
        waiting = self.waiting
        return waiting[0] if waiting else None

    @property
    def by_vote(self) -> bool:
        return self.rule != "head_decides_after_discussion"

    @property
    def ready(self) -> bool:
        """Every member who must speak has: the vote, or the head's decision, may be recorded
        (the head's own position is optional where the head decides)."""
        heads = {s.person for s in self.speakers if s.head}
        waiting = self.waiting
        return not waiting or (not self.by_vote and set(waiting) <= heads)

    def speaker(self, person: str) -> Speaker:
        for found in self.speakers:
            if found.person == person:
                return found
        raise InputError(f"{person} is not a member due at {self.meeting}", where="person")

    @property
    def absent_silent(self) -> list[str]:
        """Absent members with no written opinion recorded yet."""
        return [s.person for s in self.speakers if not s.present and not s.spoke]

    def may_speak(self, person: str, written: bool = False) -> str | None:
        """Why `person` cannot state a position now (None: they can). An absent member's view
        comes only as a written opinion (`written`), which may be read at any point."""
        speaker = self.speaker(person)
        if not speaker.present and not written:
            return f"{person} is absent; an absent member's view is a written opinion"
        if speaker.recused:
            return f"{person} recused from this item"
        if speaker.spoke:
            return f"{person} has already stated a position (seq {speaker.seq})"
        if not speaker.present:
            return None
        if self.head_spoke:
            return f"G9 ({GATES['G9'].article}): the head has spoken; nobody speaks after"
        others = [p for p in self.waiting if p != person]
        if speaker.head and others:
            return (
                f"G9 ({GATES['G9'].article}): the head speaks last; still to speak: "
                f"{', '.join(others)}"
            )
        return None

    def diverges(self, outcome: str) -> bool:
        """True when the head's `outcome` goes against the majority of members' positions
        (G10: then the divergence reason is required)."""
        side = "approve" if outcome in APPROVING else "not_approve"
        return self.majority is not None and self.majority != side


def floor(*, store: SqlStore, decision: str) -> Floor:
    """The decision's item before its meeting.

    Raises:
        InputError: no such decision, or it is not before a meeting.
    """
    state = _need(store, "decision", decision)
    agenda = state.get("agenda")
    if agenda is None:
        raise InputError(
            f"decision {decision} is {state['status']}, not before a meeting "
            "(record agenda_item.opened first)",
            where="decision",
        )
    meeting = _need(store, "meeting", agenda["meeting"])
    directory = store.directory()
    day = meeting["at"][:10]
    present = meeting["present"] or []

    def speaker(person: str) -> Speaker:
        said = agenda["positions"].get(person) or {}
        return Speaker(
            person=person,
            name=directory.persons[person].name,
            head="head" in directory.roles_at(person, meeting["organ"], day),
            present=person in present,
            recused=person in agenda["recusals"],
            order=said.get("order"),
            stance=said.get("stance"),
            reason=said.get("reason"),
            seq=said.get("seq"),
            by=said.get("by"),
            confirmed=said.get("confirmed_seq") is not None,
        )

    everyone = [speaker(p) for p in [*present, *(p for p in meeting["due"] if p not in present)]]
    spoken = sorted((s for s in everyone if s.spoke), key=lambda s: s.order or 0)
    rest = [s for s in everyone if not s.spoke]
    rest.sort(key=lambda s: (not s.voting, s.head))  # those who speak first; the head last
    return Floor(
        decision=decision,
        meeting=meeting["id"],
        organ=meeting["organ"],
        day=day,
        rule=agenda["rule"],
        chair=meeting["chair"],
        recorder=meeting["recorder"],
        speakers=tuple(spoken + rest),
        next_order=agenda["last_order"] + 1,
        head_spoke=agenda["head_spoke"] is not None,
        majority=majority_view(agenda),
        agenda=agenda,
    )


def position_needs_reason(stance: str) -> bool:
    """A position that agrees with changes, disagrees or defers states its reason (Art. 30)."""
    return stance in NEEDS_REASON


def position_draft(
    item: Floor,
    person: str,
    stance: str,
    reason: str | None,
    *,
    actor: str,
    signer: Any,
    occurred_at: str | None = None,
    written_opinion_doc: str | None = None,
) -> service.Draft:
    """The `position.stated` of `person`, next in speaking order, signed by `signer`: the
    member's own key (signed on the spot) or the recorder's (then confirmed later). An absent
    member's position is their written opinion, `written_opinion_doc` (a stored document).

    Raises:
        InputError: the member may not speak now (the head before others, a recused member),
            or a reason is missing; nothing to sign.
    """
    why = item.may_speak(person, written=written_opinion_doc is not None)
    if why is not None:
        raise InputError(why, where="person")
    reason = (reason or "").strip() or None
    if position_needs_reason(stance) and reason is None:
        raise InputError(f"a {stance} position needs its reason (Art. 30)", where="reason")
    body = bodies.position_body(item.meeting, person, item.next_order, stance, reason)
    if written_opinion_doc is not None:
        body["written_opinion_doc"] = written_opinion_doc
    return service.Draft("position.stated", item.decision, body, actor, signer, occurred_at)


def head_decision_draft(
    item: Floor,
    outcome: str,
    reason: str | None,
    *,
    actor: str,
    signer: Any,
    occurred_at: str | None = None,
) -> service.Draft:
    """The head's decision.

    Raises:
        InputError: the item is decided by a vote.
        GateRefusal: members are still to speak (G9), or the decision goes against the majority
            without the divergence reason (G10).
    """
    if item.by_vote:
        raise InputError(f"this item is decided by a vote ({item.rule})", where="outcome")
    if not item.ready:
        raise GateRefusal(GATES["G9"].breach(f"still to speak: {', '.join(item.waiting)}"))
    reason = (reason or "").strip() or None
    if item.diverges(outcome) and reason is None:
        raise GateRefusal(
            GATES["G10"].breach(
                f"the majority's view is {str(item.majority).replace('_', ' ')}; state the "
                "divergence reason",
                field="divergence_reason",
            )
        )
    body = bodies.head_decision_body(item.meeting, outcome, reason)
    return service.Draft("head_decision.made", item.decision, body, actor, signer, occurred_at)


def vote_body(item: Floor, method: str, votes: Mapping[str, str], result: str) -> Obj:
    """A `vote.taken` body from each voter's vote (yes, no, abstain); named unless secret."""
    counts = {k: sum(1 for v in votes.values() if v == k) for k in ("yes", "no", "abstain")}
    body: Obj = {"meeting": item.meeting, "method": method, "counts": counts, "result": result}
    if method != "secret_ballot":
        body["named"] = [{"person": p, "vote": v} for p, v in votes.items()]
    return body


def vote_passes(*, store: SqlStore, item: Floor) -> list[bool]:
    """Whether the item passes with 0, 1, 2… yes votes (one flag per count up to the members
    entitled to vote), by the rule G11 applies: the share of members due (after recusals) for
    cadre items and votes of members due, of those present otherwise."""
    state = _need(store, "decision", item.decision)
    profile = profile_of(store, state["profile"])
    due = len([s for s in item.speakers if not s.recused])
    voters = len([s for s in item.speakers if s.voting])
    threshold, base, _ = vote_threshold(profile, item.rule, due, voters)
    return [threshold.met(yes, base) for yes in range(voters + 1)]


@dataclass(frozen=True)
class Unconfirmed:
    """A position the recorder wrote for a member, waiting for the member's own signature."""

    decision: str
    meeting: str
    position_seq: int
    stance: str
    reason: str | None
    recorded_by: str

    def body(self, person: str) -> Obj:
        return {"meeting": self.meeting, "person": person, "position_seq": self.position_seq}


def unconfirmed(*, store: SqlStore, person: str) -> list[Unconfirmed]:
    """The positions recorded for `person` by someone else that they have not confirmed."""
    query = (
        select(INVOLVEMENTS.c.subject)
        .where(INVOLVEMENTS.c.person == person, INVOLVEMENTS.c.role == "member_position")
        .distinct()
    )
    with store.reading() as conn:
        subjects = sorted(conn.execute(query).scalars())
    found = []
    for ident in subjects:
        state = _object(store, "decision", ident)
        if state is None:
            continue
        for record in [*state["deliberations"], state["agenda"]]:
            position = None if record is None else record["positions"].get(person)
            if position is None or position["confirmed_seq"] is not None:
                continue
            found.append(
                Unconfirmed(
                    ident,
                    record["meeting"],
                    position["seq"],
                    position["stance"],
                    position.get("reason"),
                    position["by"],
                )
            )
    return sorted(found, key=lambda u: u.position_seq)


__all__ = [
    "Attachment",
    "FieldError",
    "FieldSpec",
    "Floor",
    "FormSpec",
    "Refusal",
    "Speaker",
    "Unconfirmed",
    "agenda_drafts",
    "attach",
    "attendance_body",
    "build_body",
    "check_field",
    "explain",
    "floor",
    "form",
    "forms",
    "head_decision_draft",
    "meetings",
    "members_due",
    "next_meeting_id",
    "next_steps",
    "suggest",
    "position_draft",
    "position_needs_reason",
    "preflight",
    "profile_of",
    "record",
    "unconfirmed",
    "value_of",
    "vote_passes",
    "vote_body",
    "with_reason",
]
