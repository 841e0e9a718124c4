"""Chain invariants over random histories (Hypothesis), on real SQLite files and real
PostgreSQL databases."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ledger.app import Ledger, identity
from ledger.entry import ZERO_HASH, decode_statement, leaf_hash
from ledger.errors import RefusedError
from ledger.verification import verify_ledger
from tests.backends import SKIP_REASON, Backend, make_backend, pg_available
from tests.builders import LedgerFixture, new_ledger, seeded_key

PEOPLE = ("wang.fang", "zhao.lei", "chen.jing")
texts = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=60)


class LedgerMachine(RuleBasedStateMachine):
    """Random sequences of appends, registrations, key rotations, refused entries and clock
    jumps backwards; after each step the ledger verifies and the chain links hold."""

    backend_name = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.backend: Backend = make_backend(self.backend_name)
        self.ledger: LedgerFixture = new_ledger(Path(tempfile.mkdtemp()), backend=self.backend)
        self.count = 1
        self.rotations = 0

    def teardown(self) -> None:
        self.ledger.store.close()
        self.backend.close()

    @rule(person=st.sampled_from(PEOPLE))
    def register(self, person: str) -> None:
        if person in self.ledger.keys:
            return
        self.ledger.register(person, person.upper())
        self.count += 2

    @precondition(lambda self: len(self.ledger.keys) > 1)
    @rule(data=st.data(), text=texts)
    def note(self, data: st.DataObject, text: str) -> None:
        actor = data.draw(st.sampled_from(sorted(self.ledger.keys)))
        self.ledger.note(actor, text)
        self.count += 1

    @precondition(lambda self: len(self.ledger.keys) > 1)
    @rule(data=st.data())
    def rotate_key(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(sorted(set(self.ledger.keys) - {"li.na"})))
        old = self.ledger.keys[person]
        self.rotations += 1
        self.ledger.bind(person, seeded_key(f"{person}/{self.rotations}"))
        moment = self.ledger.clock.moment.isoformat()
        body: dict[str, Any] = {"key_id": old.key_id, "effective_at": moment, "reason": "rotation"}
        # after the clock went back, entries the old key signed may carry later times
        repudiated = identity.repudiation_for(
            Ledger(self.ledger.store), key_id=old.key_id, effective_at=moment
        )
        if repudiated:
            body["repudiates"] = repudiated
        self.ledger.append("key.revoked", person, body)
        self.count += 2

    @rule(text=texts)
    def refused_entry_writes_nothing(self, text: str) -> None:
        before = self.ledger.store.head()
        try:
            self.ledger.append("note", "x", {"text": text, "about": [self.count + 5]})
        except RefusedError:
            pass
        assert self.ledger.store.head() == before

    @rule(seconds=st.integers(1, 10_000))
    def clock_goes_back(self, seconds: int) -> None:
        # by no more than the clock tolerance (300 s) behind the head: further is refused
        head = self.ledger.store.head()
        assert head is not None
        floor = datetime.fromisoformat(head.recorded_at) - timedelta(seconds=299)
        self.ledger.clock.moment = max(self.ledger.clock.moment - timedelta(seconds=seconds), floor)

    @invariant()
    def verifies(self) -> None:
        report = verify_ledger(store=self.ledger.store)
        assert report.ok, report.to_json()
        assert report.entries == self.count

    @invariant()
    def chain_links(self) -> None:
        prev, last_time = ZERO_HASH, ""
        for seq, row in enumerate(self.ledger.store.rows()):
            stmt = decode_statement(row.statement)
            assert (stmt.seq, row.seq) == (seq, seq)
            assert stmt.prev == prev
            assert stmt.recorded_at >= last_time
            prev, last_time = leaf_hash(row.statement).hex(), stmt.recorded_at


class PostgresLedgerMachine(LedgerMachine):
    backend_name = "postgresql"


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(max_examples=15, stateful_step_count=12, deadline=None)
TestPostgresLedgerMachine = pytest.mark.postgres(
    pytest.mark.skipif(not pg_available(), reason=SKIP_REASON)(PostgresLedgerMachine.TestCase)
)
TestPostgresLedgerMachine.settings = settings(
    max_examples=15, stateful_step_count=12, deadline=None
)
