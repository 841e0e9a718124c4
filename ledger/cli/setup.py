"""`ledger init`, `ledger verify` and `ledger demo`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.context import now, open_ledger, passphrase, state
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.exit_codes import ExitCode
from ledger.cli.output import data, info


@handles_ledger_errors
def init(
    ctx: typer.Context,
    origin: Annotated[
        str,
        typer.Option(help="The ledger's unique name, e.g. edu.example-district.gov.cn/decisions"),
    ],
    organisation: Annotated[str, typer.Option(help="The body whose decisions are recorded.")],
    registrar_id: Annotated[str, typer.Option(help="Person id of the registrar, e.g. li.na")],
    registrar_name: Annotated[str, typer.Option(help="The registrar's name.")],
) -> None:
    """Create a new ledger and the registrar's key; the genesis entry is seq 0.

    The registrar records people, keys, organs and memberships.

    Example: ledger init --origin edu.example.gov.cn/decisions --organisation 区教育局
    --registrar-id li.na --registrar-name 李娜
    """
    from ledger.app import identity
    from ledger.app.database import safe_url

    settings = state(ctx).settings()
    given = identity.LedgerIdentity(origin, organisation, registrar_id, registrar_name)
    identity.check_init(db=settings.db, identity=given)
    secret = passphrase(f"New passphrase for {registrar_id}'s key", confirm=True)
    genesis, key_file = identity.create(
        db=settings.db, key_dir=settings.key_dir, identity=given, secret=secret, now=now()
    )
    info(f"created ledger {origin} at {safe_url(settings.db)}")
    info(f"registrar {registrar_id}: key {genesis.statement.key} in {key_file}")
    data(f"{genesis.seq}\t{genesis.leaf_hash}")


@handles_ledger_errors
def verify(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            metavar="FILE",
            help="A checkpoint you kept: the ledger must extend it (repeatable).",
        ),
    ] = None,
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle",
            metavar="PATH",
            help="Verify an export (bundle or dossier: a bag directory or .zip) instead of a "
            "database; needs --trust.",
        ),
    ] = None,
    trust: Annotated[
        list[str] | None,
        typer.Option(
            "--trust",
            metavar="VKEY",
            help="With --bundle: the ledger's checkpoint verifier key you hold (or a file "
            "holding it); witness keys given too must have cosigned (repeatable).",
        ),
    ] = None,
) -> None:
    """Recompute and check every entry, blob, derived row, the Merkle tree and every checkpoint;
    exit 3 on any failure.

    Example: ledger verify --checkpoint checkpoint-2020-03.txt

    Example: ledger verify --bundle audit-2020.zip --trust "$(cat bureau.vkey)"
    """
    from ledger.app import verification
    from ledger.cli.checkpoints import read_checkpoint

    kept = [(str(path), read_checkpoint(path)) for path in checkpoint or []]
    if bundle is not None:
        from ledger.cli.exports import verify_bundle

        return verify_bundle(bundle, trust or [], kept, as_json)
    # Verifying changes nothing, so a ledger of any revision is verified as its own revision
    # defines it: an auditor's copy of an earlier release's ledger needs no upgrade first.
    show = sys.stderr.isatty() and not as_json

    def progress(done: int, total: int) -> None:
        if show:
            sys.stderr.write(f"\rverifying… {done:,} of {total:,} entries ({done / total:.0%})")
            sys.stderr.flush()

    with open_ledger(ctx, older=True, unknown=True) as ledger:
        report = verification.verify(ledger, progress=progress, checkpoints=kept)
        schema = ledger.store.recorded
    tree = report.tree
    if show:
        sys.stderr.write("\r\033[K")
    if as_json:
        checked = {"recorded": schema.describe(), "state": schema.state, "layout": schema.schema}
        data(json.dumps({**report.to_json(), "schema": checked}, ensure_ascii=False))
    elif report.ok:
        data(f"ok: {report.entries} entries, {report.blobs} blobs, head {report.head}")
        info(
            f"Merkle root {tree.root} at size {tree.size}; {tree.checkpoints} stored "
            f"checkpoint(s), {tree.cosignatures} cosignature(s) verified"
        )
        for kept_cp in tree.extends:
            info(f"extends checkpoint {kept_cp['file']} (size {kept_cp['size']})")
        if schema.state == "older":
            info(
                f"its tables are {schema.describe()}, verified as such; "
                "`ledger db upgrade` brings them to this release's"
            )
    else:
        for failure in report.ordered():
            info(f"FAIL [{failure.kind}] {failure.describe()}")
        data(f"FAILED: {len(report.failures)} kinds of failure in {report.entries} entries")
    if not report.ok:
        raise typer.Exit(ExitCode.VERIFICATION_FAILED)


@handles_ledger_errors
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to build the demo (replaced if it is a demo).")
    ] = Path("ledger-demo"),
) -> None:
    """Build a realistic demo ledger, then show its log and verify it.

    Example: ledger demo --dir /tmp/ledger-demo
    """
    from ledger.app import Ledger, accountability, verification
    from ledger.app import demo as demo_ledger

    info(f"building the demo ledger in {directory}/ …")
    built = demo_ledger.build(directory)
    info(f"demo passphrase for every key: {built.passphrase}")
    info("")
    with Ledger.open(str(built.db)) as ledger:
        data(f"示例区教育局 2020: {built.entries} entries")
        data("")
        data("decision\tstatus\tcompliance\trecord\ttitle")
        for checked in accountability.check(ledger):
            data(
                f"{checked['decision']}\t{checked['status']}\t{checked['compliance_status']}\t"
                f"{checked['record_completeness']}\t{checked['title']}"
            )
        data("")
        for refusal in built.refusals:
            data(f"refused as it should be: {refusal}")
        data("")
        data("checkpoint signed by the registrar (hand it to the auditors):")
        data(built.checkpoint.rstrip("\n"))
        data("")
        report = verification.verify(ledger)
    data(
        f"ledger verify: {'ok' if report.ok else 'FAILED'}: {report.entries} entries, "
        f"{report.blobs} blobs, head {report.head}"
    )
    info("")
    info("Try next:")
    info(f"  export LEDGER_DB={built.db} LEDGER_KEY_DIR={built.key_dir}")
    info("  ledger decisions")
    info("  ledger show decision d2020-02")
    info("  ledger trace decision d2020-01")
    info("  ledger trace person chen.jing")
    info("  ledger check --all")
    info("  ledger overdue")
    info("  ledger verify")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command()(init)
    app.command()(verify)
    app.command()(demo)
