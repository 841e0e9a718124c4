"""Exports for auditors: a bundle, a decision's dossier, the annual report.

`export_bundle`, `export_dossier` and `annual_report` are what the CLI calls with its parsed
options; `bundle`, `dossier` and `write_annual_report` take a form's text fields as typed and
return plain data for the terminal UI's screen. The bundle and the dossier are signed by
whoever is unlocked and recorded as `export.produced`; the annual report needs no key. Each
takes a `progress(done, total)` callback and may block: the TUI calls them from a worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.app import decisions
from ledger.app.ledger import Ledger
from ledger.entry import HEX64
from ledger.entry import parse_day as parse_entry_day
from ledger.errors import InputError
from ledger.export import annual
from ledger.export import dossier as export_dossier_module
from ledger.export import service as export_service
from ledger.export.bundle import Scope
from ledger.export.service import ExportResult, check_out
from ledger.note import b64

Progress = Callable[[int, int], None]
REPORT_FORMATS = ("md", "html", "json")


@dataclass(frozen=True)
class ExportDone:
    """An export written and recorded: where, its hash, the checkpoint it is bound to (size and
    base64 root), the seq of its `export.produced` entry, and what it holds."""

    kind: str
    path: Path
    bundle_hash: str
    checkpoint_size: int
    checkpoint_root: str
    seq: int
    entries: int
    blobs: int
    withheld: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ReportDone:
    """An annual report written to `path`, computed at the checkpoint of `checkpoint_size`."""

    path: Path
    year: int
    format: str
    checkpoint_size: int
    checkpoint_root: str
    decisions: int
    size: int  # bytes written


def export_bundle(
    ledger: Ledger, *, out: Path, scope: Scope, progress: Progress | None = None
) -> ExportResult:
    """Write the bundle of the ledger up to its latest checkpoint to `out`, signed by whoever
    is unlocked, and record it (`export.produced`); see `ledger.export.service`.

    Raises:
        RefusedError: nobody is unlocked; no checkpoint; the key is not bound before it; a blob
            is missing. InputError: `out` exists.
    """
    actor, key = ledger.require_signer()
    return export_service.export_bundle(
        store=ledger.store,
        out=out,
        exporter=actor,
        key=key,
        now=ledger.now(),
        scope=scope,
        progress=progress,
    )


def export_dossier(
    ledger: Ledger, decision: str, *, out: Path, progress: Progress | None = None
) -> ExportResult:
    """Write `decision`'s dossier to `out`, signed by whoever is unlocked, and record it; see
    `ledger.export.dossier`.

    Raises:
        InputError: no such decision; `out` exists. RefusedError: as for `export_bundle`.
    """
    actor, key = ledger.require_signer()
    return export_dossier_module.export_dossier(
        store=ledger.store,
        decision=decision,
        out=out,
        exporter=actor,
        key=key,
        now=ledger.now(),
        progress=progress,
    )


def annual_report(ledger: Ledger, year: int, *, progress: Progress | None = None) -> dict[str, Any]:
    """The year's rule-of-law statistics, computed at the latest checkpoint (needs no key).

    Raises:
        RefusedError: no checkpoint.
    """
    return annual.annual_report(store=ledger.store, year=year, progress=progress)


def render(report: dict[str, Any], fmt: str) -> bytes:
    """The annual report as Markdown, HTML or JSON. Raises InputError for another format."""
    renderers = {"md": annual.render_md, "html": annual.render_html, "json": annual.render_json}
    if fmt not in renderers:
        raise InputError(f"unknown format {fmt!r}; use md, html or json", where="format")
    return renderers[fmt](report)


def _done(result: ExportResult) -> ExportDone:
    return ExportDone(
        kind=result.kind,
        path=result.path,
        bundle_hash=result.bundle_hash,
        checkpoint_size=result.checkpoint.size,
        checkpoint_root=b64(result.checkpoint.root),
        seq=result.entry.seq,
        entries=result.entries,
        blobs=result.blobs,
        withheld=result.withheld,
    )


def _out(text: str, where: str) -> Path:
    value = text.strip()
    if not value:
        raise InputError("give a file or directory name", where=where)
    return Path(value).expanduser()


def parse_day(text: str, where: str) -> str | None:
    """`text` as a date YYYY-MM-DD, or None when blank. Raises InputError naming `where`."""
    value = text.strip()
    if not value:
        return None
    parse_entry_day(value, where=where)
    return value


def parse_withheld(text: str, where: str = "withheld") -> list[tuple[str, str]]:
    """Documents to withhold, one a line: a blob's SHA-256 hex, a space, the reason.

    Raises:
        InputError: a line whose hash is not 64 hex digits, or that gives no reason
            (`where` and the line number name it).
    """
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, _, reason = line.strip().partition(" ")
        if not HEX64.fullmatch(digest):
            raise InputError(f"{digest!r} is not a SHA-256 hex hash", where=f"{where} {number}")
        if not reason.strip():
            raise InputError(
                "give the reason (the legal basis) after the hash", where=f"{where} {number}"
            )
        found.append((digest, reason.strip()))
    return found


def bundle(
    ledger: Ledger,
    *,
    out: str,
    from_date: str = "",
    to_date: str = "",
    withheld: str = "",
    progress: Progress | None = None,
) -> ExportDone:
    """Export the bundle (a directory, or a zip when `out` ends in .zip), signed by the
    unlocked person and recorded; `withheld` as `parse_withheld` reads it.

    Raises:
        InputError: a bad path, date or withheld line; `out` exists. RefusedError: nobody is
            unlocked; no checkpoint; the key is not bound before it; a blob is missing.
    """
    path = _out(out, "out")
    scope = Scope(
        parse_day(from_date, "from"), parse_day(to_date, "to"), tuple(parse_withheld(withheld))
    )
    check_out(path)
    return _done(export_bundle(ledger, out=path, scope=scope, progress=progress))


def dossier(
    ledger: Ledger, *, decision: str, out: str, progress: Progress | None = None
) -> ExportDone:
    """Export `decision`'s dossier, signed by the unlocked person and recorded.

    Raises:
        InputError: no decision chosen, a bad path, `out` exists, no such decision.
        RefusedError: nobody is unlocked; no checkpoint; the key is not bound before it.
    """
    if not decision.strip():
        raise InputError("choose a decision", where="decision")
    path = _out(out, "out")
    check_out(path)
    return _done(export_dossier(ledger, decision.strip(), out=path, progress=progress))


def write_annual_report(
    ledger: Ledger,
    *,
    year: str,
    fmt: str,
    out: str,
    progress: Progress | None = None,
) -> ReportDone:
    """Compute the year's report at the latest checkpoint and write it to `out` (never over
    an existing file). Needs no key.

    Raises:
        InputError: a bad year or format, a bad path, `out` exists. RefusedError: no checkpoint.
    """
    try:
        number = int(year.strip())
    except ValueError:
        raise InputError(f"{year.strip()!r} is not a year", where="year") from None
    if not 1900 <= number <= 9999:
        raise InputError(f"{number} is not a year", where="year")
    if fmt not in REPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; use md, html or json", where="format")
    path = _out(out, "out")
    check_out(path)
    report = annual_report(ledger, number, progress=progress)
    data = render(report, fmt)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    cp = report["checkpoint"]
    return ReportDone(
        path, number, fmt, cp["size"], cp["root"], report["decisions"]["total"], len(data)
    )


def suggested_names(ledger: Ledger) -> dict[str, str]:
    """File names the export screen offers, from today's date: `bundle`, `dossier` (a template
    the decision's id completes) and `annual` (`annual-YEAR`, the latest year with decisions,
    else last year)."""
    today = ledger.today()
    years = decisions.filters(ledger).years
    year = years[0] if years else int(today[:4]) - 1
    return {
        "bundle": f"bundle-{today}.zip",
        "dossier": f"dossier-{{decision}}-{today}.zip",
        "annual": f"annual-{year}",
    }


def decision_choices(ledger: Ledger, limit: int = 500) -> list[tuple[str, str]]:
    """Decisions to pick a dossier from, newest id first: (id, title)."""
    page = decisions.page(ledger, decisions.DecisionQuery(), limit=limit)
    return [(row.id, row.title) for row in page.rows]


__all__ = [
    "REPORT_FORMATS",
    "ExportDone",
    "ExportResult",
    "Scope",
    "check_out",
    "ReportDone",
    "annual_report",
    "export_bundle",
    "export_dossier",
    "render",
    "write_annual_report",
    "bundle",
    "decision_choices",
    "dossier",
    "parse_day",
    "parse_withheld",
    "suggested_names",
]
