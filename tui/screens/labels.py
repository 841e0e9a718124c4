"""The recording screens' words for the ledger's names: entry types, fields, choices, gates, field
problems and refusals, each from the `record` catalog."""

from __future__ import annotations

from ledger.recording import FieldError, Refusal
from tui.i18n import has, t


def type_label(entry_type: str) -> str:
    """An entry type's name in the current language, with the type itself."""
    return f"{t(f'record.type.{entry_type}.name')}  ({entry_type})"


def choice_label(value: str) -> str:
    """One of a field's choices (a stance, a channel, an outcome…)."""
    return t(f"record.choice.{value}")


def status_label(status: str) -> str:
    return t(f"record.status.{status}")


def field_error(problem: FieldError) -> str:
    """What is wrong with a field, in the current language."""
    key = f"record.error.{problem.code}"
    if not has(key) or problem.code == "invalid":
        return t("record.error.invalid", message=problem.message)
    return t(key, value=problem.params.get("value", ""))


def refusal_text(refusal: Refusal) -> str:
    """A refusal: the gate, its article and rule, the ledger's message, what would satisfy it."""
    if refusal.gate is None:
        return t("record.refused", message=refusal.message)
    gate = refusal.gate
    lines = [
        t(f"record.gate_{refusal.strength}", gate=gate, article=str(refusal.article)),
        t(f"record.gate.{gate}.rule"),
        t("record.ledger_says", message=refusal.message),
        t("record.remedy", remedy=t(f"record.gate.{gate}.remedy")),
    ]
    return "\n".join(lines)
