"""Private keys never appear in output, errors, the database or anything the CLI writes
outside the key directory."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from keys import KeyStore
from tests.cli.conftest import PASS, Cli, ok


def forms(secret: bytes) -> list[bytes]:
    return [secret, secret.hex().encode(), base64.b64encode(secret)]


def test_private_keys_appear_nowhere(ready: Cli) -> None:
    """After a full session, neither seed nor PKCS#8 of any key is in the DB or any output."""
    outputs = []
    for args in (["log", "--json"], ["show", "0", "--json"], ["key", "list"], ["verify"]):
        result = ok(ready(*args))
        outputs.append(result.stdout_bytes + result.stderr_bytes)
    body = ready.write("x.json", '{"text": "x"}')
    bad = ready(
        "record", "note", "-f", body, "--as", "wang.fang", "--subject", "m", passphrase="wrong"
    )
    outputs.append(bad.stdout_bytes + bad.stderr_bytes)
    store = KeyStore(ready.key_dir)
    secrets = []
    for kid in store.list_ids():
        der = store.load(kid, PASS)._private_pkcs8_der()
        secrets += [der, der[-32:]]  # the whole PKCS#8 and the 32-byte seed at its end
    assert len(secrets) == 4
    files = [
        p for p in ready.db.parent.rglob("*") if p.is_file() and ready.key_dir not in p.parents
    ]
    haystacks = outputs + [p.read_bytes() for p in files]
    for secret in secrets:
        for form in forms(secret):
            assert all(form not in hay for hay in haystacks)
    assert all(PASS.encode() not in hay for hay in haystacks)


def test_too_open_key_file(ready: Cli) -> None:
    """A key file readable by others is refused with the fix, exit 5."""
    (key_file,) = [p for p in ready.key_dir.glob("*.key.pem") if _is_wang(ready, p)]
    os.chmod(key_file, 0o644)
    path = ready.write("n.json", '{"text": "x"}')
    result = ready("record", "note", "-f", path, "--as", "wang.fang", "--subject", "m")
    assert result.exit_code == 5
    assert "chmod 600" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_key_file(ready: Cli) -> None:
    (key_file,) = [p for p in ready.key_dir.glob("*.key.pem") if _is_wang(ready, p)]
    key_file.write_bytes(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n")
    path = ready.write("n.json", '{"text": "x"}')
    result = ready("record", "note", "-f", path, "--as", "wang.fang", "--subject", "m")
    assert result.exit_code == 5
    assert "Traceback" not in result.stderr


def test_missing_key_file(ready: Cli) -> None:
    """A person whose key file is not in the key directory gets told where to point."""
    for path in ready.key_dir.glob("*.key.pem"):
        if _is_wang(ready, path):
            path.unlink()
    body = ready.write("n.json", '{"text": "x"}')
    result = ready("record", "note", "-f", body, "--as", "wang.fang", "--subject", "m")
    assert result.exit_code == 5
    assert "--key-dir" in result.stderr


def _is_wang(cli: Cli, path: Path) -> bool:
    listed = ok(cli("key", "list", "--person", "wang.fang")).stdout
    return path.name.removesuffix(".key.pem") in listed
