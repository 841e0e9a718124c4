"""`ledger monitor`: an auditor follows a published ledger over HTTP and verifies it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import Output, info
from ledger.cli.params import natural
from ledger.cli.witness import DirOption, witness_dir


@handles_ledger_errors
def monitor(
    url: Annotated[str, typer.Argument(metavar="URL", help="Where the ledger is published.")],
    log_key: Annotated[
        str, typer.Option("--log-key", metavar="VKEY", help="The ledger's verifier key.")
    ],
    witness_key: Annotated[
        list[str] | None,
        typer.Option("--witness-key", metavar="VKEY", help="A witness's key (repeatable)."),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(
            "--quorum",
            metavar="K",
            parser=natural,
            help="Cosignatures needed among the --witness-key's. [default: all of them]",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="DIR",
            help="The monitor's state. [env: LEDGER_MONITOR_DIR; default: monitor/ in the "
            "user's data directory]",
            show_default=False,
        ),
    ] = None,
    cosign: Annotated[
        bool,
        typer.Option(
            "--cosign", help="Also cosign, as the witness in --dir, what this run verified."
        ),
    ] = False,
    witness_directory: DirOption = None,
) -> None:
    """Follow a published ledger: check its checkpoint (signature, cosignatures, policy) and
    that it extends the last one verified here, then verify every new entry as `ledger verify`
    does. Exits 3 naming the seq or size on a fork, rollback, bad entry or policy failure; the
    state is kept only after a clean run. With --cosign, the witness in --dir then cosigns the
    checkpoint (printed on stdout), if the last one it cosigned is one this run verified.

    Example: ledger monitor https://edu.example-district.gov.cn/decisions --log-key edu…+…
    """
    from keys import KeyStore
    from ledger import monitor as work
    from ledger.cli.context import now, passphrase
    from ledger.errors import InputError, StoreError
    from ledger.note import VerifierKey
    from ledger.settings import default_home

    key = VerifierKey.parse(log_key, where="--log-key")
    witnesses = [VerifierKey.parse(v, where="--witness-key") for v in witness_key or []]
    if quorum is not None and not 0 <= quorum <= len(witnesses):
        raise InputError(
            f"{quorum} cosignatures cannot be had from {len(witnesses)} --witness-key(s)",
            where="--quorum",
        )
    chosen = state or os.environ.get("LEDGER_MONITOR_DIR")
    directory = Path(chosen).expanduser() if chosen else default_home() / "monitor"
    if directory.exists() and not directory.is_dir():
        raise StoreError(f"{directory} is not a directory: the monitor's state goes there")
    remember: frozenset[int] = frozenset()
    if cosign:
        from ledger import witness

        wdir = witness_dir(witness_directory)
        config = witness.load_witness(wdir)  # before anything is fetched: it must be there
        signing = KeyStore(wdir / "keys").load(
            config.key_id, passphrase(f"Passphrase for witness {config.name}")
        )
        last = witness.log_state(wdir, key.name)
        remember = frozenset() if last is None else frozenset({last.size})
    done = work.follow(
        url=url,
        log_key=key,
        witness_keys=witnesses,
        quorum=quorum,
        state_dir=directory,
        remember=remember,
    )
    if done.cosigned_by:
        info(f"cosigned by {', '.join(sorted(done.cosigned_by))}")
    if done.entries:
        info(
            f"verified size {done.size} ({done.entries} new entries, from size {done.previous}): ok"
        )
    else:
        info(f"size {done.size}, as verified before: ok")
    if cosign and done.checkpoint is not None:
        result = witness.cosign_verified(
            directory=wdir,
            key=signing,
            checkpoint=done.checkpoint,
            roots=done.roots,
            now=int(now().timestamp()),
        )
        info(f"cosigned size {done.size} as {config.name} (last cosigned: {result.previous})")
        with Output(None) as output:
            output.emit(result.note.encode().decode("utf-8"))


def register(app: typer.Typer) -> None:
    """Add `ledger monitor` to the root app."""
    app.command("monitor")(monitor)
