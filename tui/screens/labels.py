"""The recording screens' words for the ledger's names: entry types, fields, choices, gates, field
problems and refusals, each from the `record` catalog."""

from __future__ import annotations

import re

from ledger.app.appending import Refusal
from ledger.app.forms import FieldError
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
    """A refusal: the gate, its article and rule, the ledger's finding, what would satisfy it."""
    breach = refusal.breach
    if breach is None:
        return t("record.refused", message=refusal.message)
    lines = [
        t(f"record.gate_{breach.strength}", gate=breach.gate, article=basis_text(breach.citation)),
        t(f"record.gate.{breach.gate}.rule"),
        t("record.ledger_says", message=breach.finding),
    ]
    if breach.conflicting_seq is not None:
        lines.append(t("record.see_seq", seq=breach.conflicting_seq))
    lines.append(t("record.remedy", remedy=t(f"remedy.{breach.remedy}")))
    return "\n".join(lines)


# -- the browsing screens' words for the core's codes ---------------------------------------
# Entry types and step kinds are named once, in the `record` catalog; the browsing screens read
# them from there. Roles, articles and findings are in the `browse` catalog.


def entry_type_name(entry_type: str) -> str:
    """An entry type's name in the current language (the type itself if it has none)."""
    key = f"record.type.{entry_type}.name"
    return t(key) if has(key) else entry_type


def role_name(role: str) -> str:
    """A part in a decision (`proposer`, `step:hearing`…) in the current language."""
    if role.startswith("step:"):
        step = role[5:]
        key = f"record.choice.{step}"
        return t("role.step", step=t(key) if has(key) else step.replace("_", " "))
    key = f"role.{role}"
    return t(key) if has(key) else role.replace("_", " ")


_ARTICLES = re.compile(r"(?i:art)\. (.+)")  # `Art. 30, 38 ¶3`, as the core writes a basis
_ARTICLE = re.compile(r"(\d+(?:–\d+)?)(?: ¶(\d+))?")


def basis_text(basis: str | None) -> str:
    """The legal basis the core gives (`Art. 30, 38 ¶3`, `Art. 37, <instrument>` as
    `ledger.errors.citation` writes it, `soft gate`) in the current language; anything else as
    given."""
    if not basis:
        return ""
    articles = _ARTICLES.fullmatch(basis)
    if articles is not None:
        parts = articles.group(1).split(", ")
        pieces: list[str] = []
        for index, part in enumerate(parts):
            match = _ARTICLE.fullmatch(part)
            if match is None and pieces and index == len(parts) - 1:  # the instrument
                listed = t("basis.articles", list=t("basis.join").join(pieces))
                name = f"basis.{part}"
                shown = t(name) if has(name) else part
                return t("basis.in_instrument", articles=listed, instrument=shown)
            if match is None:
                return basis
            number, paragraph = match.groups()
            pieces.append(
                t("basis.article", n=number)
                if paragraph is None
                else t("basis.article_paragraph", n=number, p=paragraph)
            )
        return t("basis.articles", list=t("basis.join").join(pieces))
    key = f"basis.{basis}"
    return t(key) if has(key) else basis


def finding_name(check: str) -> str:
    """A compliance check the core names by a code (`legal_basis`), or a gate (`G6`)."""
    key = f"finding.{check}"
    return t(key) if has(key) else check.replace("_", " ")


def post_at(value: str) -> str:
    """`organ:post` as the core gives a post held at the time, the post named."""
    organ, _, post = value.partition(":")
    key = f"post.{post}"
    return f"{organ}:{t(key)}" if has(key) else value


def failure_kind(kind: str) -> str:
    """A kind of verify failure (`signature`, `chain`…) in the current language."""
    key = f"verify.kind.{kind}"
    return t(key) if has(key) else kind.replace("_", " ")
