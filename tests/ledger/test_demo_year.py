"""The demo's 2020 as a model year: every decided matter has the complete record (its agenda
item's Art. 29 materials, final minutes confirmed before publication, the Party committee report,
an execution unit that reports, an archive in time), each step signed by whom the law expects and
recorded when it happened, under edition 2 of the checks; and `ledger check` finds only what the
story scripts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from typer.testing import CliRunner

from ledger.app import Ledger, demo
from ledger.app.decisions import profile_of
from ledger.authority import Directory
from ledger.cli import app
from ledger.entry import Statement
from ledger.procedure.calendars import CHINA_2020
from ledger.procedure.profile import EDITION_2_PROFILE_NAME, days_between
from ledger.registry import REGISTRY
from ledger.store import SqlStore, open_store

DECIDED = ["d2020-01", "d2020-02", "d2020-03", "d2020-04", "d2020-05"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    return demo.build(tmp_path_factory.mktemp("year") / "d", seed=b"year", edition=2)


@pytest.fixture(scope="module")
def store(built: demo.Demo) -> Iterator[SqlStore]:
    opened = open_store(str(built.db))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def statements(store: SqlStore) -> list[Statement]:
    return [store.get(seq).statement for seq in range(store.count())]


@pytest.fixture(scope="module")
def directory(store: SqlStore) -> Directory:
    return store.directory()


def of(statements: list[Statement], kind: str, subject: str | None = None) -> list[Statement]:
    return [s for s in statements if s.type == kind and subject in (None, s.subject)]


def test_the_year_is_held_to_edition_2_under_the_district_rules(
    store: SqlStore, statements: list[Statement]
) -> None:
    assert statements[0].body["rule_profile"] == EDITION_2_PROFILE_NAME
    (versioned,) = of(statements, "rule_profile.versioned")
    assert versioned.body["rules"] == demo.DEMO_RULES
    assert demo.DEMO_RULES == {
        **demo.DISTRICT_RULES,
        "edition": 2,
        "calendar": {"2020": CHINA_2020},
    }
    profile = profile_of(Ledger(store), "example-district-2020")
    assert profile.edition == 2 and profile.party_committee == "party-group"


def test_every_agenda_item_lays_its_materials_before_the_meeting(
    store: SqlStore, statements: list[Statement]
) -> None:
    """Art. 29: the draft, its explanation, its legality opinion and every step's result, each
    a stored document (the item refused at the legality gate carried them too)."""
    items = of(statements, "agenda_item.opened")
    assert [i.subject for i in items] == [
        "d2020-04",
        "d2020-01",
        "d2020-02",
        "d2020-03",
        "d2020-05",
    ]
    for item in items:
        kinds = [m["kind"] for m in item.body["materials"]]
        assert kinds[:3] == ["draft", "explanation", "legality_opinion"], item.subject
        assert item.body["materials"][0]["doc"] == item.body["draft"]
        for material in item.body["materials"]:
            assert store.blob(material["doc"]), (item.subject, material)
        opinion = item.body["materials"][2]["doc"]
        (reviewed,) = [
            o
            for o in of(statements, "legality_review.opinion", item.subject)
            if o.body["opinion_doc"] == opinion
        ]
        assert reviewed.body["draft"] == item.body["draft"] and reviewed.body["opinion"] == (
            "lawful"
        )
    by_decision = {i.subject: [m["kind"] for m in i.body["materials"]][3:] for i in items}
    assert by_decision == {
        "d2020-01": ["public_participation", "risk_assessment"],
        "d2020-02": ["public_participation", "hearing", "public_participation"],
        "d2020-03": ["fair_competition_review", "public_participation"],
        "d2020-04": ["public_participation"],
        "d2020-05": ["public_participation"],
    }


def test_every_decided_matter_has_its_complete_record(
    store: SqlStore, statements: list[Statement], directory: Directory
) -> None:
    profile = profile_of(Ledger(store), "example-district-2020")
    for ident in DECIDED:
        (decided,) = of(statements, "head_decision.made", ident)
        meeting = decided.body["meeting"]
        (minutes,) = of(statements, "minutes.finalized", meeting)
        (published,) = of(statements, "decision.published", ident)
        (reported,) = of(statements, "party_committee.reported", ident)
        # final minutes, confirmed by every member present, before the Party report and the issue
        (attendance,) = of(statements, "attendance.recorded", meeting)
        confirmed = [c.actor for c in of(statements, "minutes.confirmed", meeting)]
        assert sorted(confirmed) == sorted(attendance.body["present"]), ident
        assert decided.seq < minutes.seq < reported.seq < published.seq, ident
        assert reported.body["to"] == profile.party_committee
        # an execution unit, and a report from one of its members
        (assigned,) = of(statements, "execution.assigned", ident)
        reports = of(statements, "execution.reported", ident)
        assert reports, ident
        for report in reports:
            day = report.occurred_at[:10]
            assert any(directory.roles_at(report.actor, u, day) for u in assigned.body["units"])
        # archived within the profile's deadline, counted from the decision
        (archived,) = of(statements, "archive.filed", ident)
        days = days_between(decided.occurred_at[:10], archived.body["archived_at"])
        assert days <= profile.archive_deadline_days, ident


def test_each_step_is_signed_by_whom_the_law_expects(
    statements: list[Statement], directory: Directory
) -> None:
    units = {s.subject: s.body for s in of(statements, "undertaking_unit.assigned")}
    for draft in of(statements, "draft.versioned"):
        unit = units[draft.subject]
        assert draft.actor in unit["leaders"] + unit["drafters"], draft.seq
    for opinion in of(statements, "legality_review.opinion"):
        day = opinion.occurred_at[:10]
        assert directory.roles_at(opinion.actor, "legal-office", day), opinion.seq
    for initiated in of(statements, "decision.initiated"):
        day = initiated.occurred_at[:10]
        assert "head" in directory.roles_at(initiated.actor, "bureau-meeting", day)
    for report in of(statements, "party_committee.reported"):
        assert directory.roles_at(report.actor, "general-office", report.occurred_at[:10])


def test_every_step_is_recorded_when_it_happened(statements: list[Statement]) -> None:
    """The year is recorded in business time: no step waits to be written down."""
    for statement in statements:
        occurred = datetime.fromisoformat(statement.occurred_at)
        recorded = datetime.fromisoformat(statement.recorded_at.replace("Z", "+00:00"))
        assert recorded == occurred, statement.seq


def test_periods_are_kept_and_dated_in_order(statements: list[Statement]) -> None:
    """Art. 15–16: a comment period opens before participation completes and runs to its
    deadline; a hearing's notice, selection, participants and materials come before it."""
    for done in of(statements, "public_participation.completed"):
        assert "public_comment" in done.body["methods"]
        (opened,) = [
            o
            for o in of(statements, "public_comment.opened", done.subject)
            if o.body["draft"] == done.body["draft"]
        ]
        assert opened.seq < done.seq
        assert done.occurred_at[:10] >= opened.body["deadline"]
    (hearing,) = of(statements, "hearing.held")
    dates = [
        hearing.body[k]
        for k in (
            "notice_published_at",
            "selection_published_at",
            "participants_published_at",
            "materials_delivered_at",
            "held_at",
        )
    ]
    assert dates == sorted(dates) and dates[-1] <= hearing.occurred_at[:10]


def test_the_adjusting_decision_names_what_it_adjusts_in_its_own_proposal(
    statements: list[Statement],
) -> None:
    (proposal,) = of(statements, "decision.proposed", "d2020-05")
    assert proposal.body["links"] == [{"type": "adjusts", "target": "d2020-04"}]
    (adjusted,) = of(statements, "decision.adjusted", "d2020-04")
    assert adjusted.body["new_decision"] == "d2020-05"


def test_ledger_check_finds_only_what_the_story_scripts(built: demo.Demo) -> None:
    """The shortened comment period with its reason, and the matter left undecided; nothing
    else."""
    env = {"LEDGER_DB": str(built.db), "LEDGER_KEY_DIR": str(built.key_dir)}
    result = CliRunner().invoke(app, ["check", "--all", "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    findings = [(r["decision"], f["check"], f["severity"]) for r in reports for f in r["findings"]]
    assert findings == [("d2020-07", "legal_basis", "pending")]
    exceptions = [
        (r["decision"], e["gate"], e["reason"][:8]) for r in reports for e in r["exceptions"]
    ]
    assert exceptions == [("d2020-05", "G3", "寒假前须完成修订")]
    incomplete = {r["decision"]: r["missing_records"] for r in reports if r["missing_records"]}
    assert incomplete == {"d2020-07": ["the collective decision (the matter is drafting)"]}


def test_the_party_committee_answers_each_report_where_the_schema_has_the_answer(
    statements: list[Statement],
) -> None:
    """Art. 31: the answer is the Party group's, structured, before the issue; a release whose
    schema lacks `party_committee.answered` records the report alone."""
    answers = of(statements, demo.PARTY_ANSWER)
    if demo.PARTY_ANSWER not in REGISTRY:
        assert answers == []
        return
    for ident in DECIDED:
        (reported,) = of(statements, "party_committee.reported", ident)
        (answer,) = of(statements, demo.PARTY_ANSWER, ident)
        (published,) = of(statements, "decision.published", ident)
        assert reported.seq < answer.seq < published.seq
        assert answer.body["answer"] == "agreed" and answer.actor == demo.PARTY_SECRETARY
