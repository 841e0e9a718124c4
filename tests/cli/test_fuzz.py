"""Fuzz every command that reads a file, and every number option (Hypothesis, in process).

For each generated input: no traceback, an exit code from the documented table (never 1),
and, when the command refused, the database (or the witness's state) exactly as it was.
The ledger is built once for the module through the CLI; a test whose command may write works
on its own copy. `verify --bundle` content is fuzzed with the exports; here only the file
that `--trust` may name.

About 11,400 inputs, ~150 s of one core. LEDGER_FUZZ_SCALE=0.1 runs a tenth of each, for a
quick look while working.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.cli.params import natural, year
from tests.cli.fuzzing import (
    World,
    any_of,
    base_type,
    build_world,
    checked,
    close_readers,
    dir_state,
    mutated,
    note_bodies,
    numbers,
    parameters,
    toml_documents,
)

pytestmark = pytest.mark.slow

DIGEST = hashlib.sha256("会议材料 v1".encode()).hexdigest()


def fuzz(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(
        max_examples=max(1, int(examples * float(os.environ.get("LEDGER_FUZZ_SCALE", "1")))),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root, cwd = tmp_path_factory.mktemp("fuzz"), os.getcwd()
    os.chdir(root)  # a generated path is relative to here, never to the checkout
    try:
        yield build_world(root)
    finally:
        os.chdir(cwd)
        close_readers()


# -- numbers --------------------------------------------------------------------------------------

NumberArgs = Callable[[World, str], list[str]]
NUMBER_TARGETS: dict[tuple[tuple[str, ...], str], NumberArgs] = {
    (("log",), "--since"): lambda w, v: ["log", "--since", v, "--limit", "2"],
    (("log",), "--limit"): lambda w, v: ["log", "--limit", v],
    (("decisions",), "--year"): lambda w, v: ["decisions", "--year", v],
    (("report", "annual"), "--year"): lambda w, v: ["report", "annual", "--year", v],
    (("checkpoint", "show"), "SIZE"): lambda w, v: ["checkpoint", "show", "--", v],
    (("prove", "inclusion"), "SEQ"): lambda w, v: ["prove", "inclusion", "--", v],
    (("prove", "consistency"), "OLD"): lambda w, v: ["prove", "consistency", "--", v],
    (("prove", "consistency"), "NEW"): lambda w, v: ["prove", "consistency", "--", "1", v],
    (("verify-proof",), "--quorum"): lambda w, v: [
        "verify-proof",
        str(w.path("inclusion.txt")),
        "--log-key",
        w.vkey,
        "--witness-key",
        w.wkey,
        "--quorum",
        v,
    ],  # fmt: skip
    (("show",), "WHAT"): lambda w, v: ["show", "--", v],
    (("witnesses", "policy"), "QUORUM"): lambda w, v: ["witnesses", "policy", "--", v],
    (("monitor",), "--quorum"): lambda w, v: [
        "monitor",
        "http://127.0.0.1:9",
        "--log-key",
        w.vkey,
        "--quorum",
        v,
    ],  # fmt: skip
}


def test_every_number_parameter_is_fuzzed_and_parsed_by_the_shared_parser() -> None:
    """Enumerated from the Typer app: each int parameter is in NUMBER_TARGETS and parsed by
    `ledger.cli.params` (ASCII digits, range-checked)."""
    found = {
        (path, name): info.parser
        for path, name, annotation, info in parameters()
        if base_type(annotation) is int
    }
    assert set(found) | {(("show",), "WHAT")} == set(NUMBER_TARGETS)
    assert all(parser in (natural, year) for parser in found.values())


@fuzz(2600)
@given(value=numbers(), target=st.sampled_from(sorted(NUMBER_TARGETS)))
def test_number_options(world: World, value: str, target: tuple[tuple[str, ...], str]) -> None:
    result = world.attempt(*NUMBER_TARGETS[target](world, value))
    if result.exit_code == 2:
        assert "Invalid value" in result.stderr or "No such option" in result.stderr


TextArgs = Callable[[str], list[str]]
TEXT_TARGETS: list[TextArgs] = [
    lambda v: ["log", "--actor", v],
    lambda v: ["log", "--type", v, "--subject", v],
    lambda v: ["show", "decision", v],
    lambda v: ["trace", "decision", v],
    lambda v: ["trace", "person", v],
    lambda v: ["check", v],
    lambda v: ["decisions", "--status", v, "--scope", v, "--organ", v],
    lambda v: ["key", "list", "--person", v],
    lambda v: ["blob", "get", v],
    lambda v: ["overdue", "--as-of", v],
]
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)


@fuzz(600)
@given(value=any_text, target=st.sampled_from(range(len(TEXT_TARGETS))))
def test_text_options(world: World, value: str, target: int) -> None:
    """Ids, types, dates and hashes typed by a person: any text, lone surrogates (bytes that
    are not UTF-8) and control characters included."""
    world.attempt(*TEXT_TARGETS[target](value))


# -- entry bodies (writes when a body is good: each test has its own copy) ------------------------


def record(world: World, db: Path, body: bytes, suffix: str, *head: str) -> None:
    args = [*head, "-f", world.feed(f"fuzz-body{suffix}", body), "--as", "wang.fang"]
    if head[0] == "record":
        args += ["--subject", "m-1"]
    world.attempt(*args, db=db)


@pytest.fixture(scope="module")
def json_db(world: World) -> Path:
    return world.fresh_db("record-json")


@fuzz(2000)
@given(body=note_bodies(DIGEST))
def test_record_json_bodies(world: World, json_db: Path, body: bytes) -> None:
    record(world, json_db, body, ".json", "record", "note")


@pytest.fixture(scope="module")
def toml_db(world: World) -> Path:
    return world.fresh_db("record-toml")


@fuzz(1000)
@given(data=st.data(), body=toml_documents())
def test_record_toml_bodies(world: World, toml_db: Path, data: st.DataObject, body: bytes) -> None:
    if data.draw(st.integers(0, 3)) == 0:
        body = data.draw(mutated(world.seeds["note.toml"]))
    record(world, toml_db, body, ".toml", "record", "note")


@pytest.fixture(scope="module")
def proposal_db(world: World) -> Path:
    return world.fresh_db("decision-new")


@fuzz(400)
@given(data=st.data())
def test_decision_new_bodies(world: World, proposal_db: Path, data: st.DataObject) -> None:
    body = data.draw(any_of(world, "proposal.json"))
    record(world, proposal_db, body, ".json", "decision", "new")


# -- checkpoints, proofs, cosignatures ------------------------------------------------------------


@fuzz(800)
@given(data=st.data())
def test_verify_checkpoint_files(world: World, data: st.DataObject) -> None:
    kept = data.draw(any_of(world, "cp-old.txt", "cp-new.txt", "cosigned.txt"))
    world.attempt("verify", "--checkpoint", world.feed("fuzz-checkpoint.txt", kept))


RECEIPTS = ["inclusion.txt", "inclusion.json", "consistency.txt", "consistency.json"]


@fuzz(1200)
@given(data=st.data())
def test_verify_proof_files(world: World, data: st.DataObject) -> None:
    """A receipt from `ledger prove`, text or JSON, changed; for a consistency proof also the
    kept checkpoint (`--old-checkpoint`). No database is read or written."""
    proof = world.feed("fuzz-proof", data.draw(any_of(world, *RECEIPTS)))
    args = ["verify-proof", proof, "--log-key", world.vkey]
    if data.draw(st.booleans()):
        args += ["--witness-key", world.wkey]
    if data.draw(st.booleans()):
        old = data.draw(any_of(world, "cp-old.txt") | st.just(world.seeds["cp-old.txt"]))
        args += ["--old-checkpoint", world.feed("fuzz-old-checkpoint", old)]
    world.attempt(*args)


@pytest.fixture(scope="module")
def cosign_db(world: World) -> Path:
    return world.fresh_db("add-cosignatures")


@fuzz(500)
@given(data=st.data())
def test_add_cosignatures_files(world: World, cosign_db: Path, data: st.DataObject) -> None:
    cosigned = world.feed("fuzz-cosigned.txt", data.draw(any_of(world, "cosigned.txt")))
    world.attempt("checkpoint", "add-cosignatures", cosigned, "--witness-key", world.wkey,
                  db=cosign_db)  # fmt: skip


@pytest.fixture(scope="module")
def witness_dir(world: World) -> Path:
    return world.fresh_witness("cosign")


@fuzz(500)
@given(data=st.data())
def test_witness_cosign_files(world: World, witness_dir: Path, data: st.DataObject) -> None:
    """The new checkpoint and the consistency proof a witness is handed, either or both
    changed; a refusal leaves the witness's state as it was."""
    checkpoint, proof = world.root / "fuzz-new-cp.txt", world.root / "fuzz-consistency"
    checkpoint.write_bytes(world.seeds["cp-new.txt"])
    proof.write_bytes(world.seeds["consistency.txt"])
    which = data.draw(st.sampled_from(["checkpoint", "proof", "both"]))
    if which != "proof":
        checkpoint.write_bytes(data.draw(any_of(world, "cp-new.txt")))
    if which != "checkpoint":
        proof.write_bytes(data.draw(any_of(world, "consistency.txt", "consistency.json")))
    args = ["witness", "cosign", str(checkpoint), "--proof", str(proof), "--dir", str(witness_dir)]
    before = dir_state(witness_dir)
    checked(world.run(*args), before, dir_state(witness_dir), args)


# -- identity and key files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bind_db(world: World) -> Path:
    return world.fresh_db("key-bind")


@fuzz(500)
@given(data=st.data())
def test_key_bind_requests(world: World, bind_db: Path, data: st.DataObject) -> None:
    request = world.feed("fuzz-request.json", data.draw(any_of(world, "request.json")))
    world.attempt("key", "bind", request, db=bind_db)


@pytest.fixture(scope="module")
def key_world(world: World) -> tuple[Path, Path]:
    """A copy of the ledger and of the key directory, whose wang.fang key file is replaced."""
    db = world.fresh_db("key-files")
    keys = db.parent / "keys"
    shutil.copytree(world.key_dir, keys)
    return db, keys


@fuzz(300)
@given(data=st.data())
def test_key_files(world: World, key_world: tuple[Path, Path], data: st.DataObject) -> None:
    """wang.fang's encrypted key file, changed, then `record` unlocks it."""
    db, keys = key_world
    key_file = keys / f"{world.wang_kid}.key.pem"
    key_file.write_bytes(data.draw(any_of(world, "wang.key.pem")))
    os.chmod(key_file, 0o600)
    world.attempt("--key-dir", str(keys), "record", "note", "-f", str(world.path("note.json")),
                  "--as", "wang.fang", "--subject", "m-1", db=db)  # fmt: skip


@pytest.fixture(scope="module")
def status_dir(world: World) -> Path:
    return world.fresh_witness("status")


@fuzz(300)
@given(data=st.data())
def test_witness_files(world: World, status_dir: Path, data: st.DataObject) -> None:
    """The witness's own configuration file, changed: `witness status` and `witness trust`."""
    (status_dir / "witness.json").write_bytes(data.draw(any_of(world, "witness.json")))
    command = data.draw(st.sampled_from([["status"], ["status", "--json"], ["trust", world.vkey]]))
    args = ["witness", *command, "--dir", str(status_dir)]
    checked(world.run(*args), None, None, args)


@fuzz(300)
@given(data=st.data())
def test_trust_files(world: World, data: st.DataObject) -> None:
    """`verify --bundle … --trust FILE`: the file holding the verifier key, changed."""
    trust = world.feed("fuzz-trust", data.draw(any_of(world, "vkey.txt", "wkey.txt")))
    world.attempt("verify", "--bundle", str(world.root / "no-bundle.zip"), "--trust", trust)


@fuzz(200)
@given(data=st.data())
def test_settings_files(world: World, data: st.DataObject) -> None:
    """`settings.toml` in the ledger's home (the TUI's language), changed; the ledger named is
    missing, so the command stops before any screen opens."""
    home = world.root / "fuzz-home"
    home.mkdir(exist_ok=True)
    (home / "settings.toml").write_bytes(data.draw(any_of(world, "settings.toml")))
    args = ["--db", str(world.root / "missing.db"), "tui"]
    result = world.run(*args, LEDGER_HOME=str(home))
    checked(result, None, None, args)
    assert result.exit_code == 4, result.stderr


@pytest.fixture(scope="module")
def blob_db(world: World) -> Path:
    return world.fresh_db("blob-add")


@fuzz(200)
@given(content=st.binary(max_size=2000))
def test_blob_files(world: World, blob_db: Path, content: bytes) -> None:
    result = world.attempt("blob", "add", world.feed("fuzz-document", content), db=blob_db)
    assert result.exit_code == 0
    assert result.stdout.strip() == hashlib.sha256(content).hexdigest()
