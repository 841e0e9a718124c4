"""Bad input: a clear message naming what and where, a non-zero exit, nothing written, and
never a traceback."""

from __future__ import annotations

import pytest

from tests.cli.conftest import INIT, Cli, ok


def count(cli: Cli) -> int:
    return len(ok(cli("log")).stdout.splitlines())


def refused(cli: Cli, code: int, *args: str, passphrase: str | None = None) -> str:
    before = count(cli)
    kwargs = {} if passphrase is None else {"passphrase": passphrase}
    result = cli(*args, **kwargs)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    assert count(cli) == before
    assert ok(cli("verify")).exit_code == 0
    return result.stderr


def refused_note(
    cli: Cli,
    code: int,
    body: str = '{"text": "x"}',
    *options: str,
    actor: str = "wang.fang",
    subject: str = "m",
    passphrase: str | None = None,
) -> str:
    """Try to record a note with this JSON body (or a path to a body file): refused."""
    path = body if not body.startswith("{") else cli.write("n.json", body)
    args = ("record", "note", "-f", path, "--as", actor, "--subject", subject, *options)
    return refused(cli, code, *args, passphrase=passphrase)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("trailing.json", '{"text": "x",\n}', "trailing.json:2:1: malformed JSON"),
        ("dup.json", '{"text": "x", "text": "y"}', "duplicate key 'text'"),
        ("list.json", '["text"]', "must be a JSON object"),
        ("bad.toml", 'text = "x"\nabout = [1,\n', "malformed TOML"),
        ("local.toml", 'text = "x"\nwhen = 2020-01-01T09:00:00\n', "local date-time"),
        ("missing.json", '{"attachments": []}', "body.text: this field is required"),
        ("extra.json", '{"text": "x", "extra": 1}', "body.extra: unknown field"),
        ("float.json", '{"text": "x", "about": [1.5]}', "body.about.0: 1.5 is a float"),
        ("float.toml", 'text = "x"\nabout = [2.0]\n', "body.about.0: 2.0 is a float"),
        ("str.json", '{"text": 12}', "body.text: Input should be a valid string"),
        ("hash.json", '{"text": "x", "attachments": ["abc"]}', "body.attachments.0"),
        ("body.yaml", "text: x", "must end in .json or .toml"),
    ],
)
def test_malformed_body(ready: Cli, name: str, content: str, expected: str) -> None:
    """Each malformed body names the file or field and what is wrong."""
    assert expected in refused_note(ready, 6, ready.write(name, content))


def test_non_utf8_file(ready: Cli) -> None:
    """A body in GBK (not UTF-8) is refused with the offending byte and line."""
    path = ready.write("gbk.json", '{\n"text": "会议"}'.encode("gbk"))
    message = refused_note(ready, 6, path)
    assert "gbk.json:2: not UTF-8 text (byte 0xbb at offset 11)" in message


def test_missing_file(ready: Cli) -> None:
    assert "nope.json: no such file" in refused_note(ready, 6, "nope.json")


def test_unknown_type(ready: Cli) -> None:
    path = ready.write("n.json", '{"text": "x"}')
    message = refused(
        ready, 6, "record", "decision.taken", "-f", path, "--as", "wang.fang", "--subject", "m"
    )
    assert "unknown entry type 'decision.taken'" in message
    assert "note" in message


def test_unknown_actor(ready: Cli) -> None:
    message = refused_note(ready, 6, actor="nobody")
    assert "--as: 'nobody' is not a registered person" in message


def test_bad_subject(ready: Cli) -> None:
    assert "--subject" in refused_note(ready, 6, subject="会议 一")


def test_wrong_passphrase(ready: Cli) -> None:
    """A wrong passphrase is exit 5; the passphrase and key never appear."""
    message = refused_note(ready, 5, passphrase="wrong horse")
    assert "wrong passphrase" in message
    assert "wrong horse" not in message


def test_no_passphrase_without_terminal(ready: Cli) -> None:
    path = ready.write("n.json", '{"text": "x"}')
    result = ready(
        "record", "note", "-f", path, "--as", "wang.fang", "--subject", "m", passphrase=None
    )
    assert result.exit_code == 6
    assert "LEDGER_PASSPHRASE" in result.stderr


def test_refused_by_a_rule(ready: Cli) -> None:
    """A well-formed entry that breaks a rule is exit 7."""
    message = refused_note(ready, 7, '{"text": "x", "about": [99]}')
    assert "about names seq 99, which is not an earlier entry" in message


def test_registrar_only(ready: Cli) -> None:
    """Only the registrar may register people."""
    message = refused(ready, 7, "person", "add", "--id", "x.y", "--name", "某", "--as", "wang.fang")
    assert "only by the registrar (li.na), not by wang.fang" in message


def test_missing_blob(ready: Cli) -> None:
    message = refused_note(ready, 7, '{"text": "x", "attachments": ["' + "ab" * 32 + '"]}')
    assert "ledger blob add" in message


def test_nonexistent_database(cli: Cli) -> None:
    """Every command but init refuses a missing database, and creates no file."""
    for args in (["log"], ["verify"], ["show", "0"], ["person", "list"], ["key", "list"]):
        result = cli(*args)
        assert result.exit_code == 4, args
        assert f"no ledger at {cli.db}" in result.stderr
    assert not cli.db.exists()


def test_not_a_ledger(cli: Cli) -> None:
    cli.db.write_bytes(b"hello")
    result = cli("log")
    assert result.exit_code == 4
    assert "Traceback" not in result.stderr


def test_show_unknown_seq(ready: Cli) -> None:
    result = ready("show", "99")
    assert result.exit_code == 4
    assert "no entry with seq 99" in result.stderr


def test_key_bind_twice(ready: Cli) -> None:
    kid = ok(ready("key", "list", "--person", "wang.fang")).stdout.split()[0]
    message = refused(ready, 7, "key", "bind", kid)
    assert "already bound to wang.fang" in message


def test_key_bind_for_another_ledger(ready: Cli) -> None:
    """A key request made for another ledger's origin is refused."""
    import json

    kid = ok(ready("key", "list", "--person", "wang.fang")).stdout.split()[0]
    request = json.loads((ready.key_dir / f"{kid}.request.json").read_text())
    request["origin"] = "elsewhere.example/decisions"
    path = ready.write("req.json", json.dumps(request))
    message = refused(ready, 6, "key", "bind", path)
    assert "was made for ledger 'elsewhere.example/decisions'" in message


def test_forged_proof_of_possession(ready: Cli) -> None:
    """A request whose proof of possession was made for another person is refused."""
    import json

    kid = ok(ready("key", "new", "--for", "wang.fang")).stdout.strip()
    ok(ready("person", "add", "--id", "zhao.lei", "--name", "赵磊"))
    request = json.loads((ready.key_dir / f"{kid}.request.json").read_text())
    request["person"] = "zhao.lei"
    path = ready.write("req.json", json.dumps(request))
    message = refused(ready, 7, "key", "bind", path)
    assert "proof of possession does not verify" in message


def test_init_bad_origin_creates_nothing(cli: Cli) -> None:
    """A bad option to init is refused before any key or database is made."""
    result = cli(
        *INIT[:2],
        "示例 区",
        *INIT[3:],
    )
    assert result.exit_code == 6
    assert result.stderr.startswith("error: --origin: the origin is one word")
    assert not cli.db.exists()
    assert not cli.key_dir.exists() or not any(cli.key_dir.iterdir())


def test_init_failure_discards_the_unused_key(cli: Cli) -> None:
    """When the database cannot be created, the key made for it is not left behind."""
    blocker = cli.work / "file"
    blocker.write_text("not a directory")
    result = cli(
        "--db",
        str(blocker / "ledger.db"),
        *INIT,
    )
    assert result.exit_code == 4
    assert "Traceback" not in result.stderr
    assert not cli.key_dir.exists() or not list(cli.key_dir.glob("*.key.pem"))


def test_bad_occurred_at(ready: Cli) -> None:
    message = refused_note(ready, 6, '{"text": "x"}', "--occurred-at", "2020-03-15 09:30")
    assert "--occurred-at: '2020-03-15 09:30' is not an RFC 3339 time with an offset" in message


def test_registrar_keeps_a_key(ready: Cli) -> None:
    """Revoking the registrar's only key would lock the register forever: refused."""
    (line,) = ok(ready("key", "list", "--person", "li.na")).stdout.splitlines()
    message = refused(ready, 7, "key", "revoke", line.split("\t")[0], "--reason", "离任")
    assert "registrar's last valid key" in message


def test_other_database_driver(cli: Cli) -> None:
    """A URL for another PostgreSQL driver says which one to use, instead of a traceback."""
    result = cli("--db", "postgresql+pg8000://user:secret@db.example/ledger", "log")
    assert result.exit_code == 2
    assert "unsupported database URL scheme 'postgresql+pg8000'" in result.stderr
    assert "postgresql+psycopg://" in result.stderr
    assert "secret" not in result.stderr
