"""Readable renderings: HTML pages (A4 print, CJK font stack), CSV and Markdown tables.

Pure functions of their inputs, so an export renders the same bytes each time and a verifier
re-renders them to compare.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from html import escape
from importlib.resources import files
from typing import Any


def css() -> str:
    """The stylesheet every page embeds."""
    return files("ledger.export").joinpath("templates/print.css").read_text(encoding="utf-8")


def page(title: str, body: str, *, footer: str = "") -> bytes:
    """A complete HTML page, UTF-8, with the print stylesheet embedded."""
    foot = f"<footer>{footer}</footer>\n" if footer else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>\n{css()}</style>\n</head>\n<body>\n"
        f"{body}{foot}</body>\n</html>\n"
    ).encode()


def text(value: Any) -> str:
    """A value as escaped HTML text (None as an em dash)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return escape(", ".join(str(v) for v in value)) or "—"
    return escape(str(value))


def table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, classes: Sequence[str] = ()
) -> str:
    """An HTML table; `classes` gives each row's class (optional)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        cls = classes[index] if index < len(classes) and classes[index] else ""
        attr = f' class="{escape(cls)}"' if cls else ""
        body.append(f"<tr{attr}>" + "".join(f"<td>{text(v)}</td>" for v in row) + "</tr>")
    if not body:
        return '<p class="meta">（无 none）</p>\n'
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>\n"
    )


def findings_table(report: dict[str, Any]) -> str:
    """A compliance report's findings and documented exceptions, one a row (bundle, dossier)."""
    return table(
        ["检查 check", "依据 basis", "程度 severity", "seq", "说明 message"],
        [
            (f["check"], f["basis"], f["severity"], f["seq"], f["message"])
            for f in report["findings"]
        ]
        + [
            (e["gate"] or e["finding"], e["basis"], "exception", e["seq"], e["reason"])
            for e in report["exceptions"]
        ],
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell that no spreadsheet runs as a formula (the OWASP rule): text
    beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading single quote.
    Text already beginning with a quote gets one too, so `csv_text` undoes it exactly. None is
    an empty cell; numbers are written as they are (they cannot hold a formula)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(cell: str) -> str:
    """The text `csv_cell` was given, from the cell it wrote."""
    return cell[1:] if cell.startswith("'") else cell


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV (RFC 4180 quoting, LF line ends, UTF-8 without BOM); every cell through
    `csv_cell`. Every CSV an export writes comes from here, so a verifier that writes it
    again writes the same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown (GFM) table."""

    def cell(value: Any) -> str:
        shown = "—" if value is None or value == "" else str(value)
        return shown.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def rate(value: dict[str, Any]) -> str:
    """`n / d (p%)` for a rate with numerator and denominator."""
    if not value["denominator"]:
        return f"{value['numerator']} / 0 (—)"
    share = value["numerator"] / value["denominator"]
    return f"{value['numerator']} / {value['denominator']} ({share:.1%})"
