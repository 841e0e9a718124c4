"""Cosignatures collected at every checkpoint from real witness services on 127.0.0.1: both
cosign; one down does not block and catches up at the next; a size learnt from a 409; a witness
ahead of the ledger is an alarm; the policy is reported."""

from __future__ import annotations

from pathlib import Path

from keys import SigningKey
from ledger import checkpoints, witness_service
from ledger.checkpoints import witnesses as work
from ledger.checkpoints.witnesses import Witness, Witnesses
from ledger.note import VerifierKey, cosigner_key
from tests.builders import LedgerFixture, seeded_key
from tests.cli.conftest import Cli, ok
from tests.witness.conftest import add_notes, notes_ledger, sign
from tests.witness.servers import Asgi, post
from tests.witness.test_service import make_witness


class Running:
    """A witness directory, its key, and its service while running."""

    def __init__(self, directory: Path, ledger: LedgerFixture, name: str) -> None:
        self.name = name
        self.dir = make_witness(directory, ledger, name)
        self.key: SigningKey = seeded_key(name)
        self.vkey: VerifierKey = cosigner_key(name, self.key.public_key)

    def serve(self) -> Asgi:
        return Asgi(witness_service.create_app(directory=self.dir, key=self.key))


def stored_witnesses(ledger: LedgerFixture, size: int) -> set[str]:
    cp = checkpoints.stored_checkpoint(store=ledger.store, size=size)
    return {s.name for s in cp.cosignatures()}


def test_two_witnesses_cosign_and_one_down_catches_up(tmp_path: Path) -> None:
    ledger = notes_ledger(tmp_path, 2)
    w1 = Running(tmp_path / "w1", ledger, "legal.example/w1")
    w2 = Running(tmp_path / "w2", ledger, "audit.example/w2")
    with w1.serve() as s1:
        with w2.serve() as s2:
            config = Witnesses((Witness(w1.vkey, s1.url), Witness(w2.vkey, s2.url)), 2)
            first = sign(ledger)
            done = work.collect(store=ledger.store, checkpoint=first, witnesses=config)
            assert [o.cosigned for o in done.outcomes] == [True, True], done.outcomes
            assert done.cosigned == 2 and done.policy_met
            assert stored_witnesses(ledger, 5) == {w1.name, w2.name}
            down_url = s2.url
        # w2 is down for the next checkpoint
        add_notes(ledger, 4)
        second = sign(ledger)
        config = Witnesses((Witness(w1.vkey, s1.url), Witness(w2.vkey, down_url)), 2)
        done = work.collect(store=ledger.store, checkpoint=second, witnesses=config)
        assert done.outcomes[0].cosigned and done.outcomes[0].old == 5
        assert not done.outcomes[1].cosigned and "no answer" in done.outcomes[1].detail
        assert done.cosigned == 1 and not done.policy_met
        assert "1 of 2 witness(es) cosigned size 9, 2 needed: policy NOT met" == (
            work.policy_words(done, 2)
        )
        # back up (on another port) at the next checkpoint: caught up from what it cosigned
        add_notes(ledger, 3)
        third = sign(ledger)
        with w2.serve() as s2:
            config = Witnesses((Witness(w1.vkey, s1.url), Witness(w2.vkey, s2.url)), 2)
            done = work.collect(store=ledger.store, checkpoint=third, witnesses=config)
    assert [(o.cosigned, o.old) for o in done.outcomes] == [(True, 9), (True, 5)]
    assert done.policy_met and stored_witnesses(ledger, 12) == {w1.name, w2.name}


def test_the_size_is_learnt_from_a_409(tmp_path: Path) -> None:
    """The witness cosigned size 9 in a hand exchange the ledger never stored."""
    ledger = notes_ledger(tmp_path, 2)
    w1 = Running(tmp_path / "w1", ledger, "legal.example/w1")
    with w1.serve() as s1:
        sign(ledger)
        add_notes(ledger, 4)
        sign(ledger)
        by_hand = checkpoints.prove_consistency(store=ledger.store, old=0, new=9)
        assert post(s1.url + "/add-checkpoint", by_hand.to_text().encode())[0] == 200
        add_notes(ledger, 1)
        latest = sign(ledger)
        config = Witnesses((Witness(w1.vkey, s1.url),), 1)
        done = work.collect(store=ledger.store, checkpoint=latest, witnesses=config)
    (outcome,) = done.outcomes
    assert outcome.cosigned and outcome.old == 9, outcome
    assert done.policy_met


def test_a_witness_ahead_of_the_ledger_is_an_alarm(tmp_path: Path) -> None:
    """The witness cosigned size 12 of this origin; the ledger now shows 7: rolled back."""
    honest = notes_ledger(tmp_path / "a", 9)
    w1 = Running(tmp_path / "w1", honest, "legal.example/w1")
    with w1.serve() as s1:
        config = Witnesses((Witness(w1.vkey, s1.url),), 1)
        work.collect(store=honest.store, checkpoint=sign(honest), witnesses=config)
        rolled_back = notes_ledger(tmp_path / "b", 4)
        done = work.collect(store=rolled_back.store, checkpoint=sign(rolled_back), witnesses=config)
    (outcome,) = done.outcomes
    assert outcome.alarm and not outcome.cosigned
    assert "cosigned size 12, larger than this checkpoint (7)" in outcome.detail
    assert stored_witnesses(rolled_back, 7) == set()


def test_a_split_view_is_refused_by_the_witness(tmp_path: Path) -> None:
    """Two histories of one origin, of the same size: the witness that cosigned one refuses the
    other (a fork), and nothing of it is stored."""
    shown_to_w1 = notes_ledger(tmp_path / "a", 4)
    other = notes_ledger(tmp_path / "b", 3)
    add_notes(other, 1, text="另一版本")
    w1 = Running(tmp_path / "w1", shown_to_w1, "legal.example/w1")
    with w1.serve() as s1:
        config = Witnesses((Witness(w1.vkey, s1.url),), 1)
        work.collect(store=shown_to_w1.store, checkpoint=sign(shown_to_w1), witnesses=config)
        before = [p.read_bytes() for p in sorted((w1.dir / "logs").iterdir())]
        done = work.collect(store=other.store, checkpoint=sign(other), witnesses=config)
    (outcome,) = done.outcomes
    assert not outcome.cosigned and outcome.old == 7
    assert "refused: 422 refused: fork: the checkpoint has size 7" in outcome.detail
    assert [p.read_bytes() for p in sorted((w1.dir / "logs").iterdir())] == before
    assert stored_witnesses(other, 7) == set()


def test_a_rewritten_tail_is_refused_by_the_witness(tmp_path: Path) -> None:
    """The witness cosigned 12 entries; a history rewritten from seq 9 on, and longer, cannot
    prove it extends them: 422, nothing stored on either side."""
    honest = notes_ledger(tmp_path / "a", 9)
    rewritten = notes_ledger(tmp_path / "b", 6)
    add_notes(rewritten, 10, text="改写")
    w1 = Running(tmp_path / "w1", honest, "legal.example/w1")
    with w1.serve() as s1:
        config = Witnesses((Witness(w1.vkey, s1.url),), 1)
        work.collect(store=honest.store, checkpoint=sign(honest), witnesses=config)
        before = [p.read_bytes() for p in sorted((w1.dir / "logs").iterdir())]
        done = work.collect(store=rewritten.store, checkpoint=sign(rewritten), witnesses=config)
    (outcome,) = done.outcomes
    assert not outcome.cosigned and outcome.old == 12  # learnt from the 409
    assert "refused: 422" in outcome.detail and "does not verify" in outcome.detail
    assert [p.read_bytes() for p in sorted((w1.dir / "logs").iterdir())] == before
    assert stored_witnesses(rewritten, 19) == set()


def test_ledger_checkpoint_collects_and_reports(ready: Cli, tmp_path: Path) -> None:
    from ledger.note import VerifierKey as Key
    from ledger.witness import init_witness

    vkey = Key.parse(ok(ready("checkpoint", "--verifier-key")).stdout.strip())
    key = seeded_key("legal.example/w1")
    wdir = tmp_path / "w1"
    init_witness(directory=wdir, name="legal.example/w1", key=key, passphrase="pw", log_keys=[vkey])
    wkey = cosigner_key("legal.example/w1", key.public_key).encode()
    app = witness_service.create_app(directory=wdir, key=key)
    with Asgi(app) as server:
        ok(ready("witnesses", "add", wkey, "--url", server.url))
        ok(ready("witnesses", "policy", "1"))
        result = ok(ready("checkpoint"))
    assert "witness legal.example/w1: cosigned (from size 0)" in result.stderr
    assert "1 of 1 witness(es) cosigned size 3, 1 needed: policy met" in result.stderr
    assert "— legal.example/w1 " in result.stdout  # the printed checkpoint carries it
    listed = ok(ready("witnesses", "list")).stdout
    assert listed.startswith(f"legal.example/w1\t{server.url}\t3\t")
    # the witness is gone: the checkpoint is still printed; its stored cosignature still counts
    again = ok(ready("checkpoint"))
    assert "witness legal.example/w1: no answer" in again.stderr
    assert "1 of 1 witness(es) cosigned size 3, 1 needed: policy met" in again.stderr
    refused = ready("witnesses", "policy", "2")
    assert refused.exit_code == 6 and "cannot be had from 1 witness(es)" in refused.stderr


# the `ready` fixture of the CLI tests
from tests.cli.conftest import ready  # noqa: E402

__all__ = ["ready"]
