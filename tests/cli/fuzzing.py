"""A small real ledger built once through the CLI, the files a user hands its commands, hostile
variants of them (Hypothesis strategies), and the one check every variant must pass.

The check, for each input: no unhandled exception (a traceback is exit 1, a bug), the exit code
is one of the documented ones, and when the command refused, the database (every table's row
count and the head) is what it was.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, get_args, get_origin

import typer.testing
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from typer.main import get_command
from typer.testing import CliRunner, Result

from ledger.cli import app
from ledger.cli.exit_codes import ExitCode
from tests.cli.conftest import INIT, PASS

DOCUMENTED = frozenset(int(code) for code in ExitCode) - {ExitCode.ERROR, ExitCode.INTERRUPTED}
HANG_SECONDS = 20
PROPOSAL = {
    "title": "示例区课后服务经费管理办法",
    "summary": "规范经费使用。",
    "organ": "bureau-meeting",
    "applicability": "by_reference_art42",
    "source": "leadership",
    "scope": {"art3_category": 1, "outside_catalog_reason": "年中新增"},
    "confidentiality": {"level": "public"},
    "amount_fen": 1250,
}


class Hang(Exception):
    """A command did not return within HANG_SECONDS: it waits on a FIFO, a device, a lock."""


@contextmanager
def no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    def alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def built_once() -> Iterator[None]:
    """Typer's CliRunner builds the Click command from the app on every call (~0.25 s, most of
    an invocation): build it once for the run of many inputs."""
    command = _COMMAND.get("app") or _COMMAND.setdefault("app", get_command(app))
    original = getattr(typer.testing, "_get_command")  # noqa: B009 -- not exported
    setattr(  # noqa: B010
        typer.testing, "_get_command", lambda given: command if given is app else original(given)
    )
    try:
        yield
    finally:
        setattr(typer.testing, "_get_command", original)  # noqa: B010


_COMMAND: dict[str, Any] = {}


def db_state(db: Path) -> tuple[Any, ...]:
    """Every table's row count and the head entry: what a refusal must leave as it was.
    (One reading connection per database, kept open: opening one costs more than the query.)"""
    reader = _READERS.get(db)
    if reader is None:
        connection = sqlite3.connect(db, check_same_thread=False)
        tables = sorted(
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        )
        counts = ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
        head = "(SELECT seq || ' ' || leaf_hash FROM entries ORDER BY seq DESC LIMIT 1)"
        reader = _READERS[db] = (connection, f"SELECT {counts}, {head}")
    connection, query = reader
    row: tuple[Any, ...] = connection.execute(query).fetchone()
    return row


_READERS: dict[Path, tuple[sqlite3.Connection, str]] = {}


def close_readers() -> None:
    while _READERS:
        _, (connection, _query) = _READERS.popitem()
        connection.close()


def dir_state(directory: Path) -> dict[str, bytes]:
    """A directory's files and their bytes (a witness's state must not move on a refusal; the
    evidence it keeps of a refused checkpoint is not state)."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != "lock" and path.parent.name != "evidence"
    }


class World:
    """The ledger and the files built once for a test module. (Not a dataclass: Hypothesis
    prints a dataclass field by field with every failing input.)"""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "ledger.db"  # pristine: copy it (`fresh_db`) for commands that write
        self.key_dir = root / "keys"
        self.home = root / "home"
        self.vkey = ""  # the ledger's checkpoint verifier key
        self.wkey = ""  # the witness's verifier key
        self.wang_kid = ""  # wang.fang's key id: her key file is in key_dir
        self.seeds: dict[str, bytes] = {}
        self.runner = CliRunner()

    def __repr__(self) -> str:
        return f"World({self.root})"

    def env(self, db: Path, **extra: str) -> dict[str, str]:
        return {
            "LEDGER_DB": str(db),
            "LEDGER_KEY_DIR": str(self.key_dir),
            "LEDGER_PASSPHRASE": PASS,
            "LEDGER_HOME": str(self.home),
            "LEDGER_WITNESS_DIR": str(self.root / "no-witness"),
            **extra,
        }

    def run(
        self, *args: str, db: Path | None = None, stdin: str | None = None, **env: str
    ) -> Result:
        with no_hang(), built_once():
            environ = self.env(db or self.db, **env)
            return self.runner.invoke(app, list(args), env=environ, input=stdin)

    def attempt(self, *args: str, db: Path | None = None, stdin: str | None = None) -> Result:
        """Run a command and `checked` it against the database it ran on."""
        db = db or self.db
        before = db_state(db)
        return checked(self.run(*args, db=db, stdin=stdin), before, db_state(db), args)

    def feed(self, name: str, content: bytes) -> str:
        """Write a generated input to a file in the work directory; return its path."""
        path = self.root / name
        path.write_bytes(content)
        return str(path)

    def path(self, name: str) -> Path:
        return self.root / "seeds" / name

    def fresh_db(self, name: str) -> Path:
        """A private copy of the pristine ledger, for a batch of inputs that may write."""
        target = self.root / "copies" / name / "ledger.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.db, target)
        return target

    def fresh_witness(self, name: str) -> Path:
        target = self.root / "copies" / name / "witness"
        shutil.copytree(self.root / "witness", target)
        return target


def build_world(root: Path) -> World:
    """Genesis, wang.fang with a bound key, a note with a blob (size 4: `cp-old.txt`), zhao.lei
    registered with an unbound key request (size 5: `cp-new.txt`), a witness that cosigned the
    first, receipts of both kinds in both forms."""
    world = World(root)
    key_dir = world.key_dir
    (root / "seeds").mkdir(parents=True)

    def ok(*args: str) -> str:
        result = world.run(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def seed(name: str, content: str | bytes) -> Path:
        data = content.encode("utf-8") if isinstance(content, str) else content
        world.seeds[name] = data
        world.path(name).write_bytes(data)
        return world.path(name)

    ok(*INIT)
    ok("person", "add", "--id", "wang.fang", "--name", "王芳")
    world.wang_kid = ok("key", "new", "--for", "wang.fang").strip()
    ok("key", "bind", world.wang_kid)
    blob = seed("document.txt", "会议材料 v1")
    digest = ok("blob", "add", str(blob)).strip()
    note = {"text": "材料已分发", "attachments": [digest]}
    ok("record", "note", "-f", str(seed("note.json", json.dumps(note))), "--as", "wang.fang",
       "--subject", "meeting-1")  # fmt: skip
    seed("note.toml", f'text = "会议纪要"\nattachments = ["{digest}"]\n')
    seed("proposal.json", json.dumps(PROPOSAL, ensure_ascii=False))
    world.vkey = ok("checkpoint", "--verifier-key").strip()
    seed("vkey.txt", world.vkey + "\n")
    old = seed("cp-old.txt", ok("checkpoint")).read_text().splitlines()[1]
    ok("person", "add", "--id", "zhao.lei", "--name", "赵磊")
    kid = ok("key", "new", "--for", "zhao.lei").strip()
    seed("request.json", (key_dir / f"{kid}.request.json").read_bytes())
    seed("cp-new.txt", ok("checkpoint"))
    seed("inclusion.txt", ok("prove", "inclusion", "3"))
    seed("inclusion.json", ok("prove", "inclusion", "3", "--json"))
    seed("consistency.txt", ok("prove", "consistency", old))
    seed("consistency.json", ok("prove", "consistency", old, "--json"))
    witness = str(root / "witness")
    world.wkey = ok(
        "witness", "init", "--name", "legal.example/w1", "--log-key", world.vkey, "--dir", witness
    ).strip()
    seed("wkey.txt", world.wkey + "\n")
    p0 = seed("consistency-0.txt", ok("prove", "consistency", "0", old))
    cp = str(world.path("cp-old.txt"))
    seed("cosigned.txt", ok("witness", "cosign", cp, "--proof", str(p0), "--dir", witness))
    ok("checkpoint", "add-cosignatures", str(world.path("cosigned.txt")), "--witness-key",
       world.wkey)  # fmt: skip
    seed("witness.json", (root / "witness" / "witness.json").read_bytes())
    seed("settings.toml", 'lang = "zh-Hans"\n')
    seed("wang.key.pem", (key_dir / f"{world.wang_kid}.key.pem").read_bytes())
    return world


# -- the check ------------------------------------------------------------------------------------


def checked(
    result: Result,
    before: Any,
    after: Any,
    what: Sequence[str] | str,
) -> Result:
    """No traceback, a documented exit code, and nothing changed if the command refused."""
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        shown = "".join(traceback.format_exception(exc))
        raise AssertionError(f"{what}: unhandled {type(exc).__name__}\n{shown}")
    assert result.exit_code in DOCUMENTED, (what, result.exit_code, result.stderr[-2000:])
    if currently_in_test_context():
        event(f"exit {result.exit_code}")  # see --hypothesis-show-statistics
    assert "Traceback" not in result.stderr, (what, result.stderr[-2000:])
    if result.exit_code != 0:
        assert after == before, (what, "a refused command changed the state", result.stderr)
        assert result.stderr.strip(), (what, "refused without a word")
    return result


# -- the app's parameters -------------------------------------------------------------------------


def parameters() -> Iterator[tuple[tuple[str, ...], str, Any, Any]]:
    """Every command's parameters: (command path, name as typed, annotation, parameter info)."""

    def walk(
        command: Any, path: tuple[str, ...]
    ) -> Iterator[tuple[tuple[str, ...], str, Any, Any]]:
        for param in command.params:
            descriptor = param.type_descriptor
            name = param.opts[0] if param.param_type_name == "option" else param.name.upper()
            yield path, name, descriptor.annotation, descriptor.parameter_info
        for sub_name, sub in (getattr(command, "commands", None) or {}).items():
            yield from walk(sub, (*path, sub_name))

    yield from walk(get_command(app), ())


def base_type(annotation: Any) -> Any:
    """`list[Path]` → Path, `int | None` → int."""
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 else annotation


# -- strategies -----------------------------------------------------------------------------------

INTERESTING = [
    b"",
    b"0",
    b"-1",
    b"9223372036854775807",
    b"9223372036854775808",
    b"99999999999999999999999",
    b"9" * 5000,
    "²".encode(),
    "٣".encode(),
    "１２".encode(),
    b"1_000",
    b" 7",
    b"+7",
    b"1e400",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"\xff\xfe",
    b"\x00",
    b"\r",
    b"\xed\xa0\x80",  # a lone surrogate in UTF-8's form
    b'"\\ud800"',
    "— legal.example/w1 AAAA".encode(),
    b"[" * 3000,
    b"{" * 3000,
    b'{"a":' * 200,
]


def numbers() -> st.SearchStrategy[str]:
    """What a person might type where a number is expected, and what an attacker would."""
    return st.one_of(
        st.integers(min_value=0, max_value=40).map(str),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.integers(min_value=2**63 - 3, max_value=2**64 + 3).map(str),
        st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=24),
        st.sampled_from([x.decode("utf-8", "replace") for x in INTERESTING[:14]]),
        st.text(max_size=24),
    )


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**53 - 2, max_value=2**80),
    st.floats(),
    st.text(max_size=16),
    st.sampled_from(["²", "٣", "\ud800", "0" * 64]),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


def deep_json(inner: str = "1") -> st.SearchStrategy[str]:
    """Arrays or objects nested n deep, n from a few to thousands."""
    depth = st.integers(min_value=1, max_value=5000)
    return st.one_of(
        depth.map(lambda n: "[" * n + inner + "]" * n),
        depth.map(lambda n: '{"a":' * n + inner + "}" * n),
    )


@st.composite
def encoded(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> bytes:
    """JSON text of a drawn value, NaN and Infinity included, non-ASCII escaped or raw (a lone
    surrogate raw becomes bytes that are not UTF-8)."""
    return dumps(draw(values), ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


def dumps(value: Any, *, ascii: bool = True) -> str:
    return json.dumps(value, ensure_ascii=ascii, allow_nan=True)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with one to four edits: bytes flipped, inserted, deleted; a line replaced,
    dropped or repeated; a number swapped for an interesting one; truncation."""
    data = seed
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "line", "drop", "dup"]))
        lines = data.split(b"\n")
        row = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        token = draw(st.sampled_from(INTERESTING) | st.binary(max_size=12))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        elif op == "insert":
            data = data[:at] + token + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 16)) :]
        elif op == "truncate":
            data = data[:at]
        elif op == "line":
            lines[row] = token
            data = b"\n".join(lines)
        elif op == "drop":
            del lines[row]
            data = b"\n".join(lines)
        elif op == "dup":
            lines.insert(row, lines[row])
            data = b"\n".join(lines)
    return data


@st.composite
def json_mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """A JSON document with one field replaced by any JSON value (deep, huge, NaN, another
    type), a field removed or added, or a key repeated; sometimes then byte-mutated."""
    value = json.loads(seed)
    places: list[tuple[Any, Any]] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            places.extend((node, key) for key in node)
            for child in node.values():
                collect(child)
        elif isinstance(node, list):
            places.extend((node, i) for i in range(len(node)))
            for child in node:
                collect(child)

    collect(value)
    op = draw(st.sampled_from(["replace", "remove", "add", "duplicate", "deep"]))
    text: str
    if op in ("replace", "remove") and places:
        parent, key = draw(st.sampled_from(places))
        if op == "replace":
            parent[key] = draw(json_values)
        else:
            del parent[key]
        text = dumps(value)
    elif op == "deep" and isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        value[key] = "\x00DEEP\x00"
        text = dumps(value).replace('"\\u0000DEEP\\u0000"', draw(deep_json()))
    elif op == "duplicate" and isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        text = dumps(value)
        text = text[:-1] + f", {json.dumps(key)}: {dumps(draw(json_values))}}}"
    else:
        if isinstance(value, dict):
            value[draw(st.text(max_size=8))] = draw(json_values)
        text = dumps(value)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = draw(mutated(data))
    return data


def toml_documents() -> st.SearchStrategy[bytes]:
    """TOML bodies: any value TOML has (dates, times, huge integers, nan, inf), nested arrays,
    inline tables, dotted keys and table headers, from shallow to thousands deep."""
    scalar = st.one_of(
        st.integers().map(str),
        st.integers(min_value=2**53 - 2, max_value=2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.sampled_from(
            [
                "nan",
                "+inf",
                "-inf",
                "1979-05-27T07:32:00Z",
                "1979-05-27T07:32:00",
                "1979-05-27",
                "07:32:00",
                "0x1F",
                "0o17",
                "0b11",
                "1_000",
                "true",
                "'lit'",
                '"""a\nb"""',
                '"\\uD800"',
                '"x"',
                '"' + "0" * 64 + '"',
            ]  # fmt: skip
        ),
        st.text(max_size=12).map(lambda s: json.dumps(s, ensure_ascii=False)),
    )
    value = st.recursive(
        scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.dictionaries(st.from_regex(r"[a-z]{1,4}", fullmatch=True), inner, max_size=3).map(
                lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"
            ),
        ),
        max_leaves=10,
    )
    key = st.sampled_from(["text", "about", "attachments", "extra", "text.a", '"text"'])
    lines = st.lists(st.tuples(key, value).map(lambda kv: f"{kv[0]} = {kv[1]}"), max_size=4)
    depth = st.integers(min_value=1, max_value=3000)
    deep = st.one_of(
        depth.map(lambda n: 'text = "x"\nabout = ' + "[" * n + "]" * n),
        depth.map(lambda n: 'text = "x"\nextra = ' + "{a = " * n + "1" + "}" * n),
        depth.map(lambda n: 'text = "x"\n' + ".".join(["a"] * n) + " = 1"),
        depth.map(lambda n: 'text = "x"\n[' + ".".join(["a"] * n) + "]\nb = 1"),
    )
    return st.one_of(lines.map(lambda ls: "\n".join(ls) + "\n"), deep, st.text(max_size=80)).map(
        lambda s: s.encode("utf-8", "surrogatepass")
    )


def note_bodies(digest: str) -> st.SearchStrategy[bytes]:
    """JSON note bodies: well-formed and not, deep, with huge or non-finite numbers, duplicate
    keys, invalid UTF-8, and byte-level mutations of a valid one."""
    fields = st.fixed_dictionaries(
        {"text": st.text(max_size=20) | json_values},
        optional={
            "about": st.lists(st.integers() | json_values, max_size=3),
            "attachments": st.lists(
                st.sampled_from([digest, "ab" * 32, "x"]) | json_values, max_size=2
            ),
            "extra": json_values,
        },
    )
    seed = json.dumps({"text": "x", "attachments": [digest]}).encode()
    return st.one_of(
        encoded(fields),
        encoded(json_values),
        deep_json().map(lambda inner: ('{"text": "x", "about": ' + inner + "}").encode()),
        json_mutated(seed),
        mutated(seed),
        st.binary(max_size=120),
    )


def any_of(world: World, *names: str) -> st.SearchStrategy[bytes]:
    """Hostile variants of the seed files `names`: byte-level and, for JSON, structural."""
    choices: list[st.SearchStrategy[bytes]] = [st.binary(max_size=200)]
    for name in names:
        seed = world.seeds[name]
        choices.append(mutated(seed))
        if name.endswith(".json"):
            choices.append(json_mutated(seed))
    return st.one_of(*choices)


Writer = Callable[[bytes], Path]


def writer(path: Path) -> Writer:
    def write(content: bytes) -> Path:
        path.write_bytes(content)
        return path

    return write
