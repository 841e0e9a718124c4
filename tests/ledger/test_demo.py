"""The demo a newcomer runs first: the bureau's 2020. It must build, verify, tell the story it
scripts, and rebuild in place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from keys import KeyStore
from ledger.app import Ledger, accountability, demo
from ledger.errors import InputError
from ledger.store import SqlStore, open_store
from ledger.verification import verify_ledger


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    return demo.build(tmp_path_factory.mktemp("demo") / "d")


@pytest.fixture
def store(built: demo.Demo) -> Iterator[SqlStore]:
    opened = open_store(str(built.db))
    yield opened
    opened.close()


def test_demo_builds_and_verifies(built: demo.Demo, store: SqlStore) -> None:
    report = verify_ledger(store=store)
    assert report.ok, report.to_json()
    assert report.entries == built.entries > 300
    # The year closes with a registrar-signed checkpoint of the whole ledger.
    assert built.checkpoint.startswith(f"{demo.ORIGIN}\n{built.entries}\n")
    assert report.tree.checkpoints == 1 and report.tree.size == built.entries
    directory = store.directory()
    assert directory.persons["zhang.wei"].name == "张伟"
    keystore = KeyStore(built.key_dir)
    for person in directory.persons:
        for record in directory.keys_of(person):
            assert keystore.load(record.key_id, built.passphrase).key_id == record.key_id


def test_every_decision_ends_as_scripted(store: SqlStore) -> None:
    reports = accountability.check(Ledger(store))
    found = {r["decision"]: (r["status"], r["compliance_status"]) for r in reports}
    assert found == demo.SCRIPTED
    late = next(r for r in reports if r["decision"] == "d2020-07")
    assert late["record_completeness"] == "incomplete"
    assert late["missing_records"] == ["the collective decision (the matter is drafting)"]


def test_the_legality_gate_refused_the_unlawful_draft(built: demo.Demo) -> None:
    (refusal,) = built.refusals
    assert "agenda_item.opened d2020-03: G5 (Art. 25)" in refusal
    assert "legality opinion of unlawful" in refusal


def test_the_dissent_is_in_the_trace(store: SqlStore) -> None:
    trace = accountability.trace_decision(Ledger(store), "d2020-01")
    dissent = [p for p in trace["people"] if p.get("dissent")]
    assert [(p["person"], p["stance"]) for p in dissent] == [("zhou.min", "disagree")]
    assert dissent[0]["reason"].startswith("维修资金向城区学校倾斜")
    assert dissent[0]["roles_at_time"] == ["bureau-meeting:member", "party-group:member"]
    recorded = [
        p for p in trace["people"] if p["person"] == "chen.jing" and p["role"] == "member_position"
    ]
    assert recorded[0]["signed"] == "recorder_confirmed_by_member"


def test_the_head_states_why_he_departs_from_the_majority(store: SqlStore) -> None:
    (report,) = accountability.check(Ledger(store), "d2020-02")
    (divergence,) = report["head_divergence"]
    assert divergence["reason"].startswith("秋季入学登记时间节点紧迫")


def test_the_person_who_changed_posts_and_keys_is_traced_across_both(store: SqlStore) -> None:
    trace = accountability.trace_person(Ledger(store), "chen.jing")
    posts = [(p["organ"], p["role"], p["from"], p["to"]) for p in trace["posts"]]
    assert ("bureau-meeting", "deputy", "2017-06-01", "2020-09-30") in posts
    assert ("supervision-office", "head", "2020-10-09", None) in posts
    old, new = trace["keys"]
    assert old["revoked_seq"] is not None and new["revoked_seq"] is None
    involvement = {(i["subject"], i["role"]): i for i in trace["involvement"]}
    position = involvement[("d2020-02", "member_position")]
    assert position["stance"] == "defer"
    assert "bureau-meeting:deputy" in position["roles_at_time"]
    case = involvement[("case-2020-01", "case_subject")]
    assert case["roles_at_time"] == ["supervision-office:head"]


def test_undue_delay_and_filing_rates_come_from_the_data(store: SqlStore) -> None:
    late = accountability.overdue(Ledger(store), "2020-12-31")
    assert [(r["decision"], r["days_overdue"]) for r in late] == [("d2020-07", 61)]
    rates = accountability.filing_rates(Ledger(store), 2020)
    assert rates["filing_rate"]["numerator"] == 62
    assert rates["filing_rate"]["denominator"] == demo.NORMATIVE_COUNT == 63
    assert rates["filing_rate"]["short"] == ["nd-2020-40"]
    assert rates["timeliness_rate"]["short"] == ["nd-2020-17", "nd-2020-40", "nd-2020-51"]
    assert rates["legality_rate"] == {
        "numerator": 61,
        "denominator": 62,
        "rate": 0.9839,
        "short": ["nd-2020-22"],
    }


def test_demo_rebuilds_in_place(tmp_path: Path) -> None:
    first = demo.build(tmp_path / "d")
    second = demo.build(tmp_path / "d")
    assert second.entries == first.entries


def test_demo_refuses_a_foreign_directory(tmp_path: Path) -> None:
    """Nothing of the user's is ever deleted by the demo."""
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="is not a ledger demo"):
        demo.build(target)
    assert (target / "notes.txt").read_text() == "mine"
