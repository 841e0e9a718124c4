"""Each command as a user runs it: exit code, data on stdout, diagnostics on stderr."""

from __future__ import annotations

import json
import re
import stat

from ledger.store.migrations import HEAD
from tests.cli.conftest import INIT, PASS, Cli, ok


def entry_count(cli: Cli) -> int:
    return len(ok(cli("log")).stdout.splitlines())


def test_init_creates_genesis_and_key(cli: Cli) -> None:
    """init writes seq 0 signed by a new registrar key, stored encrypted with mode 0600."""
    result = ok(
        cli(
            *INIT,
        )
    )
    seq, leaf = result.stdout.split()
    assert seq == "0" and len(leaf) == 64
    (key_file,) = cli.key_dir.glob("*.key.pem")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    assert PASS not in result.stdout + result.stderr
    shown = json.loads(ok(cli("show", "0", "--json")).stdout)
    assert shown["statement"]["type"] == "ledger.genesis"
    assert shown["statement"]["body"]["registrar"] == {"id": "li.na", "name": "李娜"}


def test_init_refuses_existing_database(ready: Cli) -> None:
    """A second init on the same file is refused and changes nothing."""
    before = entry_count(ready)
    result = ready(
        *INIT,
    )
    assert result.exit_code == 4
    assert "already exists" in result.stderr
    assert entry_count(ready) == before


def test_record_json_and_toml_then_log_show(ready: Cli) -> None:
    """A note recorded from JSON and from TOML round-trips its Chinese text byte for byte."""
    text = "关于2020年校舍维修资金的说明：预算 1,250,000 元。"
    body = ready.write("n.json", json.dumps({"text": text}, ensure_ascii=False))
    ok(ready("record", "note", "--file", body, "--as", "wang.fang", "--subject", "m-1"))
    toml = ready.write("n.toml", f'text = "{text}"\nabout = [3]\n')
    result = ok(
        ready(
            "record",
            "note",
            "-f",
            toml,
            "--as",
            "wang.fang",
            "--subject",
            "m-1",
            "--occurred-at",
            "2020-03-15T09:30:00+08:00",
        )
    )
    assert result.stdout.split()[0] == "4"
    lines = ok(ready("log", "--type", "note", "--json")).stdout.splitlines()
    statements = [json.loads(line)["statement"] for line in lines]
    assert [s["body"]["text"] for s in statements] == [text, text]
    assert statements[1]["body"]["about"] == [3]
    assert statements[1]["occurred_at"] == "2020-03-15T09:30:00+08:00"
    shown = ok(ready("show", "4")).stdout
    assert text in shown
    assert ok(ready("verify")).stdout.startswith("ok: 5 entries")


def test_log_filters(ready: Cli) -> None:
    """Filters combine; --newest-first and --limit work together."""
    rows = ok(ready("log", "--actor", "li.na")).stdout.splitlines()
    assert [r.split("\t")[2] for r in rows] == ["ledger.genesis", "person.registered", "key.bound"]
    newest = ok(ready("log", "--newest-first", "--limit", "1")).stdout.split("\t")
    assert newest[0] == "2" and newest[2] == "key.bound"
    assert ok(ready("log", "--subject", "nobody")).stdout == ""


def test_key_rotation_keeps_the_person(ready: Cli) -> None:
    """A new key for the same person, then revoking the old one: both listed, the person
    keeps signing with the new key."""
    old = ok(ready("key", "list", "--person", "wang.fang")).stdout.split()[0]
    new = ok(ready("key", "new", "--for", "wang.fang")).stdout.strip()
    ok(ready("key", "bind", new))
    ok(ready("key", "revoke", old, "--reason", "轮岗换密钥"))
    listed = ok(ready("key", "list", "--person", "wang.fang")).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == [old, new]
    assert listed[0].split("\t")[3].startswith("revoked-from:")
    body = ready.write("n.json", '{"text": "新密钥"}')
    ok(ready("record", "note", "-f", body, "--as", "wang.fang", "--subject", "m-1"))
    last = json.loads(ok(ready("log", "--newest-first", "--limit", "1", "--json")).stdout)
    assert last["statement"]["key"] == new
    assert last["statement"]["actor"] == "wang.fang"
    assert ok(ready("verify")).exit_code == 0


def test_blob_add_get_and_attach(ready: Cli) -> None:
    """A document stored as a blob comes back byte for byte and can be attached to a note."""
    content = "征求意见稿 第二版\n".encode() * 100 + bytes(range(256))
    digest = ok(ready("blob", "add", ready.write("draft.bin", content))).stdout.strip()
    assert len(digest) == 64
    out = ready.work / "back.bin"
    ok(ready("blob", "get", digest, "--out", str(out)))
    assert out.read_bytes() == content
    assert ok(ready("blob", "get", digest)).stdout_bytes == content
    body = ready.write("n.json", json.dumps({"text": "附件", "attachments": [digest]}))
    ok(ready("record", "note", "-f", body, "--as", "wang.fang", "--subject", "m-1"))
    assert "1 blobs" in ok(ready("verify")).stdout


def test_verify_json(ready: Cli) -> None:
    """verify --json puts only JSON on stdout."""
    report = json.loads(ok(ready("verify", "--json")).stdout)
    assert report == {
        "ok": True,
        "entries": 3,
        "blobs": 0,
        "head": report["head"],
        "failures": [],
        "tree": report["tree"],
        "schema": {"recorded": f"revision {HEAD!r}", "state": "current", "layout": HEAD},
    }
    assert report["tree"]["size"] == 3 and report["tree"]["checkpoints"] == 0


def test_person_list(ready: Cli) -> None:
    """People are listed with their registration seq and valid keys."""
    rows = [line.split("\t") for line in ok(ready("person", "list")).stdout.splitlines()]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("li.na", "李娜", "0"),
        ("wang.fang", "王芳", "1"),
    ]


def test_demo_command(cli: Cli) -> None:
    """`ledger demo` prints the year's decisions, the refused agenda item, a passing verify,
    and the demo passphrase on stderr."""
    target = cli.work / "demo"
    result = ok(cli("demo", "--dir", str(target)))
    assert re.search(r"ledger verify: ok: \d{3} entries, \d+ blobs", result.stdout)
    assert "d2020-02\tin_execution\tcompliant\tcomplete\t2020年城区小学学区划片调整方案" in (
        result.stdout
    )
    assert "refused as it should be: 2020-05-14 agenda_item.opened d2020-03: G5 (Art. 25)" in (
        result.stdout
    )
    assert "demo passphrase for every key: demo-713" in result.stderr
    assert (target / "ledger.db").is_file()
