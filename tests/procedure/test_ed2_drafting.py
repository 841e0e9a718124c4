"""The edition-2 checks of the drafting stage (Art. 10–27): who records a drafting step (the
undertaking unit, Art. 11), conclusions that forbid going on (Art. 24, 29(1)), exemptions from
a closed list of grounds (Art. 14, 22), periods kept rather than declared (Art. 15–16), and each
step's date against what it rests on. Each hard rule is also forced past the append and named by
`ledger verify` at its seq; a decision under an edition-1 profile keeps its old rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ledger.app import Ledger, decisions, demo
from ledger.cli import app
from ledger.entry import Statement, format_utc
from ledger.errors import GateRefusal
from ledger.procedure.gates import GATES
from ledger.procedure.remedies import remedy
from ledger.store import open_store
from ledger.verification import verify_ledger
from tests import tamper
from tests.procedure.bureau import Bureau
from tests.procedure.test_edition2 import profile, refused


@pytest.fixture
def office(bureau: Bureau) -> Bureau:
    """The bureau, its decisions held to edition 2 from now on."""
    profile(bureau, "edition-2", 3, edition=2)
    return bureau


def gate_refused(
    bureau: Bureau, gate: str, remedy_code: str, match: str, *args: Any, **kwargs: Any
) -> GateRefusal:
    """`bureau.rec(*args)` is refused by `gate` with `remedy_code`, nothing written."""
    error = refused(bureau, match, *args, **kwargs)
    assert isinstance(error, GateRefusal), error
    assert (error.gate, error.breach.remedy) == (gate, remedy_code)
    return error


def drafting(office: Bureau, ident: str = "d1", **over: Any) -> str:
    """A decision initiated, its unit assigned (basic-edu: zhao.lei), a first draft and its legal
    basis recorded; returns the draft."""
    office.propose(ident, **over)
    office.initiate(ident)
    draft = office.draft(ident)
    office.rec("zhao.lei", "legal_basis.recorded", ident, {"items": [{"title": "《教育法》"}]})
    return draft


def risk(office: Bureau, draft: str, conclusion: str, actor: str = "zhao.lei") -> int:
    body = {
        "draft": draft,
        "risk_points": ["家长负担"],
        "prevention_measures": ["分类收费"],
        "contingency_plan": "应急预案",
        "conclusion": conclusion,
        "report_doc": office.doc(f"风险评估报告 {conclusion}"),
    }
    return office.rec(actor, "risk_assessment.completed", "d1", body).seq


def fair(office: Bureau, draft: str, conclusion: str) -> int:
    body = {"draft": draft, "conclusion": conclusion, "opinion_doc": office.doc(conclusion)}
    return office.rec("zhao.lei", "fair_competition_review.completed", "d1", body).seq


def submission(draft: str) -> dict[str, Any]:
    return {"draft": draft, "procedure_statement": "已履行公众参与程序"}


def participation(draft: str, office: Bureau, methods: list[str] | None = None) -> dict[str, Any]:
    return {
        "draft": draft,
        "methods": methods or ["public_comment"],
        "opinions_received": 3,
        "adoption_report_doc": office.doc("采纳情况"),
    }


def comment(draft: str, office: Bureau, days: int, **over: Any) -> dict[str, Any]:
    return {
        "draft": draft,
        "channels": ["government_website"],
        "published_at": office.day.isoformat(),
        "deadline": (office.day + timedelta(days=days)).isoformat(),
        "explanation_doc": office.doc("说明"),
        **over,
    }


def hearing(draft: str, office: Bureau, **dates: str) -> dict[str, Any]:
    day = office.day
    body = {
        "draft": draft,
        "notice_published_at": (day - timedelta(days=20)).isoformat(),
        "selection_published_at": (day - timedelta(days=18)).isoformat(),
        "participants_published_at": (day - timedelta(days=12)).isoformat(),
        "materials_delivered_at": (day - timedelta(days=10)).isoformat(),
        "held_at": day.isoformat(),
        "record_doc": office.doc("听证笔录"),
    }
    return {**body, **dates}


# -- who records a drafting step (Art. 11) ----------------------------------------------------


def test_a_draft_is_recorded_by_the_undertaking_unit(office: Bureau) -> None:
    office.propose()
    office.initiate()
    body = {"version": 1, "doc": office.doc("第1稿"), "summary": "第1稿"}
    error = gate_refused(
        office, "G1", "draft_by_the_undertaking_unit", "Art. 11: draft.versioned for decision d1 "
        "is recorded by its undertaking unit .named at seq .*: zhao.lei; or a member of "
        "basic-edu on .*, not by huang.li",
        "huang.li", "draft.versioned", "d1", body,
    )  # fmt: skip
    assert error.breach.article == "Art. 10–11"
    office.rec("zhao.lei", "draft.versioned", "d1", body)


def test_a_member_of_a_co_unit_drafts_in_the_register_at_the_entrys_time(office: Bureau) -> None:
    """Not named in the assignment, but head of a co-unit (finance-office) on that day."""
    office.propose()
    office.rec("zhang.wei", "decision.initiated", "d1", {"by": "head"})
    unit = {"lead": "basic-edu", "co_units": ["finance-office"], "leaders": ["zhao.lei"]}
    office.rec("huang.li", "undertaking_unit.assigned", "d1", unit)
    office.rec("wang.qiang", "draft.versioned", "d1", {
        "version": 1, "doc": office.doc("第1稿"), "summary": "第1稿",
    })  # fmt: skip
    gate_refused(
        office, "G1", "draft_by_the_undertaking_unit", "not by wu.xia",
        "wu.xia", "legal_basis.recorded", "d1", {"items": [{"title": "《教育法》"}]},
    )  # fmt: skip


def test_steps_and_the_submission_come_from_the_undertaking_unit(office: Bureau) -> None:
    draft = drafting(office)
    gate_refused(
        office, "G1", "draft_by_the_undertaking_unit", "risk_assessment.completed .*not by sun.hao",
        "sun.hao", "risk_assessment.completed", "d1", {
            "draft": draft, "conclusion": "controllable", "already_assessed_ref": "维稳评估",
        },
    )  # fmt: skip
    office.participate("d1", draft)
    gate_refused(
        office, "G1", "draft_by_the_undertaking_unit", "legality_review.submitted .*by huang.li",
        "huang.li", "legality_review.submitted", "d1", submission(draft),
    )  # fmt: skip
    office.submit("d1", draft)
    refused(
        office, "not a member of the legality-review unit legal-office .*Art. 28",
        "zhao.lei", "legality_review.opinion", "d1", office.opinion_body(draft),
    )  # fmt: skip


def test_a_step_with_its_own_type_is_not_recorded_as_a_generic_step(office: Bureau) -> None:
    """Else a risk assessment could be recorded done without saying what it concluded."""
    draft = drafting(office)
    body = {"step": "risk_assessment", "draft": draft, "outcome": "已评估"}
    refused(
        office, "body.step: risk_assessment has its own entry type, .*record "
        "risk_assessment.completed", "zhao.lei", "step.completed", "d1", body,
    )  # fmt: skip
    office.rec("zhao.lei", "step.completed", "d1", {**body, "step": "integrity_review"})


# -- conclusions that forbid going on (Art. 24, 29(1)) ----------------------------------------


def test_a_risk_not_controllable_blocks_the_legality_review_until_reassessed(
    office: Bureau,
) -> None:
    first = drafting(office, flags=["stability_risk"])
    office.participate("d1", first)
    blocking = risk(office, first, "not_controllable")
    error = gate_refused(
        office, "G2", "conclude_otherwise_first", f"Art. 24: the risk assessment of "
        f"draft {first[:12]}… .seq {blocking}. concluded not_controllable",
        "zhao.lei", "legality_review.submitted", "d1", submission(first), at=office.at(1),
    )  # fmt: skip
    assert error.breach.conflicting_seq == blocking
    second = office.draft(version=2)
    refused(office, "G2 .*seq " + str(blocking), "zhao.lei", "legality_review.submitted", "d1",
            submission(second))  # fmt: skip
    risk(office, first, "controllable")  # the draft the block concerns: lifted
    office.submit("d1", second)
    state = decisions.get_decision(Ledger(office.store), "d1")
    assert state["status"] == "under_legality_review"


def test_a_later_assessment_of_an_older_draft_does_not_lift_the_block(office: Bureau) -> None:
    first = drafting(office)
    office.participate("d1", first)
    second = office.draft(version=2)
    blocking = risk(office, second, "not_controllable")
    risk(office, first, "controllable")
    refused(office, f"seq {blocking}. concluded not_controllable", "zhao.lei",
            "legality_review.submitted", "d1", submission(second))  # fmt: skip
    risk(office, second, "controllable_after_adjustment")
    office.submit("d1", second)


def test_a_failed_fair_competition_review_keeps_the_draft_off_the_agenda(office: Bureau) -> None:
    """The review fails after the legality opinion: the lawful draft still cannot go on the
    agenda (G5) until a later review passes."""
    draft = drafting(office)
    office.participate("d1", draft)
    office.submit("d1", draft)
    office.opinion("d1", draft)
    failed = fair(office, draft, "fails")
    office.meeting("m1")
    error = gate_refused(
        office, "G5", "conclude_otherwise_first", "Art. 29.1.: the fair-competition review of "
        f"draft {draft[:12]}… .seq {failed}. concluded fails",
        "huang.li", "agenda_item.opened", "d1",
        {"meeting": "m1", "item": 1, "draft": draft, "presenter": "zhao.lei"},
    )  # fmt: skip
    assert error.breach.conflicting_seq == failed
    fair(office, draft, "passes_after_changes")
    office.item("d1", "m1", draft)


# -- exemptions from a closed list (Art. 14, 22) ----------------------------------------------


def exemption(step: str, **over: Any) -> dict[str, Any]:
    return {"step": step, "determination": "exempt", "legal_basis": "时间紧", **over}


def test_free_text_does_not_exempt_a_step(office: Bureau) -> None:
    drafting(office)
    error = gate_refused(
        office, "G2", "ground_the_exemption", "the exemption of public_participation names no "
        "ground; the grounds for public_participation are not_disclosable_by_law .Art. 14.; a "
        "reason or legal basis in free text does not exempt a step",
        "zhao.lei", "step.determined", "d1", exemption("public_participation"),
    )  # fmt: skip
    assert error.field == "ground"
    gate_refused(
        office, "G2", "ground_the_exemption", "names 'urgent'",
        "zhao.lei", "step.determined", "d1", exemption("public_participation", ground="urgent"),
    )  # fmt: skip
    gate_refused(
        office, "G2", "ground_the_exemption", "neither Decree 713 nor the rule profile gives a "
        "ground to exempt expert_argumentation",
        "zhao.lei", "step.determined", "d1",
        exemption("expert_argumentation", ground="not_disclosable_by_law"),
    )  # fmt: skip


def test_not_disclosable_by_law_needs_the_decisions_confidentiality(office: Bureau) -> None:
    drafting(office)
    body = exemption("public_participation", ground="not_disclosable_by_law")
    error = gate_refused(
        office, "G2", "ground_the_exemption", "Art. 14: public_participation is exempt only for "
        "a matter not disclosable by law, and decision d1 was proposed as public",
        "zhao.lei", "step.determined", "d1", body,
    )  # fmt: skip
    assert error.breach.conflicting_seq is not None
    draft = drafting(
        office,
        "d2",
        confidentiality={"level": "not_disclosable_by_law", "legal_basis": "《保守国家秘密法》"},
    )
    office.rec("zhao.lei", "step.determined", "d2", body)
    office.submit("d2", draft)  # public participation, required by the profile, is exempt


def test_a_risk_already_assessed_and_a_local_ground_exempt(office: Bureau) -> None:
    local = {"step": "integrity_review", "ground": "audited_this_year", "source": "区实施办法第8条"}
    profile(office, "local-grounds", 4, edition=2, exemption_grounds=[local])
    drafting(office, flags=["stability_risk"])
    office.rec("zhao.lei", "step.determined", "d1", exemption(
        "risk_assessment", ground="already_assessed", legal_basis="已按维稳规定评估",
    ))  # fmt: skip
    office.rec("zhao.lei", "step.determined", "d1", exemption(
        "integrity_review", ground="audited_this_year",
    ))  # fmt: skip
    gate_refused(
        office, "G2", "ground_the_exemption", "audited_this_year", "zhao.lei", "step.determined",
        "d1", exemption("hearing", ground="audited_this_year"),
    )  # fmt: skip
    steps = decisions.get_decision(Ledger(office.store), "d1")["steps"]
    assert steps["risk_assessment"]["ground"] == "already_assessed"


# -- periods kept, not declared (Art. 15–16) --------------------------------------------------


def test_participation_by_public_comment_rests_on_an_opening_and_its_period(
    office: Bureau,
) -> None:
    draft = drafting(office)
    body = participation(draft, office)
    error = gate_refused(
        office, "G3", "keep_the_comment_period", "no comment was opened",
        "zhao.lei", "public_participation.completed", "d1", body,
    )  # fmt: skip
    assert error.field == "methods"
    opened = office.rec("zhao.lei", "public_comment.opened", "d1", comment(draft, office, 30))
    deadline = (office.day + timedelta(days=30)).isoformat()
    gate_refused(
        office, "G3", "keep_the_comment_period", f"before the comment period opened at seq "
        f"{opened.seq} ends .{deadline}.",
        "zhao.lei", "public_participation.completed", "d1", body, at=office.at(1),
    )  # fmt: skip
    office.rec("zhao.lei", "public_participation.completed", "d1", body, at=office.at(29))


def test_a_shortened_period_is_kept_with_its_reason(office: Bureau) -> None:
    draft = drafting(office)
    body = comment(draft, office, 10, exceptions={"G3": "汛期前须完成"})
    office.rec("zhao.lei", "public_comment.opened", "d1", body)
    office.rec("zhao.lei", "public_participation.completed", "d1",
               participation(draft, office), at=office.at(10))  # fmt: skip


def test_a_comment_on_an_earlier_draft_counts_not_one_on_a_newer(office: Bureau) -> None:
    """The result of a comment period is reported on the draft revised in answer to it."""
    first = drafting(office)
    office.rec("zhao.lei", "public_comment.opened", "d1", comment(first, office, 30))
    second = office.draft(version=2)
    office.rec("zhao.lei", "public_participation.completed", "d1",
               participation(second, office), at=office.at(30))  # fmt: skip
    third = office.draft(version=3)
    office.rec("zhao.lei", "public_comment.opened", "d1", comment(third, office, 30))
    gate_refused(
        office, "G3", "keep_the_comment_period", "is on draft v3, newer than the draft this "
        "result names .v2.",
        "zhao.lei", "public_participation.completed", "d1", participation(second, office),
        at=office.at(31),
    )  # fmt: skip


def test_a_hearings_dates_are_in_order_and_not_in_the_future(office: Bureau) -> None:
    draft = drafting(office)
    office.at(30)
    late_list = hearing(draft, office, participants_published_at=office.day.isoformat())
    error = gate_refused(
        office, "G4", "date_the_hearing_in_order", "materials_delivered_at .* is before "
        "participants_published_at", "zhao.lei", "hearing.held", "d1", late_list,
    )  # fmt: skip
    assert error.field == "materials_delivered_at"
    tomorrow = (office.day + timedelta(days=1)).isoformat()
    gate_refused(
        office, "G4", "date_the_hearing_in_order", f"held on {tomorrow}, after this entry's own "
        "date", "zhao.lei", "hearing.held", "d1", hearing(draft, office, held_at=tomorrow),
    )  # fmt: skip
    office.rec("zhao.lei", "hearing.held", "d1", hearing(draft, office))


# -- each step's date against what it rests on ------------------------------------------------


def test_a_step_is_not_dated_before_its_draft_nor_a_submission_before_its_steps(
    office: Bureau,
) -> None:
    draft = drafting(office)
    earlier = f"{(office.day - timedelta(days=1)).isoformat()}T10:00:00+08:00"
    body = {"draft": draft, "conclusion": "passes", "opinion_doc": office.doc("审查")}
    error = refused(
        office, "Art. 29.1.: the fair_competition_review step is dated .*, before the draft it "
        "names was versioned", "zhao.lei", "fair_competition_review.completed", "d1", body,
        at=earlier, recorded=office.at(),
    )  # fmt: skip
    assert error.message.startswith("fair_competition_review.completed: occurred_at:")
    office.participate("d1", draft)
    completed = office.day
    before_it = f"{(completed - timedelta(days=2)).isoformat()}T10:00:00+08:00"
    refused(
        office, "Art. 26: submitted for legality review on .*, before the public_participation "
        "step", "zhao.lei", "legality_review.submitted", "d1", submission(draft), at=before_it,
        recorded=office.at(1),
    )  # fmt: skip
    office.submit("d1", draft)


def test_an_edition_1_decision_keeps_its_rules(bureau: Bureau) -> None:
    """The same hollow entries, under the edition-1 profile: accepted as before, and the ledger
    verifies."""
    bureau.propose()
    bureau.initiate()
    draft = bureau.doc("第1稿")
    bureau.rec("huang.li", "draft.versioned", "d1", {"version": 1, "doc": draft, "summary": "1"})
    bureau.rec("zhao.lei", "legal_basis.recorded", "d1", {"items": [{"title": "《教育法》"}]})
    bureau.rec("zhao.lei", "step.determined", "d1", exemption("public_participation"))
    risk(bureau, draft, "not_controllable", actor="sun.hao")
    bureau.rec("zhao.lei", "public_participation.completed", "d1", participation(draft, bureau))
    bureau.submit("d1", draft)
    steps = decisions.get_decision(Ledger(bureau.store), "d1")["steps"]
    assert (
        "blocked" not in steps["risk_assessment"] and "ground" not in steps["public_participation"]
    )
    assert verify_ledger(store=bureau.store).ok


# -- forced past the append: `ledger verify` names it at its seq ------------------------------


def forge(office: Bureau, actor: str, kind: str, body: dict[str, Any], at: str) -> int:
    """Append a validly signed entry around the application; return its seq."""
    office.store.close()
    head = open_store(str(office.db)).head()
    assert head is not None
    stmt = Statement(
        seq=head.seq + 1,
        prev=head.leaf_hash,
        type=kind,
        subject="d1",
        occurred_at=at,
        recorded_at=format_utc(datetime.fromisoformat(at)),
        actor=actor,
        key=office.keys[actor].key_id,
        body=body,
    )
    tamper.forge_append(str(office.db), stmt, office.keys[actor])
    office.store = open_store(str(office.db))
    return stmt.seq


def _draft_by_another(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    drafting(office)
    return "huang.li", "draft.versioned", {"version": 2, "doc": office.doc("2"), "summary": "2"}


def _submitted_while_blocked(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    draft = drafting(office)
    office.participate("d1", draft)
    risk(office, draft, "not_controllable")
    return "zhao.lei", "legality_review.submitted", submission(draft)


def _exempt_by_free_text(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    drafting(office)
    return "zhao.lei", "step.determined", exemption("public_participation")


def _participation_without_comment(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    draft = drafting(office)
    return "zhao.lei", "public_participation.completed", participation(draft, office)


def _hearing_out_of_order(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    draft = drafting(office)
    office.at(30)
    return "zhao.lei", "hearing.held", hearing(draft, office, notice_published_at="2021-12-31")


def _agenda_while_blocked(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    draft = drafting(office)
    office.participate("d1", draft)
    office.submit("d1", draft)
    office.opinion("d1", draft)
    fair(office, draft, "fails")
    office.meeting("m1")
    body = {"meeting": "m1", "item": 1, "draft": draft, "presenter": "zhao.lei"}
    return "huang.li", "agenda_item.opened", body


def _exempt_though_public(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    drafting(office)
    body = exemption("public_participation", ground="not_disclosable_by_law")
    return "zhao.lei", "step.determined", body


def _participation_before_the_deadline(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    draft = drafting(office)
    office.rec("zhao.lei", "public_comment.opened", "d1", comment(draft, office, 30))
    return "zhao.lei", "public_participation.completed", participation(draft, office)


def _hearing_held_later(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    draft = drafting(office)
    office.at(30)
    return "zhao.lei", "hearing.held", hearing(draft, office, held_at="2021-12-31")


def _generic_risk_step(office: Bureau) -> tuple[str, str, dict[str, Any]]:
    draft = drafting(office)
    body = {"step": "risk_assessment", "draft": draft, "outcome": "可控"}
    return "zhao.lei", "step.completed", body


Forged = Callable[[Bureau], tuple[str, str, dict[str, Any]]]


@pytest.mark.parametrize(
    ("setup", "kind", "start"),
    [
        (_draft_by_another, "gate", "G1 (Art. 10–11): Art. 11: draft.versioned for decision d1"),
        (_submitted_while_blocked, "gate", "G2 (Art. 27(2), 29): Art. 24: the risk assessment of"),
        (_exempt_by_free_text, "gate", "G2 (Art. 27(2), 29): the exemption of public_part"),
        (_exempt_though_public, "gate", "G2 (Art. 27(2), 29): Art. 14: public_participation is"),
        (_participation_before_the_deadline, "gate", "G3 (Art. 15): participation by public "),
        (_hearing_held_later, "gate", "G4 (Art. 16): the hearing is recorded as held on 2021-12"),
        (_generic_risk_step, "authority", "step.completed: body.step: risk_assessment has its"),
        (_participation_without_comment, "gate", "G3 (Art. 15): participation by public comment"),
        (_hearing_out_of_order, "gate", "G4 (Art. 16): selection_published_at (2021-"),
        (_agenda_while_blocked, "gate", "G5 (Art. 25): Art. 29(1): the fair-competition review"),
    ],
)
def test_verify_names_a_hard_rule_forced_past_the_append(
    office: Bureau, setup: Forged, kind: str, start: str
) -> None:
    actor, entry_type, body = setup(office)
    seq = forge(office, actor, entry_type, body, office.at(1))
    failure = verify_ledger(store=office.store).failures[kind]
    assert failure.seq == seq
    assert failure.message.startswith(start), failure.message


def test_verify_names_a_step_dated_before_its_draft(office: Bureau) -> None:
    draft = drafting(office)
    body = {"draft": draft, "conclusion": "passes", "opinion_doc": office.doc("审查")}
    earlier = f"{(office.day - timedelta(days=1)).isoformat()}T10:00:00+08:00"
    office.at(1)
    seq = forge(office, "zhao.lei", "fair_competition_review.completed", body, earlier)
    failure = verify_ledger(store=office.store).failures["authority"]
    assert failure.seq == seq
    assert "before the draft it names was versioned" in failure.message


def test_verify_names_a_submission_dated_before_a_step_it_reports(office: Bureau) -> None:
    draft = drafting(office)
    office.participate("d1", draft)
    before_it = f"{(office.day - timedelta(days=2)).isoformat()}T10:00:00+08:00"
    office.at(1)
    seq = forge(office, "zhao.lei", "legality_review.submitted", submission(draft), before_it)
    failure = verify_ledger(store=office.store).failures["authority"]
    assert failure.seq == seq
    assert "Art. 26: submitted for legality review on" in failure.message


def test_a_local_ground_names_a_step_there_is(office: Bureau) -> None:
    local = {"step": "integrity_check", "ground": "audited", "source": "区实施办法第8条"}
    refused(
        office, "body.rules.exemption_grounds.0.step: no step 'integrity_check'",
        "li.na", "rule_profile.versioned", "typo", {
            "version": 4, "effective_from": "2021-01-01", "reason": "本地规定",
            "rules": {"edition": 2, "exemption_grounds": [local]},
        },
    )  # fmt: skip


def test_a_hearing_notice_publishes_a_draft_that_exists(office: Bureau) -> None:
    draft = drafting(office)
    office.at(30)
    early = (office.day - timedelta(days=40)).isoformat()
    refused(
        office, "body.notice_published_at: Art. 16: the draft is published on .*, before it was "
        "versioned", "zhao.lei", "hearing.held", "d1",
        hearing(draft, office, notice_published_at=early),
    )  # fmt: skip


# -- at the command line ----------------------------------------------------------------------


def run(built: demo.Demo, *args: str) -> Result:
    env = {
        "LEDGER_DB": str(built.db),
        "LEDGER_KEY_DIR": str(built.key_dir),
        "LEDGER_PASSPHRASE": built.passphrase,
    }
    return CliRunner().invoke(app, list(args), env=env)


def record(built: demo.Demo, tmp_path: Path, kind: str, actor: str, subject: str,
           body: dict[str, Any]) -> Result:  # fmt: skip
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return run(built, "record", kind, "--file", str(path), "--as", actor, "--subject", subject)


def test_an_exemption_by_free_text_at_the_cli(tmp_path: Path) -> None:
    """Exit 7, the gate and its article, the rule, the field and what to do; nothing written."""
    built = demo.build(tmp_path / "demo")
    rules = {
        "version": 3,
        "effective_from": "2021-01-01",
        "rules": {**demo.DISTRICT_RULES, "edition": 2},
        "reason": "实施办法修订",
    }
    ok = record(built, tmp_path, "rule_profile.versioned", "li.na", "district-2021", rules)
    assert ok.exit_code == 0, ok.stderr
    proposal = {
        "title": "示例区中小学校外培训机构监管办法",
        "summary": "规范校外培训。",
        "organ": "bureau-meeting",
        "applicability": "by_reference_art42",
        "source": "leadership",
        "scope": {"art3_category": 1, "outside_catalog_reason": "年中新增"},
        "confidentiality": {"level": "public"},
    }
    path = tmp_path / "proposal.json"
    path.write_text(json.dumps(proposal, ensure_ascii=False), encoding="utf-8")
    made = run(built, "decision", "new", "--file", str(path), "--as", "zhao.lei")
    assert made.exit_code == 0, made.stderr
    ident = made.stdout.strip()
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("decision.initiated", "zhang.wei", {"by": "head"}),
        ("undertaking_unit.assigned", "huang.li", {"lead": "basic-edu", "leaders": ["zhao.lei"]}),
    ]
    for kind, actor, body in steps:
        done = record(built, tmp_path, kind, actor, ident, body)
        assert done.exit_code == 0, done.stderr
    before = run(built, "log").stdout.count("\n")
    result = record(
        built, tmp_path, "step.determined", "zhao.lei", ident, exemption("public_participation")
    )
    assert result.exit_code == 7
    assert result.stderr.splitlines() == [
        "error: G2 (Art. 27(2), 29): the exemption of public_participation names no ground; the "
        "grounds for public_participation are not_disclosable_by_law (Art. 14); a reason or "
        "legal basis in free text does not exempt a step; nothing was written",
        f"  rule: {GATES['G2'].rule}",
        "  field: body.ground",
        f"  to proceed: {remedy('ground_the_exemption')}",
    ]
    assert run(built, "log").stdout.count("\n") == before
