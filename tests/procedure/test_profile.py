"""The rule profile is versioned in the ledger; a decision is checked against the version in
force on the day it was proposed. Corrections annotate, never rewrite."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.app import Ledger, accountability, decisions, demo, entries
from ledger.errors import RefusedError
from tests.procedure.bureau import Bureau


def local_rules(**changes: Any) -> dict[str, Any]:
    return {
        "legality_review_unit": "legal-office",
        "party_committee": "party-group",
        "holidays": demo.HOLIDAYS_2020,
        **changes,
    }


def version(bureau: Bureau, name: str, number: int, effective: str, **changes: Any) -> None:
    bureau.rec(
        "li.na",
        "rule_profile.versioned",
        name,
        {
            "version": number,
            "effective_from": effective,
            "rules": local_rules(**changes),
            "reason": "区政府修订实施办法",
        },
    )


def test_a_decision_keeps_the_profile_in_force_when_it_was_proposed(bureau: Bureau) -> None:
    bureau.propose("d1")  # 2021-03: version 2 (30 days) is in force
    version(bureau, "example-district-2021", 3, bureau.day.isoformat(), comment_min_days=20)
    bureau.propose("d2")
    for ident in ("d1", "d2"):
        bureau.initiate(ident)
    first, second = bureau.draft("d1"), bureau.draft("d2")
    with pytest.raises(RefusedError, match="G3 .* shorter than the 30 the rule profile requires"):
        bureau.participate("d1", first, days=20)
    bureau.participate("d2", second, days=20)
    state = decisions.get_decision(Ledger(bureau.store), "d2")
    assert (state["profile"], state["profile_version"]) == ("example-district-2021", 3)
    (report,) = accountability.check(Ledger(bureau.store), "d1")
    assert report["profile"] == {"name": "example-district-2020", "version": 2}


def test_only_the_registrar_versions_the_profile(bureau: Bureau) -> None:
    before = bureau.count()
    with pytest.raises(RefusedError, match="may be recorded only by the registrar"):
        bureau.rec(
            "sun.hao",
            "rule_profile.versioned",
            "mine",
            {"version": 3, "effective_from": "2021-01-01", "rules": {}, "reason": "试试"},
        )
    with pytest.raises(RefusedError, match="body.version: 2 is not after version 2"):
        version(bureau, "again", 2, "2021-01-01")
    with pytest.raises(RefusedError, match="rule profile example-district-2020 already exists"):
        version(bureau, "example-district-2020", 3, "2021-01-01")
    assert bureau.count() == before


def test_a_bad_rule_is_refused_with_its_place(bureau: Bureau) -> None:
    from ledger.errors import InputError

    with pytest.raises(InputError) as caught:
        version(bureau, "odd", 3, "2021-01-01", quorum={"share": "3/2", "more_than": True})
    assert caught.value.where == "body.rules.quorum.share"


def test_a_correction_is_a_new_entry_pointing_at_the_old(bureau: Bureau) -> None:
    bureau.propose()
    proposed = bureau.count() - 1
    bureau.rec(
        "zhao.lei",
        "entry.corrected",
        "d1",
        {"corrects": proposed, "reason": "标题错字", "correction": "标题应为“课后服务”"},
    )
    state = decisions.get_decision(Ledger(bureau.store), "d1")
    assert [(c["corrects"], c["reason"]) for c in state["corrections"]] == [(proposed, "标题错字")]
    assert entries.get_entry(Ledger(bureau.store), proposed).statement.type == ("decision.proposed")
    with pytest.raises(RefusedError, match="body.corrects: seq 9999 is not an earlier entry"):
        bureau.rec(
            "zhao.lei",
            "entry.corrected",
            "d1",
            {"corrects": 9999, "reason": "x", "correction": "y"},
        )
