"""`ledger witness …`: a witness, an auditor's own key and state outside the bureau's database,
that cosigns a ledger's checkpoints it has checked to extend the ones it saw before."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.checkpoints import (
    JsonOption,
    OutOption,
    parse_keys,
    read_checkpoint,
    read_file,
)
from ledger.cli.context import now, passphrase
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import Output, data, info
from ledger.errors import InputError

witness_app = typer.Typer(
    help="A witness: an auditor's own key and state, outside the bureau's database.",
    no_args_is_help=True,
)

DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="The witness's directory. [env: LEDGER_WITNESS_DIR; default: witness/ in the "
        "user's data directory]",
        show_default=False,
    ),
]


def witness_dir(value: Path | None) -> Path:
    """The witness directory: the option, LEDGER_WITNESS_DIR, or witness/ in the data dir."""
    from ledger.settings import default_home

    chosen = value or os.environ.get("LEDGER_WITNESS_DIR")
    return Path(chosen).expanduser() if chosen else default_home() / "witness"


@witness_app.command("init")
@handles_ledger_errors
def witness_init(
    name: Annotated[
        str, typer.Option(help="The witness's name, e.g. legal.example-district.gov.cn/witness")
    ],
    log_key: Annotated[
        list[str],
        typer.Option(
            "--log-key", metavar="VKEY", help="A ledger's verifier key to follow (repeatable)."
        ),
    ],
    directory: DirOption = None,
) -> None:
    """Create a witness: its own key (passphrase-protected) and state directory.

    Prints the witness's verifier key, for the bureau and for auditors.

    Example: ledger witness init --name legal.example.gov.cn/w1 --log-key edu.example/d+…
    """
    from keys import SigningKey
    from ledger import witness

    where = witness_dir(directory)
    keys = parse_keys(log_key, "--log-key")
    secret = passphrase(f"New passphrase for witness {name}", confirm=True)
    config = witness.init_witness(
        directory=where, name=name, key=SigningKey.generate(), passphrase=secret, log_keys=keys
    )
    info(f"witness {config.name} in {where}, following {', '.join(sorted(config.logs))}")
    data(config.verifier_key.encode())


@witness_app.command("trust")
@handles_ledger_errors
def witness_trust(
    vkey: Annotated[str, typer.Argument(metavar="VKEY", help="A ledger's verifier key.")],
    directory: DirOption = None,
) -> None:
    """Follow another ledger, or accept a ledger's next key during a key rotation.

    Example: ledger witness trust edu.example.gov.cn/decisions+…
    """
    from ledger import witness
    from ledger.note import VerifierKey

    key = VerifierKey.parse(vkey, where="VKEY")
    witness.trust_log(directory=witness_dir(directory), log_key=key)
    info(f"now trusting {key.label()} for {key.name}")


@witness_app.command("cosign")
@handles_ledger_errors
def witness_cosign(
    checkpoint: Annotated[Path, typer.Argument(help="The ledger's new checkpoint.")],
    proof: Annotated[
        Path,
        typer.Option(
            help="Consistency proof from the last cosigned size (`ledger prove consistency`)."
        ),
    ],
    directory: DirOption = None,
    out: OutOption = None,
) -> None:
    """Check CHECKPOINT against the last one cosigned and add a timestamped cosignature.

    Refuses to go backwards and refuses a fork, saying which (exit 3); the state is unchanged.

    Example: ledger witness cosign checkpoint.txt --proof proof.txt --out cosigned.txt
    """
    from keys import KeyStore
    from ledger import receipts, witness

    where = witness_dir(directory)
    signed = read_checkpoint(checkpoint)
    offered = receipts.parse_receipt(read_file(proof), where=str(proof))
    if not isinstance(offered, receipts.ConsistencyProof):
        raise InputError(
            "not a consistency proof (want `ledger prove consistency` output)", where=str(proof)
        )
    config = witness.load_witness(where)
    with Output(out) as output:  # a bad --out fails before the witness's state moves
        key = KeyStore(where / "keys").load(
            config.key_id, passphrase(f"Passphrase for witness {config.name}")
        )
        result = witness.cosign(
            directory=where, key=key, checkpoint=signed, proof=offered, now=int(now().timestamp())
        )
        cp = signed.checkpoint
        info(f"cosigned {cp.origin} at size {cp.size} (last cosigned: {result.previous})")
        output.emit(result.note.encode().decode("utf-8"))


@witness_app.command("status")
@handles_ledger_errors
def witness_status(directory: DirOption = None, as_json: JsonOption = False) -> None:
    """Show the witness's verifier key and the last checkpoint it cosigned for each ledger.

    Example: ledger witness status
    """
    from ledger import witness
    from ledger.note import b64

    where = witness_dir(directory)
    config = witness.load_witness(where)
    logs = witness.states(where)
    if as_json:
        value = {
            **config.to_json(),
            "cosigned": [{"origin": s.origin, "size": s.size, "root": b64(s.root)} for s in logs],
        }
        data(json.dumps(value, ensure_ascii=False))
        return
    data(config.verifier_key.encode())
    for origin in sorted(config.logs):
        last = next((s for s in logs if s.origin == origin), None)
        what = "nothing cosigned yet" if last is None else f"size {last.size}\t{b64(last.root)}"
        data(f"{origin}\t{what}")


@witness_app.command("serve")
@handles_ledger_errors
def witness_serve(
    listen: Annotated[
        str, typer.Option(metavar="HOST:PORT", help="Where to listen.")
    ] = "127.0.0.1:7380",
    directory: DirOption = None,
) -> None:
    """Serve the C2SP tlog-witness API: POST /add-checkpoint cosigns what extends the last
    checkpoint cosigned for each ledger this witness follows.

    Refusals are 4xx with a one-line reason (409 with the size it knows), and change nothing.
    The passphrase is asked once, at start.

    Example: ledger witness serve --listen 0.0.0.0:7380
    """
    import uvicorn

    from keys import KeyStore
    from ledger import witness, witness_service

    host, sep, port_text = listen.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(f"{listen!r} is not HOST:PORT", where="--listen")
    where = witness_dir(directory)
    config = witness.load_witness(where)
    key = KeyStore(where / "keys").load(
        config.key_id, passphrase(f"Passphrase for witness {config.name}")
    )
    app = witness_service.create_app(directory=where, key=key)
    info(f"witness {config.name} listening on {listen}: {config.verifier_key.encode()}")
    uvicorn.run(
        app,
        host=host,
        port=int(port_text),
        log_level="info",
        access_log=False,
        timeout_keep_alive=15,
        limit_concurrency=256,
        h11_max_incomplete_event_size=16 * 1024,
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    """Add `ledger witness …` to the root app."""
    app.add_typer(witness_app, name="witness")
