"""`ledger monitor` follows a published ledger over real HTTP on 127.0.0.1: from empty, then
incrementally after a checkpoint two witness services cosigned; a rewritten tail, a truncation,
a split view, a bad entry and a policy failure are each an alarm naming the seq or size, and
the monitor's state is kept only after a clean run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ledger import monitor, publish, tiles
from ledger.checkpoints import witnesses as work
from ledger.checkpoints.witnesses import Witness, Witnesses
from ledger.monitor import MonitorAlarm
from tests.builders import LedgerFixture
from tests.cli.conftest import Cli
from tests.witness.conftest import add_notes, log_key, notes_ledger, sign
from tests.witness.servers import Static
from tests.witness.test_collect import Running


def state_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.glob("*.json")}


def published(ledger: LedgerFixture, directory: Path) -> Path:
    publish.publish(store=ledger.store, directory=directory)
    return directory


def test_follow_from_empty_then_incrementally_with_two_witnesses(tmp_path: Path) -> None:
    ledger = notes_ledger(tmp_path, 300)  # 303 entries
    sign(ledger)
    www = published(ledger, tmp_path / "www")
    state = tmp_path / "monitor"
    vkey = log_key(ledger)
    with Static(www) as site:
        first = monitor.follow(url=site.url, log_key=vkey, state_dir=state)
        assert (first.size, first.previous, first.entries) == (303, 0, 303)
        w1 = Running(tmp_path / "w1", ledger, "legal.example/w1")
        w2 = Running(tmp_path / "w2", ledger, "audit.example/w2")
        add_notes(ledger, 20)
        with w1.serve() as s1, w2.serve() as s2:
            config = Witnesses((Witness(w1.vkey, s1.url), Witness(w2.vkey, s2.url)), 2)
            done = work.collect(store=ledger.store, checkpoint=sign(ledger), witnesses=config)
        assert done.policy_met
        published(ledger, www)
        again = monitor.follow(
            url=site.url, log_key=vkey, witness_keys=[w1.vkey, w2.vkey], state_dir=state
        )
        assert (again.size, again.previous, again.entries) == (323, 303, 20)
        assert sorted(again.cosigned_by) == ["audit.example/w2", "legal.example/w1"]
        idle = monitor.follow(url=site.url, log_key=vkey, state_dir=state)
        assert idle.entries == 0
        # a policy the checkpoint does not meet: 3 witnesses named, all 3 needed
        w3 = Running(tmp_path / "w3", ledger, "jiwei.example/w3")
        before = state_bytes(state)
        with pytest.raises(MonitorAlarm, match="policy failure: 2 of 3 witness"):
            monitor.follow(
                url=site.url,
                log_key=vkey,
                witness_keys=[w1.vkey, w2.vkey, w3.vkey],
                state_dir=state,
            )
        assert state_bytes(state) == before


def other_history(tmp_path: Path, name: str, keep: int, more: int) -> LedgerFixture:
    """The same origin and keys, the first `keep` notes the same, then `more` others."""
    other = notes_ledger(tmp_path / name, keep)
    add_notes(other, more, text="改写")
    return other


@pytest.mark.parametrize(
    ("case", "keep", "more", "message"),
    [
        ("rewritten tail", 6, 10, r"seq 12: fork: the entries from seq 12 on do not hash"),
        ("truncation", 5, 0, r"seq 8: rollback: the log's checkpoint has size 8, smaller than"),
        ("split view", 6, 3, r"seq 11: fork: the log's checkpoint of size 12 has root"),
    ],
)
def test_a_history_that_does_not_extend_is_an_alarm(
    tmp_path: Path, case: str, keep: int, more: int, message: str
) -> None:
    honest = notes_ledger(tmp_path / "a", 9)  # 12 entries
    sign(honest)
    state = tmp_path / "monitor"
    vkey = log_key(honest)
    with Static(published(honest, tmp_path / "www")) as site:
        monitor.follow(url=site.url, log_key=vkey, state_dir=state)
    before = state_bytes(state)
    other = other_history(tmp_path, "b", keep, more)
    sign(other)
    with Static(published(other, tmp_path / "www-b")) as site:
        with pytest.raises(MonitorAlarm) as caught:
            monitor.follow(url=site.url, log_key=vkey, state_dir=state)
    assert re.search(message, caught.value.diagnostics()), caught.value.diagnostics()
    assert state_bytes(state) == before
    assert list((state / "evidence").iterdir())


def test_a_bad_signature_is_a_bad_entry(tmp_path: Path) -> None:
    """The authors' signatures are not in the tree: a changed one is caught as `ledger verify`
    catches it, at its seq."""
    ledger = notes_ledger(tmp_path, 9)
    sign(ledger)
    www = published(ledger, tmp_path / "www")
    path = www / tiles.bundle_path(0, 12, kind=tiles.SIGNATURES)
    records = tiles.unbundle(path.read_bytes())
    records[7] = bytes([records[7][0] ^ 1]) + records[7][1:]
    path.write_bytes(tiles.bundle(records))
    state = tmp_path / "monitor"
    with Static(www) as site, pytest.raises(MonitorAlarm) as caught:
        monitor.follow(url=site.url, log_key=log_key(ledger), state_dir=state)
    assert "seq 7: bad entry: [signature] seq 7" in caught.value.diagnostics()
    assert not state.exists() or state_bytes(state) == {}


def test_ledger_monitor_command(cli: Cli, tmp_path: Path) -> None:
    ledger = notes_ledger(tmp_path, 4)
    sign(ledger)
    vkey = log_key(ledger).encode()
    state = str(tmp_path / "monitor")
    with Static(published(ledger, tmp_path / "www")) as site:
        result = cli("monitor", site.url, "--log-key", vkey, "--state", state)
        assert result.exit_code == 0, result.stderr
        assert "verified size 7 (7 new entries, from size 0): ok" in result.stderr
    other = other_history(tmp_path, "b", 1, 0)
    sign(other)
    with Static(published(other, tmp_path / "www-b")) as site:
        result = cli("monitor", site.url, "--log-key", vkey, "--state", state)
    assert result.exit_code == 3
    assert "seq 4: rollback: the log's checkpoint has size 4, smaller than the 7" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_monitor_cosigns_only_what_it_verified(cli: Cli, tmp_path: Path) -> None:
    """`--cosign`: the witness cosigns each checkpoint the run verified, from the size it last
    cosigned; a witness last cosigned at a size the run did not pass is refused, unchanged."""
    from ledger.note import cosigner_key, open_note
    from ledger.witness import Refused, cosign_verified, log_state
    from tests.witness.test_service import make_witness

    ledger = notes_ledger(tmp_path, 4)
    sign(ledger)
    www = published(ledger, tmp_path / "www")
    vkey = log_key(ledger).encode()
    wdir = make_witness(tmp_path / "w", ledger, "audit.example/w2")
    from tests.builders import seeded_key

    wkey = cosigner_key("audit.example/w2", seeded_key("audit.example/w2").public_key)
    args = ["--log-key", vkey, "--state", str(tmp_path / "m"), "--cosign", "--dir", str(wdir)]
    with Static(www) as site:
        first = cli("monitor", site.url, *args, passphrase="pw")
        assert first.exit_code == 0, first.stderr
        assert "cosigned size 7 as audit.example/w2 (last cosigned: 0)" in first.stderr
        opened = open_note(first.stdout.encode(), [wkey])
        assert [k.name for k, _ in opened.verified] == ["audit.example/w2"]
        add_notes(ledger, 3)
        sign(ledger)
        published(ledger, www)
        second = cli("monitor", site.url, *args, passphrase="pw")
        assert second.exit_code == 0, second.stderr
        assert "cosigned size 10 as audit.example/w2 (last cosigned: 7)" in second.stderr
        state = log_state(wdir, log_key(ledger).name)
        assert state is not None and state.size == 10
        # a fresh monitor state: that run verifies from 0 to 12, passing 10, where the witness is
        add_notes(ledger, 2)
        sign(ledger)
        published(ledger, www)
        other = ["--log-key", vkey, "--state", str(tmp_path / "m2"), "--cosign", "--dir"]
        third = cli("monitor", site.url, *other, str(wdir), passphrase="pw")
        assert third.exit_code == 0, third.stderr  # from 0 to 12, passing 10
        assert "(last cosigned: 10)" in third.stderr
        # a run that did not pass the size the witness holds: refused, the state unchanged
        add_notes(ledger, 1)
        latest = sign(ledger)
        before = (wdir / "logs").glob("*.json")
        saved = {p.name: p.read_bytes() for p in before}
        with pytest.raises(Refused, match="last cosigned size 12, a size this run did not"):
            cosign_verified(
                directory=wdir,
                key=seeded_key("audit.example/w2"),
                checkpoint=latest,
                roots={13: latest.checkpoint.root, 7: bytes(32)},
                now=1,
            )
        assert {p.name: p.read_bytes() for p in (wdir / "logs").glob("*.json")} == saved
