"""`ledger export bundle|dossier`, `ledger report annual`, and `ledger verify --bundle`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ledger.cli.context import key_prompt, open_ledger
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.exit_codes import ExitCode
from ledger.cli.output import data, info
from ledger.cli.params import year as year_param
from ledger.errors import InputError

if TYPE_CHECKING:
    from ledger.app import Ledger
    from ledger.app.exports import ExportResult
    from ledger.note import SignedCheckpoint

export_app = typer.Typer(
    help="Exports for auditors, verifiable offline with `ledger verify --bundle`.",
    no_args_is_help=True,
)
report_app = typer.Typer(help="Reports computed from the ledger.", no_args_is_help=True)

AsOption = Annotated[
    str, typer.Option("--as", help="Person id of the one exporting; their key signs the export.")
]
OutOption = Annotated[
    Path, typer.Option("--out", help="Where to write: a new directory, or a file ending in .zip.")
]


def _progress(what: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show and total:
            sys.stderr.write(f"\r{what}… {done:,} of {total:,} ({min(done / total, 1):.0%})")
            sys.stderr.flush()

    def clear() -> None:
        if show:
            sys.stderr.write("\r\033[K")

    return progress, clear


def _unlocked(ctx: typer.Context, actor: str) -> Ledger:
    """The ledger, with `actor`'s key unlocked (closed again if that fails)."""
    ledger = open_ledger(ctx)
    try:
        ledger.unlock(actor, key_prompt(actor))
    except BaseException:
        ledger.close()
        raise
    return ledger


def _done(result: ExportResult) -> None:
    cp = result.checkpoint
    info(
        f"exported {result.kind} to {result.path}: {result.entries} entries, {result.blobs} "
        f"blobs, bound to checkpoint size {cp.size}; recorded as seq {result.entry.seq}"
    )
    for blob, reason in result.withheld:
        info(f"withheld {blob}: {reason}")
    data(f"{result.bundle_hash}\t{result.path}")


@handles_ledger_errors
def bundle(
    ctx: typer.Context,
    out: OutOption,
    actor: AsOption,
    from_date: Annotated[
        str | None,
        typer.Option("--from", metavar="DATE", help="Decisions proposed on or after DATE."),
    ] = None,
    to_date: Annotated[
        str | None,
        typer.Option("--to", metavar="DATE", help="Decisions proposed on or before DATE."),
    ] = None,
    withhold: Annotated[
        list[str] | None,
        typer.Option(
            "--withhold", metavar="BLOB_HASH", help="A document to leave out (repeatable)."
        ),
    ] = None,
    reason: Annotated[
        list[str] | None,
        typer.Option("--reason", metavar="TEXT", help="Why, one per --withhold, in order."),
    ] = None,
) -> None:
    """Write a BagIt bundle of the ledger up to its latest checkpoint, signed by you, and
    record the export (export.produced). Prints the bundle hash.

    Example: ledger export bundle --out audit-2020.zip --as wu.xia --from 2020-01-01
    --to 2020-12-31 --withhold 3fa2… --reason "涉密，依《保密法》不予提供"
    """
    from ledger.app import exports
    from ledger.app.exports import Scope, check_out
    from ledger.entry import HEX64

    withheld = list(withhold or [])
    reasons = list(reason or [])
    if len(withheld) != len(reasons):
        raise InputError(
            f"{len(withheld)} --withhold but {len(reasons)} --reason: give one reason for each "
            "withheld document",
            where="--reason",
        )
    for digest in withheld:
        if not HEX64.fullmatch(digest):
            raise InputError(f"{digest!r} is not a SHA-256 hex hash", where="--withhold")
    check_out(out)
    scope = Scope(from_date, to_date, tuple(zip(withheld, reasons, strict=True)))
    progress, clear = _progress("exporting")
    with _unlocked(ctx, actor) as ledger:
        try:
            result = exports.export_bundle(ledger, out=out, scope=scope, progress=progress)
        finally:
            clear()
    _done(result)


@handles_ledger_errors
def dossier(
    ctx: typer.Context,
    decision: Annotated[str, typer.Argument(metavar="DECISION", help="The decision's id.")],
    out: OutOption,
    actor: AsOption,
) -> None:
    """Write one decision's dossier (决策档案): its entries with inclusion proofs against the
    latest checkpoint, the identity entries that authorise each signer, and a readable HTML
    file; signed by you and recorded (export.produced).

    Example: ledger export dossier d2020-01 --out d2020-01.zip --as wu.xia
    """
    from ledger.app import exports
    from ledger.app.exports import check_out

    check_out(out)
    with _unlocked(ctx, actor) as ledger:
        result = exports.export_dossier(ledger, decision, out=out)
    _done(result)


@handles_ledger_errors
def annual(
    ctx: typer.Context,
    year: Annotated[
        int,
        typer.Option(
            "--year", metavar="YEAR", parser=year_param, help="The calendar year reported on."
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", metavar="md|html|json", help="Output format.")
    ] = "md",
) -> None:
    """The year's rule-of-law statistics (法治政府建设年度报告), computed from the ledger at its
    latest checkpoint and stamped with it.

    Example: ledger report annual --year 2020 --format html > report-2020.html
    """
    from ledger.app import exports

    if fmt not in exports.REPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; use md, html or json", where="--format")
    with open_ledger(ctx) as ledger:
        stats = exports.annual_report(ledger, year)
    sys.stdout.buffer.write(exports.render(stats, fmt))
    sys.stdout.flush()


def verify_bundle(
    path: Path,
    trust: list[str],
    kept: list[tuple[str, SignedCheckpoint]],
    as_json: bool,
) -> None:
    """`ledger verify --bundle PATH --trust VKEY`: called by `ledger verify`."""
    from ledger.export.bag import printable
    from ledger.export.verify_bundle import verify_bundle as check
    from ledger.note import ED25519, VerifierKey
    from ledger.receipts import Trust

    keys = [VerifierKey.parse(_key_text(value), where="--trust") for value in trust]
    log_keys = [k for k in keys if k.key_type == ED25519]
    if not log_keys:
        raise InputError(
            "give the ledger's checkpoint key with --trust (from `ledger checkpoint "
            "--verifier-key`, as the bureau published it): a bundle is only as good as the key "
            "you trust, never one taken from the bundle itself",
            where="--trust",
        )
    witnesses = [k for k in keys if k.key_type != ED25519]
    progress, clear = _progress("verifying")
    try:
        report = check(
            path,
            trust=Trust(log_keys, witnesses),
            kept=kept,
            progress=None if as_json else progress,
        )
    finally:
        clear()
    if as_json:
        text = json.dumps(report.to_json(), ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from the bag: escape it, as JSON may
            text = json.dumps(report.to_json())
        data(text)
    elif report.ok:
        what = f"dossier of {report.decision}" if report.kind == "dossier" else "bundle"
        data(
            printable(
                f"ok: {what} of {report.origin}, {report.entries} entries, {report.blobs} "
                f"blobs, bound to checkpoint size {report.size} root {report.root}"
            )
        )
        info(f"checkpoint signed by {', '.join(report.signed_by)}")
        if report.cosigned_by:
            info(f"cosigned by {', '.join(report.cosigned_by)}")
        info(printable(f"exported by {report.exporter}; bundle hash {report.bundle_hash}"))
        for blob, reason in report.withheld:
            info(printable(f"withheld: {blob} ({reason})"))
        for name, cp in kept:
            info(f"extends checkpoint {name} (size {cp.checkpoint.size})")
    else:
        for problem in report.problems:
            info(f"FAIL [{problem.kind}] {problem.describe()}")
        data(f"FAILED: {len(report.problems)} failure(s) in {printable(str(path))}")
    if not report.ok:
        raise typer.Exit(ExitCode.VERIFICATION_FAILED)


def _key_text(value: str) -> str:
    """A verifier key given as itself or as a file holding it."""
    from ledger import inputs

    if "+" in value:
        return value.strip()
    if not os.path.lexists(value):
        raise InputError(
            f"{value!r} is neither a verifier key nor a readable file", where="--trust"
        )
    raw = inputs.read_file(value, limit=inputs.MAX_TEXT_FILE, where=f"--trust {value}")
    return inputs.decode_text(raw, where=f"--trust {value}").strip()


def register(app: typer.Typer) -> None:
    """Add `ledger export …` and `ledger report …` to the root app."""
    export_app.command("bundle")(bundle)
    export_app.command("dossier")(dossier)
    report_app.command("annual")(annual)
    app.add_typer(export_app, name="export")
    app.add_typer(report_app, name="report")
