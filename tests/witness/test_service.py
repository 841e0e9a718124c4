"""`ledger witness serve`: the C2SP tlog-witness API over real HTTP on 127.0.0.1. Cosigns what
extends the last cosigned checkpoint; every bad request is a 4xx with a one-line reason and
changes nothing; two submissions racing for one log cannot both advance it."""

from __future__ import annotations

import hashlib
import logging
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from keys import SigningKey
from ledger import checkpoints, witness, witness_service
from ledger.note import (
    Checkpoint,
    SignedCheckpoint,
    VerifierKey,
    cosigner_key,
    open_note,
    sign_note,
    signer,
)
from tests.builders import LedgerFixture, seeded_key
from tests.witness.conftest import add_notes, log_key, notes_ledger, sign
from tests.witness.servers import Asgi, post


@dataclass
class Setup:
    ledger: LedgerFixture
    wdir: Path
    wkey: VerifierKey
    url: str

    def state(self) -> bytes:
        return b"".join(p.read_bytes() for p in sorted((self.wdir / "logs").glob("*.json")))


def make_witness(directory: Path, ledger: LedgerFixture, name: str = "legal.example/w1") -> Path:
    key = seeded_key(name)
    witness.init_witness(
        directory=directory, name=name, key=key, passphrase="pw", log_keys=[log_key(ledger)]
    )
    return directory


@pytest.fixture
def setup(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Setup]:
    caplog.set_level(logging.INFO)
    ledger = notes_ledger(tmp_path, 2)  # 5 entries
    wdir = make_witness(tmp_path / "w1", ledger)
    key = seeded_key("legal.example/w1")
    app = witness_service.create_app(directory=wdir, key=key, clock=lambda: 1_700_000_000)
    with Asgi(app) as server:
        yield Setup(ledger, wdir, cosigner_key("legal.example/w1", key.public_key), server.url)
    assert "Traceback" not in caplog.text


def body(store_ledger: LedgerFixture, old: int, new: int | None = None) -> bytes:
    proof = checkpoints.prove_consistency(store=store_ledger.store, old=old, new=new)
    return proof.to_text().encode()


def add(setup: Setup, data: bytes) -> tuple[int, str, bytes]:
    return post(setup.url + "/add-checkpoint", data)


def test_cosigns_then_asks_for_the_size_it_knows(setup: Setup) -> None:
    first = sign(setup.ledger)
    status, kind, answer = add(setup, body(setup.ledger, 0))
    assert status == 200, answer
    cosigned = first.note.with_signatures(
        SignedCheckpoint.parse(first.note.text.encode() + b"\n" + answer).note.signatures
    )
    opened = open_note(cosigned, [setup.wkey])
    assert [k.name for k, _ in opened.verified] == ["legal.example/w1"]
    assert answer.startswith("— legal.example/w1 ".encode())

    add_notes(setup.ledger, 4)
    sign(setup.ledger)
    status, kind, answer = add(setup, body(setup.ledger, 0))  # stale: it cosigned 5
    assert (status, kind.split(";")[0], answer) == (409, "text/x.tlog.size", b"5\n")
    status, _, answer = add(setup, body(setup.ledger, 5))
    assert status == 200, answer
    assert witness.log_state(setup.wdir, first.checkpoint.origin).size == 9  # type: ignore[union-attr]
    # the monitoring endpoint serves what it cosigned
    digest = hashlib.sha256(first.checkpoint.origin.encode()).hexdigest()
    with urllib.request.urlopen(f"{setup.url}/{digest}/checkpoint", timeout=60) as response:
        served = SignedCheckpoint.parse(response.read())
    assert served.checkpoint.size == 9 and len(served.cosignatures()) == 1


def other_log(size: int = 5) -> bytes:
    key = seeded_key("someone-else")
    cp = Checkpoint("other.example/log", size, bytes(32))
    return b"old 0\n\n" + sign_note(cp.text(), [signer("other.example/log", key)]).encode()


def forged(setup: Setup, size: int, root: bytes) -> bytes:
    """A checkpoint the registrar's key signs, but of another history."""
    key: SigningKey = setup.ledger.keys["li.na"]
    origin = log_key(setup.ledger).name
    return sign_note(Checkpoint(origin, size, root).text(), [signer(origin, key)]).encode()


@pytest.mark.parametrize(
    ("case", "status", "reason"),
    [
        ("garbage", 400, "malformed request: no blank line"),
        ("bad old line", 400, "the first line is not `old <size>`"),
        ("bad proof line", 400, "line 2 is not the base64 of a 32-byte hash"),
        ("malformed note", 400, "malformed checkpoint"),
        ("wrong origin", 404, "does not follow the log 'other.example/log'"),
        ("bad signature", 403, "refused"),
        ("oversized", 413, "request too large"),
        ("proof for another size", 409, ""),
        ("wrong proof", 422, "does not verify"),
        ("replayed old checkpoint", 400, "smaller than the 9 this witness cosigned before"),
        ("replayed with its own old size", 409, ""),
        ("fork", 422, "fork"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(
    setup: Setup, case: str, status: int, reason: str
) -> None:
    first = sign(setup.ledger)
    assert add(setup, body(setup.ledger, 0))[0] == 200
    add_notes(setup.ledger, 4)
    sign(setup.ledger)
    assert add(setup, body(setup.ledger, 5))[0] == 200
    before = setup.state()
    good = body(setup.ledger, 5)  # a valid proof from 5 to 9, the witness holds 9
    note = good.split(b"\n\n", 1)[1]
    data = {
        "garbage": b"hello",
        "bad old line": b"old 07\n\n" + note,
        "bad proof line": b"old 9\nnot-base64!\n\n" + note,
        "malformed note": b"old 9\n\n" + note.replace("\u2014".encode(), b"--"),
        "wrong origin": other_log(),
        "bad signature": b"old 9\n\n"
        + note[:-10]
        + (b"A" if note[-10:-9] != b"A" else b"B")
        + note[-9:],
        "oversized": b"old 9\n\n" + b"x" * (witness.MAX_REQUEST + 1),
        "proof for another size": good.replace(b"old 5\n", b"old 6\n"),
        "wrong proof": b"old 9\n"
        + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
        + forged(setup, 12, bytes(32)),
        "replayed old checkpoint": b"old 9\n\n" + first.encode(),
        "replayed with its own old size": b"old 5\n\n" + first.encode(),
        "fork": b"old 9\n\n" + forged(setup, 9, bytes(32)),
    }[case]
    got, kind, answer = add(setup, data)
    assert got == status, answer
    if status == 409:
        assert kind.startswith("text/x.tlog.size") and answer == b"9\n"
    else:
        text = answer.decode()
        assert reason in text and text.count("\n") == 1, text
    assert setup.state() == before


def test_two_submissions_racing_cannot_both_advance(setup: Setup) -> None:
    sign(setup.ledger)
    assert add(setup, body(setup.ledger, 0))[0] == 200
    add_notes(setup.ledger, 5)
    sign(setup.ledger)  # 10
    add_notes(setup.ledger, 2)
    sign(setup.ledger)  # 12
    requests = [body(setup.ledger, 5, 10), body(setup.ledger, 5, 12)]
    gate = threading.Barrier(2, timeout=60)
    results: dict[int, int] = {}

    def submit(size: int, data: bytes) -> None:
        gate.wait()
        results[size] = add(setup, data)[0]

    threads = [
        threading.Thread(target=submit, args=(n, r))
        for n, r in zip((10, 12), requests, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(results.values()) == [200, 409], results
    winner = next(n for n, status in results.items() if status == 200)
    state = witness.log_state(setup.wdir, log_key(setup.ledger).name)
    assert state is not None and state.size == winner
