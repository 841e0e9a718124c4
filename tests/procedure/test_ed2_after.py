"""Edition 2 after the deliberation: the report to the Party committee and its answer (Art. 31),
the report to the people's congress (Art. 8), the Art. 29 materials of an agenda item, the final
minutes before issue (Art. 30, 33), the new decision that names what it adjusts or stops
(Art. 37), the archive deadline and completeness (Art. 33), and who reports execution (Art. 34).
A decision proposed under an edition-1 profile keeps the rules it was recorded under."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.app import Ledger, accountability, decisions, recording
from ledger.app.demo import DISTRICT_RULES
from ledger.cli import app
from ledger.entry import Statement, format_utc
from ledger.errors import GateRefusal, RefusedError
from ledger.store import open_store
from ledger.verification import verify_ledger
from tests import tamper
from tests.procedure.bureau import MEMBERS, Bureau


def refused(bureau: Bureau, match: str, *args: Any, **kwargs: Any) -> RefusedError:
    """`bureau.rec(*args)` is refused with `match` in its message, and nothing is written."""
    before = bureau.count()
    with pytest.raises(RefusedError, match=match) as caught:
        bureau.rec(*args, **kwargs)
    assert bureau.count() == before
    return caught.value


def gate(
    bureau: Bureau, gate_id: str, article: str, remedy: str, *args: Any, **kwargs: Any
) -> GateRefusal:
    """`bureau.rec(*args)` is refused by `gate_id` on `article`, with `remedy`; nothing written."""
    error = refused(bureau, rf"{gate_id} \({article}\)", *args, **kwargs)
    assert isinstance(error, GateRefusal)
    assert (error.breach.gate, error.breach.citation, error.breach.remedy) == (
        gate_id,
        article,
        remedy,
    )
    assert error.breach.strength == "hard"
    return error


def profile(bureau: Bureau, name: str, version: int, **rules: Any) -> None:
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


def report_body(bureau: Bureau, to: str = "party-group") -> dict[str, Any]:
    return {"to": to, "reported_at": bureau.day.isoformat(), "outcome": "已报告"}


def answer_body(bureau: Bureau, answer: str = "agreed") -> dict[str, Any]:
    day = bureau.day.isoformat()
    return {"answer": answer, "answered_at": day, "doc": bureau.doc(f"党组意见 {answer}")}


def publication(bureau: Bureau, doc: str) -> dict[str, Any]:
    return {
        "channels": ["government_website"],
        "published_at": bureau.day.isoformat(),
        "published_doc": doc,
        "ref": "示教发〔2021〕2号",
        "adoption_explanation_doc": bureau.doc("采纳说明"),
    }


def minutes(bureau: Bureau, meeting: str = "m1") -> None:
    body = {"number": "纪要1", "doc": bureau.doc("纪要")}
    bureau.rec("huang.li", "minutes.finalized", meeting, body)


# -- the Party committee (Art. 31, G12) ----------------------------------------------------------


def test_the_report_goes_to_the_party_committee_the_profile_names(office: Bureau) -> None:
    office.decided()
    args = ("huang.li", "party_committee.reported", "d1")
    error = gate(
        office, "G12", "Art. 31", "report_to_the_profiles_party_committee",
        *args, report_body(office, "legal-office"),
    )  # fmt: skip
    assert error.field == "to"
    assert "legal-office is not the Party committee" in error.message
    refused(
        office, "Art. 31: this is recorded for bureau-meeting by huang.li, zhang.wei, not by "
        "zhao.lei", "zhao.lei", "party_committee.reported", "d1", report_body(office),
    )  # fmt: skip
    office.rec(*args, report_body(office))


def test_a_profile_naming_no_party_committee_cannot_take_the_report(office: Bureau) -> None:
    profile(office, "no-committee", 4, edition=2, party_committee=None)
    office.decided()
    gate(
        office, "G12", "Art. 31", "name_the_party_committee_in_the_profile",
        "huang.li", "party_committee.reported", "d1", report_body(office),
    )  # fmt: skip


def test_issue_waits_for_the_party_committees_agreement(office: Bureau) -> None:
    """No answer, then `not_agreed`: publication is refused naming the answer; a new report
    agreed to lets it through."""
    draft = office.decided()
    minutes(office)
    report = office.rec("huang.li", "party_committee.reported", "d1", report_body(office))
    publish = ("huang.li", "decision.published", "d1")
    error = gate(
        office, "G12", "Art. 31", "record_the_party_committees_answer",
        *publish, publication(office, draft),
    )  # fmt: skip
    assert error.breach.conflicting_seq == report.seq
    no = office.rec(
        "zhang.wei", "party_committee.answered", "d1", answer_body(office, "not_agreed")
    )
    error = gate(
        office, "G12", "Art. 31", "report_again_once_revised",
        *publish, publication(office, draft),
    )  # fmt: skip
    assert f"did not agree to decision d1 (answer at seq {no.seq})" in error.message
    assert error.breach.conflicting_seq == no.seq
    office.rec("huang.li", "party_committee.reported", "d1", report_body(office))
    gate(
        office, "G12", "Art. 31", "record_the_party_committees_answer",
        *publish, publication(office, draft),
    )  # fmt: skip
    office.rec("zhang.wei", "party_committee.answered", "d1", answer_body(office))
    office.rec(*publish, publication(office, draft))
    assert decisions.get_decision(Ledger(office.store), "d1")["status"] == "published"


def test_an_answer_needs_a_report_and_follows_it(office: Bureau) -> None:
    office.decided()
    refused(
        office, "nothing to answer", "zhang.wei", "party_committee.answered", "d1",
        answer_body(office),
    )  # fmt: skip
    office.rec("huang.li", "party_committee.reported", "d1", report_body(office, "party-group"))
    early = {**answer_body(office), "answered_at": "2021-01-04"}
    error = refused(
        office, "Art. 31: answered on 2021-01-04, before the report",
        "zhang.wei", "party_committee.answered", "d1", early,
    )  # fmt: skip
    assert error.field == "answered_at"
    refused(
        office, "Art. 31: this is recorded for bureau-meeting or the Party committee",
        "wu.xia", "party_committee.answered", "d1", answer_body(office),
    )  # fmt: skip
    office.rec("zhou.min", "party_committee.answered", "d1", answer_body(office))  # a member


def test_agreement_with_changes_publishes_the_revision_made_after_it(office: Bureau) -> None:
    """Agreed with changes: the approved draft as it was is refused; an editorial revision of it
    recorded after the answer is what is published (G13 holds it to the approved draft)."""
    draft = office.ready()
    office.meeting("m1")
    office.item("d1", "m1", draft)
    office.speak("d1", "m1", dict.fromkeys(MEMBERS, "agree"))
    office.head("d1", "m1", "approve_with_editorial_changes")
    minutes(office)
    office.rec("huang.li", "party_committee.reported", "d1", report_body(office))
    answer = office.rec(
        "zhang.wei", "party_committee.answered", "d1", answer_body(office, "agreed_with_changes")
    )
    error = gate(
        office, "G12", "Art. 31", "publish_the_revision_the_party_committee_asked_for",
        "huang.li", "decision.published", "d1", publication(office, draft),
    )  # fmt: skip
    assert (error.field, error.breach.conflicting_seq) == ("published_doc", answer.seq)
    revised = office.draft(version=2, editorial_of=draft)
    office.rec("huang.li", "decision.published", "d1", publication(office, revised))


# -- the people's congress (Art. 8) --------------------------------------------------------------


def test_a_matter_in_the_npc_remit_is_reported_before_issue(office: Bureau) -> None:
    """Edition 2: the report to the people's congress standing committee comes before issue,
    and no longer holds up the legality review."""
    draft = office.decided(flags=["npc_remit"])  # the review went ahead without it
    office.issuable()
    publish = ("huang.li", "decision.published", "d1")
    gate(
        office, "G12", "Art. 8", "report_to_the_npc_standing_committee_first",
        *publish, publication(office, draft),
    )  # fmt: skip
    body = {
        "to": "示例区人大常委会",
        "reported_at": office.day.isoformat(),
        "doc": office.doc("报告"),
    }
    refused(
        office,
        "Art. 8: this is recorded for bureau-meeting",
        "zhao.lei",
        "npc.reported",
        "d1",
        body,
    )
    office.rec("huang.li", "npc.reported", "d1", body)
    office.rec(*publish, publication(office, draft))
    (report,) = accountability.check(Ledger(office.store), "d1")
    assert not [f for f in report["findings"] if f["check"] == "npc_report"]


def test_edition_1_keeps_the_npc_report_before_the_legality_review(bureau: Bureau) -> None:
    bureau.propose(flags=["npc_remit"])
    bureau.initiate()
    draft = bureau.draft()
    bureau.rec("zhao.lei", "legal_basis.recorded", "d1", {"items": [{"title": "《教育法》"}]})
    bureau.participate("d1", draft)
    refused(
        bureau, "G2 .*npc_report", "zhao.lei", "legality_review.submitted", "d1",
        {"draft": draft, "procedure_statement": "已履行"},
    )  # fmt: skip


# -- the final minutes (Art. 30, 33) -------------------------------------------------------------


def test_issue_waits_for_the_final_minutes(office: Bureau) -> None:
    draft = office.decided()
    office.rec("huang.li", "party_committee.reported", "d1", report_body(office))
    office.rec("zhang.wei", "party_committee.answered", "d1", answer_body(office))
    error = gate(
        office, "G12", "Art. 30, 33", "finalize_the_minutes_first",
        "huang.li", "decision.not_published", "d1", {"legal_basis": "依法不公开"},
    )  # fmt: skip
    assert "the minutes of m1, which took the decision" in error.message
    minutes(office)
    office.rec("huang.li", "decision.published", "d1", publication(office, draft))


def test_a_profile_may_issue_before_the_minutes(office: Bureau) -> None:
    profile(office, "minutes-later", 4, edition=2, minutes_before_publication=False)
    draft = office.decided()
    office.rec("huang.li", "party_committee.reported", "d1", report_body(office))
    office.rec("zhang.wei", "party_committee.answered", "d1", answer_body(office))
    office.rec("huang.li", "decision.published", "d1", publication(office, draft))


def test_edition_1_issues_on_the_party_report_alone(bureau: Bureau) -> None:
    """A decision under the edition-1 profile: no answer, no minutes, no materials needed."""
    draft = bureau.ready()
    bureau.meeting("m1")
    body = {"meeting": "m1", "item": 1, "draft": draft, "presenter": "zhao.lei"}
    bureau.rec("huang.li", "agenda_item.opened", "d1", body)
    bureau.speak("d1", "m1", dict.fromkeys(MEMBERS, "agree"))
    bureau.head("d1", "m1")
    bureau.rec("huang.li", "party_committee.reported", "d1", report_body(bureau, "party-group"))
    bureau.rec("huang.li", "decision.published", "d1", publication(bureau, draft))
    assert verify_ledger(store=bureau.store).ok


# -- the Art. 29 materials (G5) ------------------------------------------------------------------


def test_an_item_goes_before_the_meeting_with_its_materials(office: Bureau) -> None:
    draft = office.ready()
    office.meeting("m1")
    body = {"meeting": "m1", "item": 1, "draft": draft, "presenter": "zhao.lei"}
    args = ("huang.li", "agenda_item.opened", "d1")
    error = gate(office, "G5", "Art. 29", "table_the_art29_materials", *args, body)
    assert error.field == "materials"
    for kind in ("draft (", "explanation", "legality_opinion (", "public_participation ("):
        assert kind in error.message
    materials = office.materials(draft)
    other_opinion = {"kind": "legality_opinion", "doc": office.doc("另一份意见")}
    wrong = [m for m in materials if m["kind"] != "legality_opinion"] + [other_opinion]
    error = gate(
        office, "G5", "Art. 29", "table_the_art29_materials", *args, {**body, "materials": wrong}
    )
    assert error.message.count(";") == 1 and "legality_opinion (" in error.message
    unstored = [*materials, {"kind": "other", "doc": "ab" * 32}]
    refused(
        office, f"blob {'ab' * 32} is not in the ledger", *args, {**body, "materials": unstored}
    )
    office.rec(*args, {**body, "materials": materials})


# -- adjusting and stopping (Art. 37, G15) -------------------------------------------------------


def test_the_new_decision_names_the_decision_it_adjusts_or_stops(office: Bureau) -> None:
    office.executing("d1")
    office.decided("d2", "m2")  # decided, but its proposal names no decision
    body = {"kind": "modify", "new_decision": "d2", "reason": "政策调整"}
    error = gate(
        office, "G15", "Art. 37", "link_the_new_decision_to_this_one",
        "zhang.wei", "decision.adjusted", "d1", body,
    )  # fmt: skip
    assert "does not name d1 in its links as adjusts" in error.message
    assert error.field == "new_decision"
    office.decided("d3", "m3", links=[{"type": "adjusts", "target": "d1"}])
    stop = {"kind": "stop", "new_decision": "d3", "reason": "停止执行"}
    gate(
        office, "G15", "Art. 37", "link_the_new_decision_to_this_one",
        "zhang.wei", "decision.adjusted", "d1", stop,
    )  # fmt: skip
    office.rec("zhang.wei", "decision.adjusted", "d1", {**body, "new_decision": "d3"})
    assert decisions.get_decision(Ledger(office.store), "d1")["status"] == "adjusted"


def test_a_stop_names_the_decision_it_stops(office: Bureau) -> None:
    office.executing("d1")
    office.decided("d2", "m2", links=[{"type": "stops", "target": "d1"}])
    body = {"kind": "stop", "new_decision": "d2", "reason": "停止执行"}
    office.rec("zhang.wei", "decision.adjusted", "d1", body)
    assert decisions.get_decision(Ledger(office.store), "d1")["status"] == "stopped"


# -- the archive (Art. 33, G16) ------------------------------------------------------------------


def archive_body(bureau: Bureau, complete: bool) -> dict[str, Any]:
    return {
        "archive_no": "2021-永久-001",
        "retention": "permanent",
        "archived_at": bureau.day.isoformat(),
        "complete": complete,
    }


def test_a_file_is_complete_by_the_records_not_by_its_claim(office: Bureau) -> None:
    office.published()
    error = gate(
        office, "G16", "Art. 33", "claim_completeness_only_when_complete",
        "huang.li", "archive.filed", "d1", archive_body(office, True),
    )  # fmt: skip
    assert "lacks: execution unit (Art. 34)" in error.message
    assert error.field == "complete"
    office.rec("huang.li", "execution.assigned", "d1", {"units": ["basic-edu"]})
    office.rec("huang.li", "archive.filed", "d1", archive_body(office, True))


def test_a_file_declared_incomplete_is_taken(office: Bureau) -> None:
    office.published()
    office.rec("huang.li", "archive.filed", "d1", archive_body(office, False))


def later(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def test_the_archive_deadline_passes_by_itself(office: Bureau) -> None:
    """G16 fires with no entry: past the profile's deadline after the decision and with no
    archive record, the report read on that day has a violation at the decision's seq."""
    office.executing()
    ledger = Ledger(office.store)
    decided = decisions.get_decision(ledger, "d1")["decided"]
    assert decided is not None
    day = decided["at"][:10]
    (on_time,) = accountability.check(ledger, "d1", today=later(day, 30))
    assert not [f for f in on_time["findings"] if f["check"] == "archive_deadline"]
    (late,) = accountability.check(ledger, "d1", today=later(day, 45))
    (finding,) = [f for f in late["findings"] if f["check"] == "archive_deadline"]
    assert (finding["severity"], finding["basis"], finding["seq"]) == (
        "violation",
        "Art. 33",
        decided["seq"],
    )
    assert finding["message"].startswith("G16: not archived 45 days after")
    assert f"after the decision ({day}" in finding["message"]
    assert late["compliance_status"] == "non_compliant"
    office.store.close()
    shown = CliRunner().invoke(app, ["check", "d1", "--json"], env={"LEDGER_DB": str(office.db)})
    office.store = open_store(str(office.db))
    assert shown.exit_code == 0, shown.stderr
    checks = [f["check"] for f in json.loads(shown.stdout)["findings"]]
    assert "archive_deadline" in checks  # read today, years after 2021


def test_edition_1_reports_no_archive_deadline_by_itself(bureau: Bureau) -> None:
    bureau.executing()
    (report,) = accountability.check(Ledger(bureau.store), "d1", today="2030-01-01")
    assert not [f for f in report["findings"] if f["check"] == "archive_deadline"]


# -- execution (Art. 34) -------------------------------------------------------------------------


def test_execution_is_reported_by_a_member_of_an_execution_unit(office: Bureau) -> None:
    office.executing()
    body = {"period": "2021Q2", "status": "on_track", "summary": "按计划推进"}
    refused(
        office, r"Art. 34: execution is reported by a member of an execution unit \(basic-edu",
        "huang.li", "execution.reported", "d1", body,
    )  # fmt: skip
    office.rec("zhao.lei", "execution.reported", "d1", body)


# -- at the command line, and in `ledger verify` -------------------------------------------------


def test_a_refusal_at_the_cli_exits_7_and_writes_nothing(office: Bureau, tmp_path: Any) -> None:
    office.decided()
    office.store.close()
    body = tmp_path / "report.json"
    body.write_text(json.dumps(report_body(office, "legal-office")), encoding="utf-8")
    env = {"LEDGER_DB": str(office.db), "LEDGER_KEY_DIR": str(tmp_path / "keys")}
    args = ["record", "party_committee.reported", "--file", str(body), "--subject", "d1"]
    shown = CliRunner().invoke(app, [*args, "--as", "huang.li"], env=env)
    office.store = open_store(str(office.db))
    assert shown.exit_code == 7, shown.stderr
    lines = shown.stderr.splitlines()
    assert lines[0].startswith("error: G12 (Art. 31): legal-office is not the Party committee")
    assert "  field: body.to" in lines
    assert any(line.startswith("  to proceed: address the report to the Party") for line in lines)


def forged(bureau: Bureau, actor: str, kind: str, subject: str, body: dict[str, Any]) -> Any:
    """`kind` written around the application, validly signed by `actor`: what `ledger verify`
    reports of it."""
    bureau.store.close()
    head = open_store(str(bureau.db)).head()
    assert head is not None
    at = bureau.at()
    stmt = Statement(
        seq=head.seq + 1,
        prev=head.leaf_hash,
        type=kind,
        subject=subject,
        occurred_at=at,
        recorded_at=format_utc(datetime.fromisoformat(at)),
        actor=actor,
        key=bureau.keys[actor].key_id,
        body=body,
    )
    tamper.forge_append(str(bureau.db), stmt, bureau.keys[actor])
    bureau.store = open_store(str(bureau.db))
    report = verify_ledger(store=bureau.store)
    assert not report.ok
    return head.seq + 1, report


@pytest.mark.parametrize(
    ("case", "gate_id", "article"),
    [
        ("no_answer", "G12", "Art. 31"),
        ("not_agreed", "G12", "Art. 31"),
        ("wrong_committee", "G12", "Art. 31"),
        ("no_minutes", "G12", "Art. 30, 33"),
        ("no_npc_report", "G12", "Art. 8"),
        ("no_materials", "G5", "Art. 29"),
        ("unlinked", "G15", "Art. 37"),
        ("claimed_complete", "G16", "Art. 33"),
    ],
)
def test_verify_names_an_entry_forced_past_the_append(
    office: Bureau, case: str, gate_id: str, article: str
) -> None:
    """Each hard rule, broken by an entry forged into the database: `ledger verify` reports the
    gate and its article at the forged entry's seq."""
    over: dict[str, Any] = {"flags": ["npc_remit"]} if case == "no_npc_report" else {}
    if case == "no_materials":
        draft = office.ready()
        office.meeting("m1")
        body = {"meeting": "m1", "item": 1, "draft": draft, "presenter": "zhao.lei"}
        seq, report = forged(office, "huang.li", "agenda_item.opened", "d1", body)
    elif case == "unlinked":
        office.executing("d1")
        office.decided("d2", "m2")
        body = {"kind": "modify", "new_decision": "d2", "reason": "调整"}
        seq, report = forged(office, "zhang.wei", "decision.adjusted", "d1", body)
    elif case == "claimed_complete":
        office.published()
        seq, report = forged(office, "huang.li", "archive.filed", "d1", archive_body(office, True))
    elif case == "wrong_committee":
        office.decided()
        body = report_body(office, "legal-office")
        seq, report = forged(office, "huang.li", "party_committee.reported", "d1", body)
    else:
        draft = office.decided(**over)
        if case != "no_minutes":
            minutes(office)
        office.rec("huang.li", "party_committee.reported", "d1", report_body(office))
        if case != "no_answer":
            answer = "not_agreed" if case == "not_agreed" else "agreed"
            office.rec("zhang.wei", "party_committee.answered", "d1", answer_body(office, answer))
        body = publication(office, draft)
        seq, report = forged(office, "huang.li", "decision.published", "d1", body)
    failure = report.failures["gate"]
    assert failure.seq == seq
    assert failure.message.startswith(f"{gate_id} ({article}): ")


# -- what a form starts with ---------------------------------------------------------------------


def test_the_forms_offer_the_materials_and_the_answer_next(office: Bureau) -> None:
    """The agenda item's form starts with the Art. 29 materials the ledger holds (the
    explanation left to attach); after the Party report, the answer is the step due next."""
    draft = office.ready()
    ledger = Ledger(office.store)
    raw = recording.start(ledger, "agenda_item.opened", "d1")
    assert raw["materials"] == [
        {"kind": "draft", "doc": draft},
        {"kind": "explanation"},
        {"kind": "legality_opinion", "doc": office.doc("审查意见")},
        {"kind": "public_participation", "doc": office.doc("采纳情况")},
    ]
    office.meeting("m1")
    office.item("d1", "m1", draft)
    office.speak("d1", "m1", dict.fromkeys(MEMBERS, "agree"))
    office.head("d1", "m1")
    assert recording.next_steps(ledger, "d1")[0] == "party_committee.reported"
    office.rec("huang.li", "party_committee.reported", "d1", report_body(office))
    assert recording.next_steps(ledger, "d1")[0] == "party_committee.answered"
    office.rec("zhang.wei", "party_committee.answered", "d1", answer_body(office))
    assert recording.next_steps(ledger, "d1")[0] == "decision.published"


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("party_report_by_the_proposer", "Art. 31: this is recorded for bureau-meeting by"),
        ("npc_report_by_the_proposer", "Art. 8: this is recorded for bureau-meeting by"),
        ("execution_report_by_the_office", "Art. 34: execution is reported by a member"),
    ],
)
def test_verify_names_an_author_forced_past_the_append(
    office: Bureau, case: str, says: str
) -> None:
    """Who may record a step after the decision, broken by an entry forged into the database
    and signed by its (wrong) author: `ledger verify` names it at its seq."""
    if case == "execution_report_by_the_office":
        office.executing()
        body = {"period": "2021Q2", "status": "on_track", "summary": "按计划推进"}
        seq, report = forged(office, "huang.li", "execution.reported", "d1", body)
    elif case == "npc_report_by_the_proposer":
        office.decided(flags=["npc_remit"])
        body = {
            "to": "示例区人大常委会",
            "reported_at": office.day.isoformat(),
            "doc": office.doc("报告"),
        }
        seq, report = forged(office, "zhao.lei", "npc.reported", "d1", body)
    else:
        office.decided()
        seq, report = forged(
            office, "zhao.lei", "party_committee.reported", "d1", report_body(office)
        )
    failure = report.failures["authority"]
    assert failure.seq == seq
    assert says in failure.message
