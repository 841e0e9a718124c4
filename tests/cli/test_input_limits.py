"""Bad input at the command line, one known case at a time: numbers beyond 64 bits or in
other scripts' digits, bodies nested thousands deep or holding NaN, huge or duplicated
numbers, files that are directories, FIFOs or devices, `--out` where nothing can be written.

Each: the exit code of the exit-code table, a message naming the option, file, line or field
and what is wrong, never a traceback, and nothing written. The option tables are checked
against the Typer app, so a new number or file option must be added here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger import inputs
from ledger.errors import InputError
from tests.cli.fuzzing import (
    World,
    base_type,
    build_world,
    checked,
    close_readers,
    db_state,
    dir_state,
    parameters,
)

BIG = "99999999999999999999999"
DIGEST = hashlib.sha256("会议材料 v1".encode()).hexdigest()  # the blob in the ledger


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield build_world(tmp_path_factory.mktemp("limits"))
    close_readers()


@pytest.fixture(scope="module")
def db(world: World) -> Path:
    """A copy of the ledger that every refused command here must leave as it is."""
    return world.fresh_db("limits")


def refused(world: World, db: Path, code: int, *args: str) -> str:
    result = world.attempt(*args, db=db)
    assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    return " ".join(result.stderr.split())  # Typer's usage box wraps long lines


# -- numbers --------------------------------------------------------------------------------------

RANGE = "is out of range: use 0 to 9223372036854775807"
NOT_DIGITS = "is not a whole number: use the digits 0-9 only"
NUMBERS = [
    (("log", "--since", BIG), f"'--since': {BIG} {RANGE}"),
    (("log", "--since", "9223372036854775808"), f"'--since': 9223372036854775808 {RANGE}"),
    (("log", "--limit", BIG), f"'--limit': {BIG} {RANGE}"),
    (("log", "--since", "²"), f"'--since': '²' {NOT_DIGITS}"),
    (("log", "--limit", "٣"), f"'--limit': '٣' {NOT_DIGITS}"),
    (("log", "--since", "1_0"), f"'--since': '1_0' {NOT_DIGITS}"),
    (("log", "--limit", "-1"), f"'--limit': '-1' {NOT_DIGITS}"),
    (("decisions", "--year", BIG), f"'--year': {BIG} is out of range: use 1 to 9999"),
    (("decisions", "--year", "0"), "'--year': 0 is out of range: use 1 to 9999"),
    (("report", "annual", "--year", "２０２０"), f"'--year': '２０２０' {NOT_DIGITS}"),
    (("checkpoint", "show", BIG), f"'SIZE': {BIG} {RANGE}"),
    (("prove", "inclusion", "²"), f"'SEQ': '²' {NOT_DIGITS}"),
    (("prove", "inclusion", BIG), f"'SEQ': {BIG} {RANGE}"),
    (("prove", "consistency", "--", "-3"), f"'OLD': '-3' {NOT_DIGITS}"),
    (("prove", "consistency", "1", BIG), f"'NEW': {BIG} {RANGE}"),
]


@pytest.mark.parametrize(("args", "message"), NUMBERS, ids=[" ".join(a) for a, _ in NUMBERS])
def test_number_options(world: World, db: Path, args: tuple[str, ...], message: str) -> None:
    """A usage error (exit 2) naming the option: before, `²` and 25 digits gave a traceback
    from int() or the SQLite driver, and `٣` and `1_0` were read as 3 and 10."""
    assert message in refused(world, db, 2, *args)


def test_quorum(world: World, db: Path) -> None:
    proof = str(world.path("inclusion.txt"))
    message = refused(world, db, 2, "verify-proof", proof, "--log-key", world.vkey, "--quorum", BIG)
    assert "'--quorum': 99999999999999999999999 is out of range" in message


@pytest.mark.parametrize(
    ("seq", "message"),
    [
        (BIG, "SEQ: 99999999999999999999999 is out of range: use 0 to 9223372036854775807"),
        ("²", "SEQ: '²' is not a whole number: use the digits 0-9 only"),
        ("٣", "SEQ: '٣' is not a whole number"),
    ],
)
def test_show_seq(world: World, db: Path, seq: str, message: str) -> None:
    """`ledger show` takes a seq or `decision`: its own argument check (exit 6), as before for
    a word that is not a seq; `٣` no longer shows entry 3."""
    assert message in refused(world, db, 6, "show", seq)


def test_the_largest_seq_is_a_seq(world: World, db: Path) -> None:
    """2**63 − 1 is in range: the command runs and says there is no such entry (exit 4)."""
    assert "no entry with seq 9223372036854775807" in refused(
        world, db, 4, "show", "9223372036854775807"
    )


# -- bodies ---------------------------------------------------------------------------------------


def deep(n: int, inner: str = "1") -> str:
    return "[" * n + inner + "]" * n


DEEP = "nested more than 32 levels deep"
NOT_FINITE = "is not a finite number (NaN and Infinity are not JSON)"
OUT = "is out of range: integers must lie within ±9007199254740991 (I-JSON)"
BODIES = [
    ("deep-array.json", '{"text": "x", "about": ' + deep(5000) + "}", f"deep-array.json: {DEEP}"),
    ("deep-object.json", '{"text": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}", DEEP),
    ("deep-40.json", '{"text": "x", "about": ' + deep(40) + "}", "deep-40.json: body.about.0.0.0"),
    ("deep-array.toml", 'text = "x"\nabout = ' + deep(3000, ""), f"deep-array.toml: {DEEP}"),
    ("deep-table.toml", 'text = "x"\nextra = ' + "{a = " * 3000 + "1" + "}" * 3000, DEEP),
    ("deep-dotted.toml", 'text = "x"\n' + ".".join(["a"] * 3000) + " = 1", "body.a.a.a"),
    ("deep-header.toml", 'text = "x"\n[' + ".".join(["a"] * 100) + "]\nb = 1", DEEP),
    ("nan.json", '{"text": "x", "about": [NaN]}', f"nan.json: body.about.0: nan {NOT_FINITE}"),
    ("inf.json", '{"text": "x", "about": [-Infinity]}', f"body.about.0: -inf {NOT_FINITE}"),
    ("overflow.json", '{"text": "x", "about": [1e999]}', f"body.about.0: inf {NOT_FINITE}"),
    ("nan.toml", 'text = "x"\nabout = [nan]', f"nan.toml: body.about.0: nan {NOT_FINITE}"),
    ("inf.toml", 'text = "x"\nabout = [-inf]', f"body.about.0: -inf {NOT_FINITE}"),
    ("big.json", '{"text": "x", "about": [9007199254740992]}', f"about.0: 9007199254740992 {OUT}"),
    ("huge.json", '{"text": "x", "about": [' + "9" * 5000 + "]}", "99… (5000 digits) is out of"),
    ("big.toml", 'text = "x"\nabout = [99999999999999999999]', f".0: 99999999999999999999 {OUT}"),
    ("dup.json", '{"text": "x", "text": "y"}', "dup.json: malformed JSON: duplicate key 'text'"),
    ("dup.toml", 'text = "x"\ntext = "y"', "dup.toml: malformed TOML: Cannot overwrite a value"),
    ("bad.toml", 'text = "x"\nabout = [1,,]', "bad.toml: malformed TOML: "),
    ("surrogate.json", '{"text": "\\ud800"}', "body.text: holds a lone surrogate (\\ud800)"),
    ("surrogate-key.json", '{"text": "x", "\\udfff": 1}', "body (a key): holds a lone surrogate"),
]


@pytest.mark.parametrize(("name", "content", "message"), BODIES, ids=[b[0] for b in BODIES])
def test_bodies(world: World, db: Path, name: str, content: str, message: str) -> None:
    """Refused by the shared body reader (exit 6), naming the file and the field; a body
    nested thousands deep gave a RecursionError (JSON) or hung printing one (TOML)."""
    path = world.root / name
    path.write_text(content, encoding="utf-8")
    for command in (
        ("record", "note", "-f", str(path), "--as", "wang.fang", "--subject", "m-1"),
        ("decision", "new", "-f", str(path), "--as", "wang.fang"),
    ):
        assert message in refused(world, db, 6, *command)


def test_invalid_utf8(world: World, db: Path) -> None:
    path = world.root / "latin1.toml"
    path.write_bytes('text = "x"\nabout = "café"\n'.encode("latin-1"))
    message = refused(world, db, 6, "record", "note", "-f", str(path), "--as", "wang.fang",
                      "--subject", "m-1")  # fmt: skip
    assert "latin1.toml:2: not UTF-8 text (byte 0xe9 at offset 23)" in message


def test_body_size_limit(world: World, db: Path) -> None:
    """A body file over 1 MiB is refused before it is parsed, from a file or from stdin."""
    path = world.root / "large.json"
    text = json.dumps({"text": "x" * inputs.MAX_BODY_BYTES})
    path.write_text(text, encoding="utf-8")
    args = ("record", "note", "--as", "wang.fang", "--subject", "m-1", "-f")
    assert "large.json: is 1,048,588 bytes; the limit is 1,048,576" in refused(
        world, db, 6, *args, str(path)
    )
    result = world.attempt(*args, "-", db=db, stdin=text)
    assert result.exit_code == 6 and "-: is more than 1,048,576 bytes" in result.stderr


def test_depth_limit_boundary() -> None:
    """32 levels are read; 33 are not."""
    body = '{"text": "x", "about": ' + deep(31, "") + "}"
    assert inputs.parse_body(body.encode(), where="b.json", toml=False)["text"] == "x"
    deeper = '{"text": "x", "about": ' + deep(32, "") + "}"
    with pytest.raises(InputError, match="nested more than 32 levels deep"):
        inputs.parse_body(deeper.encode(), where="b.json", toml=False)


# -- files that are not files ---------------------------------------------------------------------

FileArgs = Callable[[World, str], list[str]]
READS: dict[tuple[tuple[str, ...], str], FileArgs] = {
    (("record",), "--file"): lambda w, p: ["record", "note", "-f", p, "--as", "wang.fang",
                                           "--subject", "m-1"],
    (("decision", "new"), "--file"): lambda w, p: ["decision", "new", "-f", p, "--as", "wang.fang"],
    (("verify",), "--checkpoint"): lambda w, p: ["verify", "--checkpoint", p],
    (("verify-proof",), "FILE"): lambda w, p: ["verify-proof", p, "--log-key", w.vkey],
    (("verify-proof",), "--old-checkpoint"): lambda w, p: [
        "verify-proof", str(w.path("consistency.txt")), "--log-key", w.vkey,
        "--old-checkpoint", p],
    (("blob", "add"), "FILE"): lambda w, p: ["blob", "add", p],
    (("checkpoint", "add-cosignatures"), "FILE"): lambda w, p: [
        "checkpoint", "add-cosignatures", p, "--witness-key", w.wkey],
    (("prove", "inclusion"), "--checkpoint"): lambda w, p: ["prove", "inclusion", "1",
                                                           "--checkpoint", p],
    (("witness", "cosign"), "CHECKPOINT"): lambda w, p: [
        "witness", "cosign", p, "--proof", str(w.path("consistency.txt")),
        "--dir", str(w.root / "witness")],
    (("witness", "cosign"), "--proof"): lambda w, p: [
        "witness", "cosign", str(w.path("cp-new.txt")), "--proof", p,
        "--dir", str(w.root / "witness")],
    (("key", "bind"), "REQUEST"): lambda w, p: ["key", "bind", p],
    (("verify",), "--trust"): lambda w, p: ["verify", "--bundle", str(w.root / "b.zip"),
                                            "--trust", p],
}  # fmt: skip
KINDS = {
    "missing": "no such file",
    "directory": "is a directory, not a file",
    "fifo": "is a FIFO (named pipe), not a file",
    "device": "is a device, not a file",
}


@pytest.fixture(scope="module")
def kinds(world: World) -> dict[str, str]:
    """A path of each kind, ending in .json so that a body option reads it."""
    place = world.root / "kinds"
    place.mkdir()
    (place / "directory.json").mkdir()
    os.mkfifo(place / "fifo.json")
    (place / "device.json").symlink_to("/dev/zero")
    return {kind: str(place / f"{kind}.json") for kind in KINDS}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("target", sorted(READS), ids=lambda t: " ".join((*t[0], t[1])))
def test_files_that_are_not_files(
    world: World,
    db: Path,
    kinds: dict[str, str],
    target: tuple[tuple[str, ...], str],
    kind: str,
) -> None:
    """Exit 6 naming the path and what it is; a FIFO no longer hangs the command, a device is
    not read for ever, a directory is not a traceback."""
    path = kinds[kind]
    before = dir_state(world.root / "witness")
    message = refused(world, db, 6, *READS[target](world, path))
    assert dir_state(world.root / "witness") == before
    if target == (("verify",), "--trust") and kind == "missing":
        assert "is neither a verifier key nor a readable file" in message
    else:
        assert f"{path}: {KINDS[kind]}" in message


BUNDLE_KINDS = {
    "missing": (6, "no such bundle"),
    "fifo": (6, "no such bundle"),
    "device": (6, "no such bundle"),
    "file": (6, "not a bag directory or a zip file"),
    "directory": (3, "FAILED"),
}


@pytest.mark.parametrize("kind", sorted(BUNDLE_KINDS))
def test_bundle_path_kinds(world: World, db: Path, kinds: dict[str, str], kind: str) -> None:
    """`verify --bundle PATH`: a file that is not a zip, or nothing bag-like, is bad input
    (exit 6); a directory is a bag that fails verification (exit 3)."""
    path = str(world.path("note.json")) if kind == "file" else kinds[kind]
    if kind == "directory":
        path = str(Path(path).with_name("bag"))
        os.makedirs(path, exist_ok=True)
    code, words = BUNDLE_KINDS[kind]
    result = world.attempt("verify", "--bundle", path, "--trust", world.vkey, db=db)
    assert result.exit_code == code
    assert words in result.stdout + result.stderr


# -- where --out cannot write ---------------------------------------------------------------------

OUTS: dict[tuple[tuple[str, ...], str], FileArgs] = {
    (("blob", "get"), "--out"): lambda w, p: ["blob", "get", DIGEST, "--out", p],
    (("checkpoint",), "--out"): lambda w, p: ["checkpoint", "--out", p],
    (("checkpoint", "show"), "--out"): lambda w, p: ["checkpoint", "show", "--out", p],
    (("prove", "inclusion"), "--out"): lambda w, p: ["prove", "inclusion", "1", "--out", p],
    (("prove", "consistency"), "--out"): lambda w, p: ["prove", "consistency", "1", "--out", p],
    (("witness", "cosign"), "--out"): lambda w, p: [
        "witness", "cosign", str(w.path("cp-new.txt")), "--proof", str(w.path("consistency.txt")),
        "--dir", str(w.fresh_witness(f"out-{abs(hash(p))}")), "--out", p],
    (("export", "bundle"), "--out"): lambda w, p: ["export", "bundle", "--out", p, "--as", "li.na"],
    (("export", "dossier"), "--out"): lambda w, p: ["export", "dossier", "d2020-01", "--out", p,
                                                    "--as", "li.na"],
}  # fmt: skip
OUT_KINDS = {
    "directory": "is a directory; give a file name",
    "no-parent": "cannot write: there is no directory",
    "fifo": "cannot write: a FIFO nobody is reading",
    "full": "cannot write: No space left on device",
}
EXPORT_OUT = {"no-parent": "its directory does not exist"}  # the exports' own check: a new path
# A full disk shows only when written to: `checkpoint` has stored the checkpoint it signed,
# and `witness cosign` its new state, by then (every other kind is refused before).
WRITES_FIRST = {(("checkpoint",), "--out"), (("witness", "cosign"), "--out")}


@pytest.mark.parametrize("kind", sorted(OUT_KINDS))
@pytest.mark.parametrize("target", sorted(OUTS), ids=lambda t: " ".join((*t[0], t[1])))
def test_out_where_nothing_can_be_written(
    world: World, target: tuple[tuple[str, ...], str], kind: str
) -> None:
    """Exit 6 naming the path; no traceback; no half-written file left behind."""
    if kind == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    place = world.root / "outs" / f"{'-'.join(target[0])}-{kind}"
    place.mkdir(parents=True)
    path = {
        "directory": place,
        "no-parent": place / "missing" / "out.txt",
        "fifo": place / "fifo",
        "full": Path("/dev/full"),
    }[kind]
    if kind == "fifo":
        os.mkfifo(path)
    db = world.fresh_db(f"out-{place.name}")
    before = db_state(db)
    result = world.run(*OUTS[target](world, str(path)), db=db)
    after = before if (target in WRITES_FIRST and kind == "full") else db_state(db)
    checked(result, before, after, str(target))
    assert result.exit_code == 6, result.stderr
    assert str(path) in result.stderr
    if target[0][0] == "export":
        assert EXPORT_OUT.get(kind, "already exists") in result.stderr
    else:
        assert OUT_KINDS[kind] in result.stderr
    assert not (place / "missing").exists()


# -- directories and databases that are not what they should be -----------------------------------


def test_directory_options_naming_a_file(world: World, db: Path) -> None:
    """A key directory, witness directory or demo directory that is a file: the store's or
    keys' exit code and a message, no traceback, nothing created."""
    a_file = str(world.path("note.json"))
    assert "key directory" in refused(world, db, 5, "--key-dir", a_file, "key", "new",
                                      "--for", "zhao.lei")  # fmt: skip
    for args in (
        ["witness", "init", "--name", "legal.example/w2", "--log-key", world.vkey],
        ["witness", "trust", world.vkey],
        ["witness", "status"],
    ):
        assert a_file in refused(world, db, 4, *args, "--dir", a_file)
    assert "is not a directory; choose another --dir" in refused(
        world, db, 6, "demo", "--dir", a_file
    )
    assert "is not a directory; choose another --dir" in refused(
        world, db, 6, "tui", "--demo", "--dir", a_file
    )
    assert a_file in refused(world, db, 4, "witness", "serve", "--dir", a_file)
    assert f"{a_file} is not a directory" in refused(world, db, 4, "publish", "--out", a_file)
    monitor = ["monitor", "http://127.0.0.1:9", "--log-key", world.vkey]
    assert f"{a_file} is not a directory" in refused(world, db, 4, *monitor, "--state", a_file)
    assert a_file in refused(world, db, 4, *monitor, "--cosign", "--dir", a_file)


@pytest.mark.parametrize("kind", ["directory", "fifo", "garbage", "truncated"])
def test_database_paths_that_are_not_ledgers(
    world: World, kinds: dict[str, str], kind: str
) -> None:
    """`--db` naming a directory, a FIFO, a file of garbage or a cut-short ledger: exit 4."""
    place = world.root / "dbs"
    place.mkdir(exist_ok=True)
    path = {"directory": kinds["directory"], "fifo": kinds["fifo"]}.get(kind, str(place / kind))
    if kind == "garbage":
        Path(path).write_bytes(os.urandom(8192))
    if kind == "truncated":
        Path(path).write_bytes(world.db.read_bytes()[:4096])
    copy = str(place / f"{kind}-copy.db")
    for args in (["log"], ["verify"], ["show", "0"], ["migrate", "--from", path, "--to", copy]):
        result = world.run("--db", path, *args)
        checked(result, None, None, args)
        assert result.exit_code == 4, (args, result.stderr)


def test_every_file_and_number_option_is_covered() -> None:
    """Enumerated from the Typer app: every parameter typed as a path is in one of the
    tables above (or is a directory option tested by name), and so is every number."""
    paths = {
        (path, name) for path, name, annotation, _ in parameters() if base_type(annotation) is Path
    }
    directories = {(("demo",), "--dir"), (("tui",), "--dir")} | {
        (("witness", c), "--dir") for c in ("init", "trust", "cosign", "status", "serve")
    }
    directories |= {(("publish",), "--out"), (("monitor",), "--state"), (("monitor",), "--dir")}
    bundle = {(("verify",), "--bundle")}
    assert paths == (set(READS) | set(OUTS) | directories | bundle) - {
        (("key", "bind"), "REQUEST"),
        (("verify",), "--trust"),
    }


def test_a_fifo_as_the_key_file(world: World, db: Path) -> None:
    """A FIFO put where a key file belongs is not taken for a key (exit 5), not waited on."""
    keys = db.parent / "fifo-keys"
    shutil.copytree(world.key_dir, keys)
    key_file = keys / f"{world.wang_kid}.key.pem"
    key_file.unlink()
    os.mkfifo(key_file, 0o600)
    body = str(world.path("note.json"))
    args = ("record", "note", "-f", body, "--as", "wang.fang", "--subject", "m-1")
    message = refused(world, db, 5, "--key-dir", str(keys), *args)
    assert "none of wang.fang's keys" in message


UNDECODABLE = "m\udcff"  # what Python makes of the byte 0xff in a UTF-8 command line
TEXT_ARGS = [
    (("log", "--actor", UNDECODABLE), "--actor"),
    (("log", "--type", UNDECODABLE), "--type"),
    (("log", "--subject", UNDECODABLE), "--subject"),
    (("show", "decision", UNDECODABLE), "ID"),
    (("trace", "decision", UNDECODABLE), "ID"),
    (("trace", "person", UNDECODABLE), "ID"),
    (("check", UNDECODABLE), "ID"),
    (("blob", "get", UNDECODABLE), "SHA256"),
    (("decisions", "--status", UNDECODABLE), "--status"),
    (("decisions", "--organ", UNDECODABLE), "--organ"),
    (("key", "list", "--person", UNDECODABLE), "--person"),
    (("person", "add", "--id", "x.y", "--name", UNDECODABLE), "--name"),
    (("key", "revoke", UNDECODABLE, "--reason", "x"), "KEY_ID"),
]


@pytest.mark.parametrize(("args", "where"), TEXT_ARGS, ids=[" ".join(a[:2]) for a, _ in TEXT_ARGS])
def test_arguments_that_are_not_text(
    world: World, db: Path, args: tuple[str, ...], where: str
) -> None:
    """A command-line byte that is not UTF-8 (a lone surrogate to Python) reached the database
    driver and gave a traceback: every command now refuses it first (exit 6), naming where."""
    message = refused(world, db, 6, *args)
    assert f"{where}: 'm\\udcff' holds bytes that are not UTF-8 text" in message
