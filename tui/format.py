"""Small formatting helpers shared by the screens (dates, hashes, rates, status names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.entry import DEFAULT_ZONE
from tui.i18n import has, t


def short_hash(value: str | None, length: int = 16) -> str:
    """The first `length` hex digits and an ellipsis."""
    if not value:
        return t("common.none")
    return value[:length] + "…"


def when(stamp: str | None) -> str:
    """A stored UTC or offset time, shown in Beijing time to the minute."""
    if not stamp:
        return t("common.none")
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone(DEFAULT_ZONE).strftime("%Y-%m-%d %H:%M")


def percent(rate: dict[str, Any]) -> str:
    """`12/63 (19.0%)`, or `0/0` when nothing is counted."""
    if rate["rate"] is None:
        return f"{rate['numerator']}/{rate['denominator']}"
    return f"{rate['numerator']}/{rate['denominator']} ({rate['rate'] * 100:.1f}%)"


def label(group: str, name: str | None) -> str:
    """The catalog's name for `name` in `group` (`status.published`), or `name` itself."""
    if name is None:
        return t("common.none")
    key = f"{group}.{name}"
    return t(key) if has(key) else name.replace("_", " ")


def status_label(name: str | None) -> str:
    return label("status", name)
