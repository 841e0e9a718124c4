"""The edition-2 checks of substance (the rule profile's `edition`): who initiates a decision
(Art. 10), and a step's date against the steps it rests on (a legality opinion after its
submission, Art. 26; an issue after the approval, Art. 32, and after the Party report, Art. 31).
A decision proposed under an edition-1 profile keeps the rules it was recorded under."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from ledger.app import Ledger, accountability, decisions
from ledger.app.demo import DISTRICT_RULES
from ledger.entry import Statement, format_utc
from ledger.errors import RefusedError
from ledger.store import open_store
from ledger.verification import verify_ledger
from tests import tamper
from tests.procedure.bureau import Bureau


def refused(bureau: Bureau, match: str, *args: Any, **kwargs: Any) -> RefusedError:
    """`bureau.rec(*args)` is refused with `match` in its message, and nothing is written."""
    before = bureau.count()
    with pytest.raises(RefusedError, match=match) as caught:
        bureau.rec(*args, **kwargs)
    assert bureau.count() == before
    return caught.value


def profile(bureau: Bureau, name: str, version: int, **rules: Any) -> None:
    """The district's rules (as the demo's 2020 profile has them) with `rules` over them, in
    force for every decision proposed from now."""
    body = {
        "version": version,
        "effective_from": "2021-01-01",
        "rules": {**DISTRICT_RULES, **rules},
        "reason": "本地规定",
    }
    bureau.rec("li.na", "rule_profile.versioned", name, body)


@pytest.fixture
def office(bureau: Bureau) -> Bureau:
    """The bureau, its decisions held to edition 2 from now on."""
    profile(bureau, "edition-2", 3, edition=2)
    return bureau


def test_the_proposer_does_not_initiate_his_own_proposal(office: Bureau) -> None:
    office.propose()
    error = refused(
        office, "Art. 10: a decision of bureau-meeting is initiated by its head",
        "zhao.lei", "decision.initiated", "d1", {"by": "head"},
    )  # fmt: skip
    assert "not by zhao.lei" in error.message
    office.initiate()  # the head, zhang.wei, then the undertaking unit
    assert decisions.get_decision(Ledger(office.store), "d1")["initiated_seq"] is not None


def test_a_delegate_the_profile_names_initiates(office: Bureau) -> None:
    profile(office, "delegated", 4, edition=2, initiation_delegates=["liu.yang"])
    office.propose()
    office.rec("liu.yang", "decision.initiated", "d1", {"by": "head"})
    assert decisions.get_decision(Ledger(office.store), "d1")["profile"] == "delegated"


def test_an_initiation_by_a_meeting_is_the_organs_meeting_signed_by_its_clerk(
    office: Bureau,
) -> None:
    office.propose()
    office.meeting("m1")
    body = {"by": "meeting", "meeting": "m1"}
    refused(office, "signed by its chair", "zhao.lei", "decision.initiated", "d1", body)
    refused(office, "name the meeting", "huang.li", "decision.initiated", "d1", {"by": "meeting"})
    office.rec("huang.li", "decision.initiated", "d1", body)  # the meeting's recorder


def test_an_edition_1_profile_keeps_the_rules_it_was_recorded_under(office: Bureau) -> None:
    """A ledger recorded before edition 2 (its profile names no edition) is judged by its own
    rules: the proposer's initiation stands, and the ledger verifies."""
    profile(office, "before-edition-2", 4)
    office.propose()
    office.rec("zhao.lei", "decision.initiated", "d1", {"by": "head"})
    assert verify_ledger(store=office.store).ok


def test_an_opinion_dated_before_its_submission_is_refused(office: Bureau) -> None:
    office.propose()
    office.initiate()
    draft = office.draft()
    office.rec("zhao.lei", "legal_basis.recorded", "d1", {"items": [{"title": "《教育法》"}]})
    office.participate("d1", draft)
    office.submit("d1", draft)
    submitted = office.day
    earlier = f"{(submitted - timedelta(days=1)).isoformat()}T10:00:00+08:00"
    error = refused(
        office, "Art. 26: the opinion is dated .* before the draft was submitted",
        "wu.xia", "legality_review.opinion", "d1", office.opinion_body(draft), at=earlier,
        recorded=office.at(20),
    )  # fmt: skip
    assert error.message.startswith("legality_review.opinion: occurred_at: Art. 26")
    office.opinion("d1", draft)


def test_an_issue_dated_before_its_approval_or_its_party_report_is_refused(
    office: Bureau,
) -> None:
    draft = office.decided()
    decided_on = office.day
    office.rec(
        "huang.li", "minutes.finalized", "m1", {"number": "纪要1", "doc": office.doc("纪要")}
    )
    reported_on = office.at(3)[:10]
    office.rec(
        "huang.li",
        "party_committee.reported",
        "d1",
        {"to": "party-group", "reported_at": reported_on, "outcome": "同意"},
    )
    answer = {"answer": "agreed", "answered_at": reported_on, "doc": office.doc("党组意见")}
    office.rec("zhang.wei", "party_committee.answered", "d1", answer)
    body = {
        "channels": ["government_website"],
        "published_doc": draft,
        "ref": "示教发〔2021〕1号",
        "adoption_explanation_doc": office.doc("采纳说明"),
    }
    day_before = (decided_on - timedelta(days=1)).isoformat()
    refused(
        office, "Art. 32: issued on .*, before the decision was taken",
        "huang.li", "decision.published", "d1", {**body, "published_at": day_before},
    )  # fmt: skip
    error = refused(
        office, "Art. 31: issued on .*, before the report to the Party committee",
        "huang.li", "decision.published", "d1", {**body, "published_at": decided_on.isoformat()},
    )  # fmt: skip
    assert error.field == "published_at"
    office.rec("huang.li", "decision.published", "d1", {**body, "published_at": office.at()[:10]})


def test_verify_names_an_initiation_forced_past_the_append(office: Bureau) -> None:
    """The proposer's own initiation, written around the application and validly signed:
    `ledger verify` names its seq."""
    office.propose()
    office.store.close()
    head = open_store(str(office.db)).head()
    assert head is not None
    at = "2021-06-01T09:00:00+08:00"
    stmt = Statement(
        seq=head.seq + 1,
        prev=head.leaf_hash,
        type="decision.initiated",
        subject="d1",
        occurred_at=at,
        recorded_at=format_utc(datetime.fromisoformat(at)),
        actor="zhao.lei",
        key=office.keys["zhao.lei"].key_id,
        body={"by": "head"},
    )
    tamper.forge_append(str(office.db), stmt, office.keys["zhao.lei"])
    office.store = open_store(str(office.db))
    report = verify_ledger(store=office.store)
    failure = report.failures["authority"]
    assert failure.seq == head.seq + 1
    assert "Art. 10: a decision of bureau-meeting is initiated by its head" in failure.message


def test_a_step_back_filled_is_reported_as_recorded_late(office: Bureau) -> None:
    """Back-filling shows: a step recorded more working days after it happened than the
    profile allows is a note in the compliance report, at its seq; the record stands."""
    office.propose()
    at = office.at()
    recorded = office.at(30)  # a month later
    entry = office.rec(
        "zhang.wei", "decision.initiated", "d1", {"by": "head"}, at=at, recorded=recorded
    )
    (report,) = accountability.check(Ledger(office.store), "d1")
    late = [f for f in report["findings"] if f["check"] == "recorded_late"]
    assert [(f["seq"], f["severity"], f["basis"]) for f in late] == [(entry.seq, "note", "Art. 33")]
    assert late[0]["message"].startswith(
        f"decision.initiated happened on {at[:10]} and was recorded"
    )


def test_edition_1_reports_no_recording_delay(bureau: Bureau) -> None:
    bureau.propose()
    bureau.rec("zhang.wei", "decision.initiated", "d1", {"by": "head"}, recorded=bureau.at(30))
    (report,) = accountability.check(Ledger(bureau.store), "d1")
    assert not [f for f in report["findings"] if f["check"] == "recorded_late"]
