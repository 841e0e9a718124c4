"""`ledger checkpoint …`, `ledger prove …` and `ledger verify-proof`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ledger.cli.context import open_ledger, passphrase
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import Output, data, info
from ledger.cli.params import natural
from ledger.errors import InputError

if TYPE_CHECKING:
    from ledger.app.checkpoints import Signing
    from ledger.note import SignedCheckpoint, VerifierKey

checkpoint_app = typer.Typer(
    help="Signed checkpoints (C2SP tlog-checkpoint): tree size and Merkle root, signed by the "
    "registrar; hand them to auditors and witnesses. Without a command: verify the entries "
    "since the last checkpoint, then sign one of the ledger as it stands, store it and print "
    "it.\n\nExample: ledger checkpoint --out checkpoint.txt",
    invoke_without_command=True,
)
prove_app = typer.Typer(help="Inclusion and consistency proofs (RFC 9162).", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of the text form.")]
WitnessKeys = Annotated[
    list[str] | None,
    typer.Option("--witness-key", metavar="VKEY", help="A witness's verifier key (repeatable)."),
]


def read_file(path: Path) -> bytes:
    """Read a file given on the command line (a regular file of at most 1 MiB). Raises
    InputError naming it."""
    from ledger import inputs

    return inputs.read_file(path, limit=inputs.MAX_TEXT_FILE)


def read_checkpoint(path: Path) -> SignedCheckpoint:
    """Read a signed checkpoint file. Raises InputError naming it and what is wrong."""
    from ledger.errors import NoteError
    from ledger.note import SignedCheckpoint

    try:
        return SignedCheckpoint.parse(read_file(path))
    except NoteError as exc:
        raise InputError(exc.message, where=str(path)) from None


def parse_keys(values: list[str] | None, option: str) -> list[VerifierKey]:
    from ledger.note import VerifierKey

    return [VerifierKey.parse(v, where=option) for v in values or []]


def _emit(text: str, out: Path | None) -> None:
    with Output(out) as output:
        output.emit(text)


OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
]


# -- ledger checkpoint ---------------------------------------------------------------------------


@checkpoint_app.callback()
@handles_ledger_errors
def checkpoint(
    ctx: typer.Context,
    verifier_key: Annotated[
        bool,
        typer.Option("--verifier-key", help="Print the verifier key(s) to publish, and stop."),
    ] = False,
    out: OutOption = None,
) -> None:
    """Verify the entries since the last checkpoint, then sign a checkpoint of the ledger as
    it stands (registrar's key), store it and print it.

    Each new entry is checked as `ledger verify` checks entries; the root is recomputed from
    them. If one fails, nothing is signed or stored (exit 3, naming its seq). The registrar's
    record of the last checkpoint is kept in checkpoints/ in the user's data directory; without
    it the whole ledger is verified.

    Example: ledger checkpoint --out checkpoint-2020-03.txt
    """
    if ctx.invoked_subcommand is not None:
        return
    from ledger.app import checkpoints

    with open_ledger(ctx) as ledger:
        if verifier_key:
            for key in checkpoints.verifier_keys(ledger):
                data(key.encode())
            return
        with Output(out) as output:
            done, keys = checkpoints.sign(
                ledger, lambda kid: passphrase(f"Passphrase for registrar key {kid[:12]}…")
            )
            _report_signing(done, keys)
            signed = done.checkpoint
            from ledger.cli.witnesses import collect_and_report

            if collect_and_report(ledger, signed.checkpoint.size) is not None:
                signed = checkpoints.stored(ledger, signed.checkpoint.size)
            output.emit(signed.encode().decode("utf-8"))


def _report_signing(done: Signing, keys: int) -> None:
    size = done.checkpoint.checkpoint.size
    if not done.new:
        info(f"already stored: checkpoint of size {size} (seq 0–{size - 1})")
        return
    if done.state_note:
        info(f"note: {done.state_note}")
    if done.verified == 0:
        info(f"no entries since the checkpoint of size {done.resumed_at} verified before")
    else:
        first, last = done.resumed_at, done.resumed_at + done.verified - 1
        since = (
            "every entry, from the genesis"
            if first == 0
            else f"the {done.verified} entries since the checkpoint of size {first}"
        )
        info(f"verified {since} (seq {first}–{last}): ok")
    if done.repaired:
        info(
            f"rewrote {done.repaired} Merkle node cache row(s) that differed from the verified "
            "leaves"
        )
    info(f"signed checkpoint of size {size} (seq 0–{size - 1}) with {keys} key(s)")


@checkpoint_app.command("list")
@handles_ledger_errors
def checkpoint_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List stored checkpoints: size, root, number of cosignatures.

    Example: ledger checkpoint list
    """
    from ledger.app import checkpoints
    from ledger.note import b64

    with open_ledger(ctx) as ledger:
        rows = checkpoints.listing(ledger)
    for cp, count in rows:
        if as_json:
            value = {"size": cp.size, "root": b64(cp.root), "cosignatures": count}
            data(json.dumps(value))
        else:
            data(f"{cp.size}\t{b64(cp.root)}\t{count} cosignature(s)")


@checkpoint_app.command("show")
@handles_ledger_errors
def checkpoint_show(
    ctx: typer.Context,
    size: Annotated[
        int | None,
        typer.Argument(metavar="SIZE", parser=natural, help="Tree size. [default: the latest]"),
    ] = None,
    out: OutOption = None,
) -> None:
    """Print a stored checkpoint with every cosignature stored for it.

    Example: ledger checkpoint show 14
    """
    from ledger.app import checkpoints

    with open_ledger(ctx) as ledger:
        signed = checkpoints.stored(ledger, size)
    _emit(signed.encode().decode("utf-8"), out)


@checkpoint_app.command("add-cosignatures")
@handles_ledger_errors
def checkpoint_add_cosignatures(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The checkpoint as a witness returned it.")],
    witness_key: WitnessKeys = None,
) -> None:
    """Store the cosignatures a witness added to one of this ledger's checkpoints.

    Example: ledger checkpoint add-cosignatures cosigned.txt --witness-key legal.example/w1+…
    """
    from ledger.app import checkpoints

    keys = parse_keys(witness_key, "--witness-key")
    if not keys:
        raise InputError(
            "give the witness's --witness-key to check its cosignature", where="--witness-key"
        )
    raw = read_file(file)
    read_checkpoint(file)
    with open_ledger(ctx) as ledger:
        size, added = checkpoints.add_cosignatures(ledger, raw, keys)
    info(f"checkpoint of size {size}: {len(added)} new cosignature(s)")
    for label in added:
        data(label)


# -- ledger prove --------------------------------------------------------------------------------


@prove_app.command("inclusion")
@handles_ledger_errors
def prove_inclusion(
    ctx: typer.Context,
    seq: Annotated[int, typer.Argument(metavar="SEQ", parser=natural, help="The entry to prove.")],
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="Prove against this checkpoint. [default: the latest]"),
    ] = None,
    as_json: JsonOption = False,
    out: OutOption = None,
) -> None:
    """Prove entry SEQ is in the ledger: a C2SP tlog-proof receipt (or JSON), checkable offline.

    Example: ledger prove inclusion 5 --out entry-5.tlog-proof
    """
    from ledger.app import checkpoints

    given = None if checkpoint is None else read_checkpoint(checkpoint)
    with open_ledger(ctx) as ledger:
        proof = checkpoints.prove_inclusion(ledger, seq, given)
    text = json.dumps(proof.to_json(), ensure_ascii=False) + "\n" if as_json else proof.to_text()
    _emit(text, out)


@prove_app.command("consistency")
@handles_ledger_errors
def prove_consistency(
    ctx: typer.Context,
    old: Annotated[int, typer.Argument(metavar="OLD", parser=natural, help="The older tree size.")],
    new: Annotated[
        int | None,
        typer.Argument(
            metavar="NEW",
            parser=natural,
            help="A stored checkpoint's size. [default: the latest]",
        ),
    ] = None,
    as_json: JsonOption = False,
    out: OutOption = None,
) -> None:
    """Prove the checkpoint of size NEW extends the tree of size OLD (the form witnesses read).

    Example: ledger prove consistency 14 40 --out proof-14-40.txt
    """
    from ledger.app import checkpoints

    with open_ledger(ctx) as ledger:
        proof = checkpoints.prove_consistency(ledger, old, new)
    text = json.dumps(proof.to_json(), ensure_ascii=False) + "\n" if as_json else proof.to_text()
    _emit(text, out)


# -- ledger verify-proof -------------------------------------------------------------------------


@handles_ledger_errors
def verify_proof(
    file: Annotated[Path, typer.Argument(help="A proof from `ledger prove` (text or JSON).")],
    log_key: Annotated[
        list[str] | None,
        typer.Option(
            "--log-key",
            metavar="VKEY",
            help="The ledger's verifier key, from `ledger checkpoint --verifier-key` (repeatable).",
        ),
    ] = None,
    witness_key: WitnessKeys = None,
    quorum: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            parser=natural,
            help="How many of the witnesses must have cosigned. [default: all given]",
        ),
    ] = None,
    old_checkpoint: Annotated[
        Path | None,
        typer.Option("--old-checkpoint", help="For a consistency proof: the checkpoint you kept."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check a proof offline, without any database; exit 3 if it fails.

    Example: ledger verify-proof entry-5.tlog-proof --log-key edu.example.gov.cn/decisions+…
    """
    from ledger import receipts

    keys = parse_keys(log_key, "--log-key")
    if not keys:
        raise InputError(
            "give the ledger's --log-key: a proof is only as good as its signer", where="--log-key"
        )
    trust = receipts.Trust(keys, parse_keys(witness_key, "--witness-key"), quorum)
    receipt = receipts.parse_receipt(read_file(file), where=str(file))
    result: dict[str, Any]
    if isinstance(receipt, receipts.InclusionProof):
        checked = receipts.verify_inclusion_receipt(receipt, trust)
        cp = receipt.checkpoint.checkpoint
        stmt, author = checked.statement, checked.author
        assert stmt is not None
        where = f"is in {cp.origin} at size {cp.size}"
        if author is None:  # an older receipt: inclusion only; who signed is not checked
            line = (
                f"ok: seq {receipt.index} ({stmt.type}, {stmt.recorded_at}) {where}; its author "
                "is not checked: the receipt carries no signature"
            )
        else:
            by = f"{stmt.type} by {author.person}, {stmt.recorded_at}"
            line = f"ok: seq {receipt.index} ({by}) {where}"
        witnesses = checked.checked.witnesses
        result = {
            "type": "inclusion",
            "seq": receipt.index,
            "entry_type": stmt.type,
            "actor": None if author is None else author.person,
            "author_checked": author is not None,
            "key": None if author is None else author.key_id,
            "key_bound_at": None if author is None else author.bound_at,
            "origin": cp.origin,
            "size": cp.size,
            "signed_by": checked.checked.signers,
            "cosigned_by": witnesses,
        }
        if author is not None and not as_json:
            info(
                f"signature checked: key {author.key_id[:12]}… bound to {author.person} at seq "
                f"{author.bound_at}"
            )
    else:
        old = None if old_checkpoint is None else read_checkpoint(old_checkpoint)
        before, after = receipts.verify_consistency_receipt(receipt, trust, old)
        a, b = before.checkpoint.checkpoint, after.checkpoint.checkpoint
        line = f"ok: {b.origin} at size {b.size} extends size {a.size}"
        result = {
            "type": "consistency",
            "origin": b.origin,
            "old_size": a.size,
            "new_size": b.size,
            "signed_by": after.signers,
            "cosigned_by": after.witnesses,
        }
        witnesses = after.witnesses
    if as_json:
        data(json.dumps({"ok": True, **result}, ensure_ascii=False))
        return
    data(line)
    if witnesses:
        info(f"cosigned by {', '.join(witnesses)}")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(checkpoint_app, name="checkpoint")
    app.add_typer(prove_app, name="prove")
    app.command("verify-proof")(verify_proof)
