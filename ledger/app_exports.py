"""The exports the terminal UI offers: a bundle, a decision's dossier, the annual report.

Use cases over a `LedgerService` (see `ledger.app_service`), returning plain data for the
screen. The bundle and the dossier are signed by whoever is unlocked and recorded as
`export.produced`; the annual report needs no key and is written to a file. Each takes a
`progress(done, total)` callback and may block: call them from a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledger.app_service import LedgerService
from ledger.entry import HEX64
from ledger.entry import parse_day as parse_entry_day
from ledger.errors import InputError
from ledger.export import annual
from ledger.export.bundle import Scope
from ledger.export.dossier import export_dossier
from ledger.export.service import ExportResult, check_out, export_bundle
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
    service: LedgerService,
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
    scope = Scope(parse_day(from_date, "from"), parse_day(to_date, "to"),
                  tuple(parse_withheld(withheld)))  # fmt: skip
    check_out(path)
    actor, key = service.require_signer()
    return _done(
        export_bundle(
            store=service.store,
            out=path,
            exporter=actor,
            key=key,
            now=service.now(),
            scope=scope,
            progress=progress,
        )  # fmt: skip
    )


def dossier(
    service: LedgerService, *, decision: str, out: str, progress: Progress | None = None
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
    actor, key = service.require_signer()
    return _done(
        export_dossier(
            store=service.store,
            decision=decision.strip(),
            out=path,
            exporter=actor,
            key=key,
            now=service.now(),
            progress=progress,
        )  # fmt: skip
    )


def annual_report(
    service: LedgerService,
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
    report = annual.annual_report(store=service.store, year=number, progress=progress)
    render = {"md": annual.render_md, "html": annual.render_html, "json": annual.render_json}
    data = render[fmt](report)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    cp = report["checkpoint"]
    return ReportDone(path, number, fmt, cp["size"], cp["root"], report["decisions"]["total"],
                      len(data))  # fmt: skip


def suggested_names(service: LedgerService) -> dict[str, str]:
    """File names the export screen offers, from today's date: `bundle`, `dossier` (a template
    the decision's id completes) and `annual` (`annual-YEAR`, the latest year with decisions,
    else last year)."""
    today = service.today()
    years = service.decision_filters().years
    year = years[0] if years else int(today[:4]) - 1
    return {
        "bundle": f"bundle-{today}.zip",
        "dossier": f"dossier-{{decision}}-{today}.zip",
        "annual": f"annual-{year}",
    }


def decision_choices(service: LedgerService, limit: int = 500) -> list[tuple[str, str]]:
    """Decisions to pick a dossier from, newest id first: (id, title)."""
    from ledger.app_service import DecisionQuery

    page = service.decisions_page(DecisionQuery(), limit=limit)
    return [(row.id, row.title) for row in page.rows]


__all__ = [
    "REPORT_FORMATS",
    "ExportDone",
    "ReportDone",
    "annual_report",
    "bundle",
    "decision_choices",
    "dossier",
    "parse_day",
    "parse_withheld",
    "suggested_names",
]
