"""Ledger: what the screens read, on the demo ledger (real SQLite file, real keys)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import pytest

from keys import BadPassphraseError
from ledger.app import Ledger, accountability, checkpoints, decisions
from ledger.app.decisions import DecisionQuery
from ledger.append import Draft
from ledger.errors import RefusedError
from ledger.store import reads
from tests import tamper
from tests.tui.conftest import DemoCopy


def test_overdue_reads_only_late_items_but_agrees_with_reading_every_decision(
    ledger: Ledger,
) -> None:
    """Guards the SQL prefilter of `overdue` (only decisions naming a late item are read) and
    its default day (the ledger's today, from its clock): the same rows as every decision read."""
    catalogs = reads.objects(ledger.store, "catalog")
    by_item = {
        (d["scope"]["catalog"], d["scope"]["item"]): d
        for d in reads.objects(ledger.store, "decision")
        if d["scope"].get("item")
    }
    for today in ("2020-06-01", "2020-11-01", "2021-01-15", "2030-01-01"):
        ledger.clock = partial(datetime.fromisoformat, f"{today}T04:00:00+00:00")
        assert accountability.overdue(ledger) == accountability.late_items(catalogs, by_item, today)


def test_pages_cover_the_list_once_in_id_order(ledger: Ledger) -> None:
    everything = decisions.list_decisions(ledger)
    seen = []
    for offset in range(0, 10, 4):
        page = decisions.page(ledger, DecisionQuery(), offset=offset, limit=4)
        assert page.total == len(everything)
        seen += [row.id for row in page.rows]
    assert seen == sorted((d.id for d in everything), reverse=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (DecisionQuery(text="课后服务"), ["d2020-05", "d2020-04"]),
        (
            DecisionQuery(text="d2020-0"),
            ["d2020-07", "d2020-05", "d2020-04", "d2020-03", "d2020-02", "d2020-01"],
        ),
        (
            DecisionQuery(status="in_execution", year=2020),
            ["d2020-05", "d2020-03", "d2020-02", "d2020-01"],
        ),
        (DecisionQuery(scope="normative_document"), ["d2020-03"]),
        (DecisionQuery(organ="no-such-organ"), []),
        (DecisionQuery(text="100%_"), []),  # LIKE wildcards are taken literally
    ],
)
def test_filters_agree_with_the_core(
    ledger: Ledger, query: DecisionQuery, expected: list[str]
) -> None:
    assert [r.id for r in decisions.page(ledger, query).rows] == expected


def test_the_timeline_flags_an_entry_whose_signature_was_changed(
    ledger: Ledger, demo: DemoCopy
) -> None:
    db = str(demo.db)
    (signature,) = tamper.read(db, "SELECT signature FROM entries WHERE seq = 141")[0]
    assert isinstance(signature, bytes)
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    tamper.sql(db, f"UPDATE entries SET signature = {tamper.hexlit(db, forged)} WHERE seq = 141;")
    items = {item.seq: item for item in decisions.checked_timeline(ledger, "d2020-01")}
    assert not items[141].verified and items[141].problem == "signature"
    assert all(item.verified for seq, item in items.items() if seq != 141)


def test_unlock_needs_the_right_passphrase(ledger: Ledger, demo: DemoCopy) -> None:
    with pytest.raises(BadPassphraseError):
        ledger.unlock("li.na", "wrong")
    assert ledger.read_only
    with pytest.raises(RefusedError, match="read-only"):
        ledger.require_signer()
    ledger.unlock("li.na", demo.passphrase)
    assert ledger.require_signer()[0] == "li.na"
    ledger.lock()
    assert ledger.read_only


def test_only_the_registrar_signs_checkpoints(ledger: Ledger, demo: DemoCopy) -> None:
    ledger.unlock("zhang.wei", demo.passphrase)
    actor, key = ledger.require_signer()
    ledger.append([Draft("note", "mtg-2020-15", {"text": "补记。"}, actor, key)])
    with pytest.raises(RefusedError, match="not a valid registrar key"):
        checkpoints.sign_as_unlocked(ledger)
