"""Backdated key revocation: a key stolen before it was reported.

The rule: a `key.revoked` whose effective time is earlier than entries already signed with the
key must list exactly those entries in `repudiates`. An append refuses any other list; `ledger
verify` reports one that got into the database another way, at the revocation's seq.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.app import Ledger, identity
from ledger.append import Draft, append_batch
from ledger.cli import app
from ledger.entry import SignedEntry
from ledger.errors import RefusedError
from ledger.verification import verify_ledger
from tests.backends import Backend
from tests.builders import LedgerFixture, new_ledger
from tests.tamper import forge_next


@dataclass
class Theft:
    """wang.fang's key signed one entry before the theft and two after it."""

    ledger: LedgerFixture
    key_id: str
    before: SignedEntry
    stolen: list[SignedEntry]
    effective_at: str  # the theft: after `before`, before every entry in `stolen`


def theft(tmp_path: Path, backend: Backend | None = None) -> Theft:
    ledger = new_ledger(tmp_path, backend=backend)
    key = ledger.register("wang.fang", "王芳")
    before = ledger.note("wang.fang", "本人意见")
    ledger.clock.moment += timedelta(minutes=30)
    effective = ledger.clock.moment.isoformat()
    ledger.clock.moment += timedelta(minutes=30)
    stolen = [ledger.note("wang.fang", "冒名意见一")]
    ledger.note("li.na", "登记员的记录")  # another key: not the registrar's to repudiate
    stolen.append(ledger.note("wang.fang", "冒名意见二"))
    return Theft(ledger, key.key_id, before, stolen, effective)


def revocation(case: Theft, repudiates: list[int] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"key_id": case.key_id, "effective_at": case.effective_at}
    body["reason"] = "密钥被盗"
    if repudiates is not None:
        body["repudiates"] = repudiates
    return body


@pytest.mark.parametrize(
    ("listed", "fragment"),
    [
        (None, "it lists none"),
        ([3], "it lists 3"),  # the entry signed before the theft
        ([4], "it lists 4"),  # one of the two
        ([4, 5], "it lists 4, 5"),  # the registrar's entry is not the stolen key's
    ],
)
def test_a_backdated_revocation_must_list_what_the_key_signed_since(
    tmp_path: Path, backend: Backend, listed: list[int] | None, fragment: str
) -> None:
    """Guards the hole of a revocation backdated over a thief's entries that leaves them
    standing unmarked: any list but the exact one is refused, naming the seqs; nothing is
    written."""
    case = theft(tmp_path, backend)
    seqs = [e.seq for e in case.stolen]
    assert seqs == [4, 6]
    head = case.ledger.store.head()
    with pytest.raises(RefusedError) as caught:
        case.ledger.append("key.revoked", "wang.fang", revocation(case, listed))
    assert "signed after the key was revoked: seq 4, 6" in caught.value.diagnostics()
    assert fragment in caught.value.diagnostics()
    assert case.ledger.store.head() == head


def test_the_exact_list_is_taken_and_verifies(tmp_path: Path, backend: Backend) -> None:
    """The list computed for the registrar (`repudiation_for`, as `ledger key revoke` does) is
    exactly the entries signed at or after the effective time; with it the revocation is taken,
    the ledger verifies, and the key signs nothing more."""
    case = theft(tmp_path, backend)
    listed = identity.repudiation_for(
        Ledger(case.ledger.store), key_id=case.key_id, effective_at=case.effective_at
    )
    assert listed == [e.seq for e in case.stolen]
    case.ledger.append("key.revoked", "wang.fang", revocation(case, listed))
    assert verify_ledger(store=case.ledger.store).ok
    with pytest.raises(RefusedError, match="revoked"):
        case.ledger.note("wang.fang", "吊销之后")


def test_a_list_when_nothing_was_signed_since_is_refused(tmp_path: Path) -> None:
    """A revocation may not repudiate entries its key did not sign after the effective time
    (nor anyone else's): the list must be exactly the set, including when it is empty."""
    ledger = new_ledger(tmp_path)
    key = ledger.register("wang.fang", "王芳")
    note = ledger.note("wang.fang", "本人意见")
    body = {
        "key_id": key.key_id,
        "effective_at": ledger.clock().isoformat(),
        "reason": "离任",
        "repudiates": [note.seq],
    }
    with pytest.raises(RefusedError, match="repudiates lists seq 3, but no entry signed"):
        ledger.append("key.revoked", "wang.fang", body)


def test_a_revocation_of_the_old_form_still_verifies(sample: LedgerFixture) -> None:
    """Ledgers written before `repudiates` existed keep verifying: a revocation effective after
    the key's last entry needs no list (the sample ledger holds one)."""
    revoked = list(sample.store.rows(where={"type": "key.revoked"}))
    assert len(revoked) == 1 and b"repudiates" not in revoked[0].statement
    assert verify_ledger(store=sample.store).ok


def _forged_revocation(case: Theft, repudiates: list[int] | None) -> int:
    """Insert, behind the application's back, a revocation signed with the registrar's real
    key (the registrar, or whoever holds that key, wants the thief's entries to stand)."""
    return forge_next(case.ledger, "key.revoked", "wang.fang", revocation(case, repudiates))


@pytest.mark.parametrize("listed", [None, [4]])
def test_a_forged_revocation_without_the_exact_list_fails_verify(
    tmp_path: Path, backend: Backend, listed: list[int] | None
) -> None:
    """Guards `ok` for a revocation that never went through an append: `ledger verify` exits
    3 and names the revocation's seq under its own failure kind."""
    case = theft(tmp_path, backend)
    seq = _forged_revocation(case, listed)
    report = verify_ledger(store=case.ledger.store)
    # the forger did not extend the Merkle node cache: that is reported too, as it is for
    # every entry inserted by hand (tests/ledger/test_tamper.py)
    assert set(report.failures) == {"revocation", "merkle_cache"}, report.to_json()
    failure = report.failures["revocation"]
    assert failure.seq == seq
    assert failure.message.startswith("signed after the key was revoked: seq 4, 6")
    result = CliRunner().invoke(app, ["--db", case.ledger.db, "verify"])
    assert result.exit_code == 3, result.stdout
    assert f"FAIL [revocation] seq {seq}: signed after the key was revoked" in result.stderr


def test_a_forged_revocation_with_the_exact_list_verifies(tmp_path: Path) -> None:
    """The rule is about the list, not about the path: the same revocation with the exact list
    passes the entry checks (what fails is only what the hand insertion left out: the key's
    derived row and the Merkle node cache)."""
    case = theft(tmp_path)
    _forged_revocation(case, [4, 6])
    report = verify_ledger(store=case.ledger.store)
    assert set(report.failures) == {"derived", "merkle_cache"}, report.to_json()


def test_a_batch_counts_its_own_entries(tmp_path: Path, backend: Backend) -> None:
    """Within one transaction the store does not yet hold the batch's earlier entries; the
    revocation's list must still include them, as verify's replay will."""
    case = theft(tmp_path, backend)
    ledger = case.ledger
    wang, registrar = ledger.keys["wang.fang"], ledger.keys["li.na"]
    head = ledger.store.head()
    assert head is not None
    listed = [e.seq for e in case.stolen] + [head.seq + 1]
    drafts = [
        Draft("note", "m1", {"text": "同一批次"}, "wang.fang", wang),
        Draft("key.revoked", "wang.fang", revocation(case, listed), "li.na", registrar),
    ]
    append_batch(store=ledger.store, drafts=drafts, now=ledger.clock)
    assert verify_ledger(store=ledger.store).ok
