"""`ledger key revoke --effective-at` in the past: the CLI computes the entries the stolen key
signed since, lists them as repudiated, and `check` and `trace` show them as such."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from keys import KeyStore
from ledger.cli import app
from ledger.entry import DEFAULT_ZONE, SignedEntry
from ledger.store import open_store
from tests import tamper
from tests.cli.conftest import PASS, ok
from tests.procedure.bureau import Bureau, build_template


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    db = tmp_path / "ledger.db"
    build_template(db)
    store = open_store(str(db))
    try:
        yield Bureau(store, db)
    finally:
        store.close()


def run(bureau: Bureau, keys: Path, *args: str) -> Result:
    env = {"LEDGER_DB": str(bureau.db), "LEDGER_KEY_DIR": str(keys), "LEDGER_PASSPHRASE": PASS}
    return CliRunner().invoke(app, list(args), env=env)


def _stolen_and_used(bureau: Bureau, tmp_path: Path) -> tuple[Path, SignedEntry, datetime]:
    """The registrar's key directory; the draft of d1 the thief recorded an hour ago with
    zhao.lei's stolen key; now."""
    keys = tmp_path / "keys"
    KeyStore(keys).save(bureau.keys["li.na"], PASS)
    bureau.propose("d1")
    bureau.initiate("d1")
    now = datetime.now(UTC)
    thief = bureau.rec(
        "zhao.lei",
        "draft.versioned",
        "d1",
        {"version": 1, "doc": bureau.doc("冒名草案"), "summary": "冒名提交的草案"},
        recorded=(now - timedelta(hours=1)).isoformat(),
    )
    bureau.store.close()
    return keys, thief, now


def test_a_key_revoked_from_two_hours_ago_repudiates_what_the_thief_signed(
    bureau: Bureau, tmp_path: Path
) -> None:
    """zhao.lei's key was stolen two hours ago; an hour ago the thief recorded a draft of d1
    in his name. The registrar revokes the key from two hours ago: the CLI finds and lists
    the thief's entry, the ledger verifies, and the compliance report and both traces show
    the entry as repudiated."""
    keys, thief, now = _stolen_and_used(bureau, tmp_path)
    stolen = bureau.keys["zhao.lei"].key_id
    effective = (now - timedelta(hours=2)).astimezone(DEFAULT_ZONE).isoformat(timespec="seconds")
    revoked = ok(
        run(
            bureau,
            keys,
            "key",
            "revoke",
            stolen,
            "--reason",
            "密钥被盗",
            "--effective-at",
            effective,
        )
    )
    assert f"the revocation repudiates seq {thief.seq}" in revoked.stderr
    revocation = int(revoked.stdout.split("\t")[0])
    shown = json.loads(ok(run(bureau, keys, "show", str(revocation), "--json")).stdout)
    assert shown["statement"]["body"]["repudiates"] == [thief.seq]
    assert ok(run(bureau, keys, "verify")).stdout.startswith("ok:")

    finding = (
        "violation: key revocation: repudiated: signed after the key's revocation took effect: "
        f"seq {thief.seq} (key {stolen[:8]}… of zhao.lei"
    )
    assert finding in ok(run(bureau, keys, "check", "d1")).stdout
    trace = ok(run(bureau, keys, "trace", "decision", "d1")).stdout
    assert f"[repudiated by seq {revocation}]" in trace
    assert (
        f"repudiated: signed after the key's revocation took effect: seq {thief.seq} "
        f"(draft.versioned by zhao.lei" in trace
    )
    person = ok(run(bureau, keys, "trace", "person", "zhao.lei")).stdout
    assert f"repudiated: signed after the revocation took effect: seq {thief.seq}" in person
    assert f"[repudiated by seq {revocation}]" in person


def test_revoking_from_now_repudiates_nothing(bureau: Bureau, tmp_path: Path) -> None:
    """The default effective time is this instant, to the microsecond: an entry the key signed
    a moment ago stays valid, and the revocation carries no list (the old form)."""
    keys = tmp_path / "keys"
    KeyStore(keys).save(bureau.keys["li.na"], PASS)
    bureau.propose(
        "d1",
    )
    bureau.store.close()
    revoked = ok(
        run(bureau, keys, "key", "revoke", bureau.keys["zhao.lei"].key_id, "--reason", "离任")
    )
    assert "repudiates" not in revoked.stderr
    seq = revoked.stdout.split("\t")[0]
    shown = json.loads(ok(run(bureau, keys, "show", seq, "--json")).stdout)
    assert "repudiates" not in shown["statement"]["body"]
    assert ok(run(bureau, keys, "verify")).exit_code == 0


def test_a_row_hidden_from_a_backdated_revocation_stops_the_next_checkpoint(
    bureau: Bureau, tmp_path: Path
) -> None:
    """The database administrator, after a checkpoint, relabels the thief's entry in the key
    column so that the revocation's check of what it must repudiate misses it. The append is
    taken (it asks the database); the registrar's next checkpoint, resumed from the record of
    the last one, reads the key's earlier entries again, proven against that checkpoint, finds
    the count changed and signs nothing; verify names the row."""
    keys, thief, now = _stolen_and_used(bureau, tmp_path)
    ok(run(bureau, keys, "checkpoint"))
    stolen = bureau.keys["zhao.lei"].key_id
    registrar = bureau.keys["li.na"].key_id
    tamper.sql(
        str(bureau.db), f"UPDATE entries SET key_id = '{registrar}' WHERE seq = {thief.seq};"
    )
    effective = (now - timedelta(hours=2)).astimezone(DEFAULT_ZONE).isoformat(timespec="seconds")
    revoked = ok(
        run(bureau, keys, "key", "revoke", stolen, "--reason", "被盗", "--effective-at", effective)
    )
    assert "repudiates" not in revoked.stderr  # the relabelled row was not found
    before = tamper.read(str(bureau.db), "SELECT COUNT(*) FROM checkpoints")
    refused = run(bureau, keys, "checkpoint")
    assert refused.exit_code == 3, refused.output
    assert "nothing was signed or stored" in refused.stderr
    assert f"entries before seq {thief.seq + 1} name key {stolen[:8]}" in refused.stderr
    assert tamper.read(str(bureau.db), "SELECT COUNT(*) FROM checkpoints") == before
    assert run(bureau, keys, "verify").exit_code == 3
