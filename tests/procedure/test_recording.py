"""Recording as a form does it: forms derived from the bodies, fields checked with the ledger's
own rules, refusals explained before anything is signed, the meeting's speaking order with the
head last, members signing or confirming their own positions, documents attached from files.

Every test works on a real bureau ledger (SQLite), and checks the ledger's state afterwards."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from ledger.app import Ledger, appending, decisions, entries, forms, meeting, minutes, recording
from ledger.append import Draft
from ledger.errors import GateRefusal, InputError
from ledger.procedure import bodies
from ledger.procedure.gates import GATES
from ledger.procedure.model import Agenda
from ledger.registry import lookup
from tests.procedure.bureau import ALL, MEMBERS, Bureau, open_copy


@pytest.fixture
def office(bureau_template: Path, tmp_path: Path) -> Iterator[Bureau]:
    """The bureau on SQLite (what these tests check does not depend on the backend)."""
    yield from open_copy(bureau_template, tmp_path / "ledger.db")


def when(bureau: Bureau, days: int = 0) -> tuple[str, datetime]:
    at = bureau.at(days)
    return at, datetime.fromisoformat(at)


def at_now(bureau: Bureau, now: datetime | None = None, actor: str | None = None) -> Ledger:
    """The bureau's ledger as the app layer holds it, its clock stopped at `now` (default: the
    bureau's business time), with `actor` as who is signing."""
    moment = now or when(bureau)[1]
    ledger = Ledger(bureau.store, clock=lambda: moment)
    ledger.actor = actor
    return ledger


def preflight(bureau: Bureau, actor: str, kind: str, subject: str, body: dict[str, Any]) -> Any:
    at, now = when(bureau)
    ledger = at_now(bureau, now)
    return appending.preflight(ledger, kind, subject, body, actor, occurred_at=at).refusal


def record(bureau: Bureau, actor: str, kind: str, subject: str, body: dict[str, Any]) -> Any:
    at, now = when(bureau)
    draft = Draft(kind, subject, body, actor, bureau.keys[actor], at)
    return appending.record_draft(at_now(bureau, now), draft)


def state(bureau: Bureau, ident: str = "d1") -> Any:
    """The decision's state, read as loosely as a test reads it."""
    return decisions.get_decision(Ledger(bureau.store), ident)


# -- forms ---------------------------------------------------------------------------------------


def test_every_procedure_type_has_a_form_whose_fields_are_its_body() -> None:
    for name, schema, _ in bodies.TYPES:
        spec = forms.form(name)
        keys = {f.alias or n for n, f in schema.model_fields.items()} - {"exceptions"}
        assert {f.name for f in spec.fields} == keys, name
        assert spec.exceptions == ("exceptions" in schema.model_fields)
    assert [f.type for f in forms.forms() if f.exceptions] == [
        "public_comment.opened",
        "hearing.held",
        "legality_review.opinion",
        "archive.filed",
    ]


def test_field_kinds_follow_what_the_field_names() -> None:
    proposed = forms.form("decision.proposed")
    kinds = {f.name: (f.kind, f.required, f.many) for f in proposed.fields}
    assert kinds["title"] == ("line", True, False)
    assert kinds["summary"] == ("text", True, False)
    assert kinds["organ"] == ("organ", True, False)
    assert kinds["scope"] == ("group", True, False)
    assert kinds["flags"] == ("choice", False, True)
    assert kinds["personnel"] == ("person", False, True)
    assert kinds["proposal_doc"] == ("blob", False, False)
    assert kinds["amount_fen"] == ("int", False, False)
    assert proposed.field("scope.art3_category").kind == "int"
    assert proposed.field("source").choices[0] == "leadership"
    assert forms.form("agenda_item.opened").field("draft").kind == "draft"
    assert forms.form("agenda_item.opened").field("meeting").kind == "meeting"
    assert forms.form("decision.superseded").field("by").kind == "decision"
    basis = forms.form("legal_basis.recorded").field("items")
    assert (basis.kind, basis.many, basis.min_items) == ("group", True, 1)
    assert forms.form("meeting.convened").subject == "meeting"
    with pytest.raises(InputError, match="not recorded through a form"):
        forms.form("person.registered")
    with pytest.raises(InputError, match="unknown entry type"):
        forms.form("decision.bogus")


def test_a_form_typed_as_text_makes_the_body_the_ledger_signs() -> None:
    raw = {
        "title": " 课后服务实施方案 ",
        "summary": "提请研究。\n第二段。",
        "organ": "bureau-meeting",
        "scope": {"art3_category": "1", "outside_catalog_reason": "年中新增", "catalog": ""},
        "applicability": "direct",
        "confidentiality": {"level": "public", "legal_basis": ""},
        "source": "leadership",
        "flags": "technical，urgent",
        "amount_fen": "1,200,000",
        "personnel": "",
        "links": [{"type": "", "target": ""}],
    }
    body, problems = forms.build_body("decision.proposed", raw)
    assert problems == {}
    assert body == {
        "title": "课后服务实施方案",
        "summary": "提请研究。\n第二段。",
        "organ": "bureau-meeting",
        "scope": {"art3_category": 1, "outside_catalog_reason": "年中新增"},
        "applicability": "direct",
        "confidentiality": {"level": "public"},
        "source": "leadership",
        "flags": ["technical", "urgent"],
        "amount_fen": 1_200_000,
    }
    assert lookup("decision.proposed").validate(body) == body


def test_each_wrong_field_is_named_with_a_code_a_screen_can_translate() -> None:
    raw = {
        "title": "",
        "summary": "x",
        "organ": "局 办公会",
        "scope": {"art3_category": "9"},
        "applicability": "nope",
        "source": "leadership",
        "flags": "technical urgentx",
        "amount_fen": "1.5",
        "proposal_doc": "abc",
        "confidentiality": {"level": "public"},
    }
    _, problems = forms.build_body("decision.proposed", raw)
    codes = {path: (e.code, e.params.get("value")) for path, e in problems.items()}
    assert codes == {
        "title": ("required", None),
        "organ": ("id", "局 办公会"),
        "scope.art3_category": ("range", 9),
        "applicability": ("choice", "nope"),
        "flags.1": ("choice", "urgentx"),
        "amount_fen": ("not_int", "1.5"),
        "proposal_doc": ("hash", "abc"),
    }
    assert problems["scope.art3_category"].params["le"] == 5
    day = forms.form("decision.published").field("published_at")
    error = forms.check_field(day, "2021-02-30")
    assert error is not None and error.code == "day"
    text = forms.form("decision.proposed").field("summary")
    error = forms.check_field(text, "a\x00b")
    assert error is not None and error.code == "control"
    basis = forms.form("legal_basis.recorded")
    _, problems = forms.build_body(basis.type, {"items": [{"title": ""}]})
    assert problems["items"].code == "required"


def _taken(kind: str, body: dict[str, Any]) -> bool:
    try:
        lookup(kind).validate(body)
    except InputError:
        return False
    return True


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=220))
def test_a_field_is_fine_exactly_when_the_ledger_takes_it(typed: str) -> None:
    """As-you-type checking and the ledger agree on every string (a blank field is an empty
    one: a form does not sign whitespace). A text keeps what was typed; a line is trimmed."""
    reason = forms.form("decision.not_initiated").field("reason")
    fine = forms.check_field(reason, typed) is None
    assert fine == (bool(typed.strip()) and _taken("decision.not_initiated", {"reason": typed}))
    to = forms.form("archive.transferred").field("to")
    fine = forms.check_field(to, typed) is None
    body = {"to": typed.strip(), "transferred_at": "2021-01-01"}
    assert fine == (bool(typed.strip()) and _taken("archive.transferred", body))


# -- refusals ------------------------------------------------------------------------------------


def test_a_hard_gate_is_explained_before_signing_and_refused_the_same_at_append(
    office: Bureau,
) -> None:
    office.propose()
    doc = office.doc("第1稿")
    body = {"version": 1, "doc": doc, "summary": "第1稿"}
    before = office.count()
    refusal = preflight(office, "zhao.lei", "draft.versioned", "d1", body)
    assert refusal is not None
    assert refusal.breach == GATES["G1"].breach(refusal.message)
    assert (refusal.gate, refusal.breach.citation, refusal.breach.strength) == (
        "G1",
        "Art. 10–11",
        "hard",
    )
    assert refusal.breach.remedy == "initiate_and_assign_unit_first"
    assert "decision.initiated and undertaking_unit.assigned" in refusal.message
    assert not refusal.needs_reason
    assert office.count() == before
    seq, refused = record(office, "zhao.lei", "draft.versioned", "d1", body)
    assert seq is None and refused is not None
    assert (refused.gate, refused.message) == ("G1", refusal.message)
    assert office.count() == before
    assert state(office)["status"] == "proposed"


def test_a_soft_gate_asks_for_the_reason_and_takes_the_entry_with_it(office: Bureau) -> None:
    office.propose()
    office.initiate()
    draft = office.draft()
    body = {
        "draft": draft,
        "channels": ["government_website"],
        "published_at": "2021-03-01",
        "deadline": "2021-03-11",
        "explanation_doc": office.doc("说明"),
    }
    refusal = preflight(office, "zhao.lei", "public_comment.opened", "d1", body)
    assert refusal is not None and refusal.gate == "G3" and refusal.needs_reason
    assert "10 days" in refusal.message
    with pytest.raises(InputError, match="not a soft gate"):
        appending.with_reason("public_comment.opened", body, "G5", "急")
    with pytest.raises(InputError, match="reason is required"):
        appending.with_reason("public_comment.opened", body, "G3", "  ")
    with pytest.raises(InputError, match="records no exceptions"):
        appending.with_reason("draft.versioned", body, "G3", "急")
    reasoned = appending.with_reason(
        "public_comment.opened", body, "G3", "开学前须公布，征求期缩短"
    )
    assert preflight(office, "zhao.lei", "public_comment.opened", "d1", reasoned) is None
    seq, refused = record(office, "zhao.lei", "public_comment.opened", "d1", reasoned)
    assert refused is None and seq == office.count() - 1
    (exception,) = state(office)["exceptions"]
    assert exception == {
        "gate": "G3",
        "seq": seq,
        "reason": "开学前须公布，征求期缩短",
        "finding": "the comment period is 10 days, shorter than the 30 the rule profile requires",
    }


def test_an_authority_refusal_names_the_field(office: Bureau) -> None:
    office.propose()
    refusal = preflight(office, "zhao.lei", "decision.proposed", "d2", {"title": "x"})
    assert refusal is not None and refusal.gate is None
    assert refusal.field == "summary" and "required" in refusal.message
    office.initiate()
    body = {"lead": "basic-edu", "leaders": ["nobody"]}
    refusal = preflight(office, "huang.li", "undertaking_unit.assigned", "d1", body)
    assert refusal is not None and refusal.gate is None
    refusal = preflight(office, "nobody", "decision.initiated", "d1", {"by": "head"})
    assert refusal is not None and "not a registered person" in refusal.message


def test_a_missing_document_is_caught_before_signing(office: Bureau) -> None:
    office.propose()
    office.initiate()
    body = {"version": 1, "doc": "ab" * 32, "summary": "x"}
    refusal = preflight(office, "zhao.lei", "draft.versioned", "d1", body)
    assert refusal is not None and "not in the ledger" in refusal.message


# -- documents -----------------------------------------------------------------------------------


def test_a_file_is_attached_as_a_blob(office: Bureau, tmp_path: Path) -> None:
    file = tmp_path / "第2稿.txt"
    file.write_bytes("送审稿全文".encode())
    attached = entries.attach(Ledger(office.store), file)
    assert attached.sha256 == hashlib.sha256(file.read_bytes()).hexdigest()
    assert (attached.name, attached.size) == ("第2稿.txt", len(file.read_bytes()))
    assert entries.get_blob(Ledger(office.store), attached.sha256) == file.read_bytes()
    assert entries.attach(Ledger(office.store), file) == attached  # idempotent


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.pdf", "no such file"), ("", "give the path"), (".", "directory")],
)
def test_a_bad_attachment_is_refused_naming_the_path(
    office: Bureau, tmp_path: Path, name: str, message: str
) -> None:
    path = str(tmp_path / name) if name else ""
    with pytest.raises(InputError, match=message):
        entries.attach(Ledger(office.store), path)


# -- the meeting ---------------------------------------------------------------------------------


def at_item(office: Bureau) -> meeting.Floor:
    draft = office.ready()
    assert meeting.agenda_drafts(Ledger(office.store), "d1") == [draft]
    assert meeting.members_due(Ledger(office.store), organ="bureau-meeting", day="2021-05-01") == (
        sorted(ALL)
    )
    office.meeting("m1")
    office.item("d1", "m1", draft)
    return meeting.floor(Ledger(office.store), "d1")


def test_the_floor_lists_members_in_speaking_order_with_the_head_last(office: Bureau) -> None:
    with pytest.raises(InputError, match="not before a meeting"):
        office.propose("d0")
        meeting.floor(Ledger(office.store), "d0")
    item = at_item(office)
    assert item.rule == "head_decides_after_discussion"
    assert item.waiting == [*MEMBERS, "zhang.wei"]
    assert item.next_speaker == "liu.yang" and item.next_order == 1
    assert item.speaker("zhang.wei").head
    why = item.may_speak("zhang.wei")
    assert why is not None and why.gate == "G9"
    assert str(why).startswith("G9 (Art. 30): the head speaks last")
    with pytest.raises(InputError, match="the head speaks last"):
        meeting.position_draft(
            item, "zhang.wei", "agree", None, actor="zhang.wei", signer=office.keys["zhang.wei"]
        )
    with pytest.raises(InputError, match="needs its reason"):
        meeting.position_draft(
            item, "liu.yang", "disagree", " ", actor="liu.yang", signer=office.keys["liu.yang"]
        )
    assert not item.ready


def test_a_meeting_recorded_member_by_member_reaches_the_head_decision(office: Bureau) -> None:
    item = at_item(office)
    # liu.yang signs on the spot with their own key; chen.jing's is written by the recorder.
    for person, stance, reason, actor in (
        ("liu.yang", "disagree", "经费测算不足", "liu.yang"),
        ("chen.jing", "agree", None, "huang.li"),
        ("zhou.min", "disagree", "先试点", "zhou.min"),
    ):
        draft = meeting.position_draft(
            item, person, stance, reason, actor=actor, signer=office.keys[actor]
        )
        seq, refused = appending.record_draft(at_now(office), draft)
        assert refused is None, refused
        item = meeting.floor(Ledger(office.store), "d1")
        assert item.speaker(person).seq == seq
    assert [s.person for s in item.speakers if s.spoke] == MEMBERS
    assert item.speaker("liu.yang").confirmed and not item.speaker("chen.jing").confirmed
    assert item.ready and item.waiting == ["zhang.wei"] and item.majority == "not_approve"
    assert item.may_speak("liu.yang") is not None
    # The head departs from the majority: the divergence reason is asked for (G10).
    with pytest.raises(GateRefusal) as caught:
        meeting.head_decision_draft(
            item, "approve", None, actor="zhang.wei", signer=office.keys["zhang.wei"]
        )
    assert (caught.value.gate, caught.value.field) == ("G10", "divergence_reason")
    assert not item.diverges("reject")
    draft = meeting.head_decision_draft(
        item, "approve", "时间紧，先行实施", actor="zhang.wei", signer=office.keys["zhang.wei"]
    )
    seq, refused = appending.record_draft(at_now(office), draft)
    assert refused is None
    decided = state(office)
    assert decided["status"] == "awaiting_issue"
    (deliberation,) = decided["deliberations"]
    assert deliberation["outcome"]["diverges"] is True
    assert deliberation["outcome"]["divergence_reason"] == "时间紧，先行实施"
    positions = deliberation["positions"]
    assert positions["liu.yang"]["by"] == "liu.yang"
    assert positions["chen.jing"]["by"] == "huang.li"
    # chen.jing confirms later, with her own key.
    (pending,) = minutes.unconfirmed(Ledger(office.store), "chen.jing")
    assert (pending.decision, pending.meeting, pending.recorded_by) == ("d1", "m1", "huang.li")
    assert minutes.unconfirmed(Ledger(office.store), "liu.yang") == []
    seq, refused = record(
        office, "chen.jing", "position.confirmed", "d1", pending.body("chen.jing")
    )
    assert refused is None
    confirmed = state(office)["deliberations"][0]["positions"]["chen.jing"]
    assert confirmed["confirmed_seq"] == seq
    assert minutes.unconfirmed(Ledger(office.store), "chen.jing") == []


def test_recusal_and_absence_shape_the_floor(office: Bureau) -> None:
    draft = office.ready()
    office.meeting("m1", present=["zhang.wei", "liu.yang", "chen.jing"])
    office.item("d1", "m1", draft)
    office.rec(
        "huang.li",
        "recusal.declared",
        "d1",
        {"meeting": "m1", "person": "chen.jing", "reason": "relative", "declared_by": "self"},
    )
    item = meeting.floor(Ledger(office.store), "d1")
    assert item.waiting == ["liu.yang", "zhang.wei"]
    recused = item.may_speak("chen.jing")
    assert recused is not None and recused.gate is None
    assert re.fullmatch(r"chen\.jing recused from this item \(seq \d+\)", str(recused))
    assert "absent" in str(item.may_speak("zhou.min"))
    assert [s.person for s in item.speakers][-2:] == ["chen.jing", "zhou.min"]


def test_a_vote_body_counts_the_named_votes() -> None:
    item = meeting.Floor(
        "d1", "m1", "party-group", "2021-05-01", "majority_of_members_due", "a", "b", (), 1,
        False, None, cast(Agenda, {}),
    )  # fmt: skip
    body = meeting.vote_body(item, "show_of_hands", {"a": "yes", "b": "no", "c": "yes"}, "passed")
    assert body["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert body["named"][1] == {"person": "b", "vote": "no"}
    secret = meeting.vote_body(item, "secret_ballot", {"a": "yes"}, "passed")
    assert "named" not in secret and item.by_vote
    lookup("vote.taken").validate(body)


def test_attendance_and_meeting_ids(office: Bureau) -> None:
    body = meeting.attendance_body(ALL, ["zhang.wei", "liu.yang"], {"chen.jing": "出差"})
    assert body == {
        "present": ["zhang.wei", "liu.yang"],
        "absent": [
            {"person": "chen.jing", "excused": True, "reason": "出差"},
            {"person": "zhou.min", "excused": False},
        ],
    }
    assert meeting.next_meeting_id(Ledger(office.store), 2021) == "mtg-2021-01"
    office.meeting("mtg-2021-01")
    assert meeting.next_meeting_id(Ledger(office.store), 2021) == "mtg-2021-02"


# -- what comes next, and the values a form starts with ------------------------------------------


def step(office: Bureau, actor: str, subject: str, typed: dict[str, Any]) -> str:
    """Record the step the decision is due for, from the suggested values and what is typed."""
    try:
        current = decisions.get_decision(Ledger(office.store), subject)
    except InputError:
        current = None
    ledger = at_now(office, actor=actor)
    kind = recording.next_steps(ledger, subject if current else None)[0]
    raw = recording.start(ledger, kind, subject)
    body, problems = forms.build_body(kind, {**raw, **typed})
    assert problems == {}, (kind, problems)
    refusal = preflight(office, actor, kind, subject, body)
    if refusal is not None and refusal.needs_reason:
        body = appending.with_reason(kind, body, str(refusal.gate), "会期临近，从速审查")
        refusal = preflight(office, actor, kind, subject, body)
    assert refusal is None, (kind, refusal)
    seq, refused = record(office, actor, kind, subject, body)
    assert refused is None and seq is not None
    return kind


def test_a_decision_walks_to_its_meeting_on_suggested_values(
    office: Bureau, tmp_path: Path
) -> None:
    """Each step is the one `next_steps` puts first; the form starts from `suggest`, so the
    recorder types only what is new. A review shorter than the profile's minimum asks for the
    reason (G6) and is taken with it."""
    file = tmp_path / "draft.txt"
    file.write_text("实施方案（征求意见稿）", encoding="utf-8")
    doc = entries.attach(Ledger(office.store), file).sha256
    walked = [
        step(office, "zhao.lei", "d9", {"title": "课后服务", "summary": "提请研究",
                                        "scope": {"art3_category": "1"}}),
        step(office, "zhang.wei", "d9", {}),
        step(office, "huang.li", "d9", {"lead": "basic-edu", "leaders": "zhao.lei"}),
        step(office, "zhao.lei", "d9", {"doc": doc, "summary": "征求意见稿"}),
        step(office, "zhao.lei", "d9", {"items": [{"title": "《教育法》"}]}),
        step(office, "zhao.lei", "d9", {"explanation_doc": doc}),
        step(office, "zhao.lei", "d9", {"adoption_report_doc": doc}),
        step(office, "zhao.lei", "d9", {"procedure_statement": "已公开征求意见"}),
        step(office, "wu.xia", "d9", {"opinion_doc": doc}),
    ]  # fmt: skip
    assert walked == [
        "decision.initiated" if i == 1 else kind
        for i, kind in enumerate(
            [
                "decision.proposed",
                "decision.initiated",
                "undertaking_unit.assigned",
                "draft.versioned",
                "legal_basis.recorded",
                "public_comment.opened",
                "public_participation.completed",
                "legality_review.submitted",
                "legality_review.opinion",
            ]
        )
    ]
    decided = state(office, "d9")
    assert decided["status"] == "ready_for_deliberation"
    assert [e["gate"] for e in decided["exceptions"]] == ["G6"]
    assert recording.next_steps(at_now(office), "d9") == ["agenda_item.opened", "draft.versioned"]
    office.meeting("m9", days=0)
    raw = recording.start(at_now(office, actor="huang.li"), "agenda_item.opened", "d9")
    assert raw == {
        "meeting": "m9",
        "item": "1",
        "draft": decided["draft_order"][-1],
        "presenter": "zhao.lei",
    }


# -- the vote's result, the minutes' tasks, written opinions (used by the meeting screen) -------


@pytest.fixture(scope="module")
def cadre_ready(
    bureau_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Any, int]:
    """The bureau with d1, a cadre item, cleared for its meeting (copied for each example), and
    its business clock (day, minute) then."""
    target = tmp_path_factory.mktemp("cadre") / "ready.db"
    for office in open_copy(bureau_template, target):
        office.ready("d1", item_class="cadre")
        clock = (office.day, office.minute)
    return target, *clock


def speak_in_order(office: Bureau, item: meeting.Floor) -> meeting.Floor:
    """Each member entitled to vote states `agree` in speaking order, signing it themselves."""
    while item.waiting:
        person = item.waiting[0]
        draft = meeting.position_draft(
            item, person, "agree", None, actor=person, signer=office.keys[person]
        )
        _, refused = appending.record_draft(at_now(office), draft)
        assert refused is None, refused
        item = meeting.floor(Ledger(office.store), "d1")
    return item


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    present=st.sets(st.sampled_from(ALL), min_size=2).map(sorted),
    recused=st.sets(st.sampled_from(MEMBERS), max_size=2),
    yes_votes=st.integers(min_value=0, max_value=len(ALL)),
)
def test_vote_passes_says_what_g11_accepts(
    cadre_ready: tuple[Path, Any, int],
    tmp_path_factory: pytest.TempPathFactory,
    present: list[str],
    recused: set[str],
    yes_votes: int,
) -> None:
    """Guards the meeting screen's vote count (`passed`/`failed` shown before signing) against
    drifting from the gate: for any attendance, recusals and yes count, the vote recorded with
    the result `vote_passes` gives is taken, and the other result is refused (G11 for a `passed`
    that does not pass) with nothing written."""
    target = tmp_path_factory.mktemp("vote") / "ledger.db"
    ready, day, minute = cadre_ready
    for office in open_copy(ready, target):
        office.day, office.minute = day, minute
        draft = state(office)["draft_order"][-1]
        office.meeting("m1", present=present)
        office.item("d1", "m1", draft)
        for person in sorted(recused & set(present)):
            office.rec(
                "huang.li",
                "recusal.declared",
                "d1",
                {"meeting": "m1", "person": person, "reason": "relative", "declared_by": "self"},
            )
        item = meeting.floor(Ledger(office.store), "d1")
        voters = [s.person for s in item.speakers if s.voting]
        due = [s.person for s in item.speakers if not s.recused]
        # G8 (quorum, two thirds of those due for a cadre item) comes before G11
        assume(voters and 3 * len(voters) >= 2 * len(due))
        item = speak_in_order(office, item)
        passes = meeting.vote_passes(Ledger(office.store), item)
        assert len(passes) == len(voters) + 1
        assert passes == sorted(passes)  # more yes votes never turn a pass into a failure
        yes = min(yes_votes, len(voters))
        votes = {p: ("yes" if i < yes else "no") for i, p in enumerate(voters)}
        expected = "passed" if passes[yes] else "failed"
        event(expected)
        other = "failed" if passes[yes] else "passed"
        before = office.count()
        wrong = meeting.vote_body(item, "show_of_hands", votes, other)
        _, refused = record(office, "huang.li", "vote.taken", "d1", wrong)
        assert refused is not None and office.count() == before
        assert (refused.gate == "G11") == (other == "passed"), refused
        right = meeting.vote_body(item, "show_of_hands", votes, expected)
        seq, refused = record(office, "huang.li", "vote.taken", "d1", right)
        assert refused is None, refused
        assert state(office)["deliberations"][-1]["outcome"]["outcome"] == expected


def test_vote_passes_counts_members_due_for_a_cadre_item(
    bureau_template: Path, tmp_path: Path
) -> None:
    """Guards the base of G11 for cadre items: more than half of the members due (four), not of
    those present (three): two yes votes of three present do not pass."""
    for office in open_copy(bureau_template, tmp_path / "ledger.db"):
        draft = office.ready("d1", item_class="cadre")
        office.meeting("m1", present=["zhang.wei", "liu.yang", "chen.jing"])
        office.item("d1", "m1", draft)
        item = meeting.floor(Ledger(office.store), "d1")
        assert item.rule == "cadre" and item.by_vote
        assert meeting.vote_passes(Ledger(office.store), item) == [False, False, False, True]


def test_minutes_tasks_follow_the_meeting(office: Bureau) -> None:
    """Guards who is asked for the minutes: the chair or recorder finalizes them once no item is
    before the meeting; then each member who was there (and only they) confirms them, once."""
    svc = Ledger(office.store)
    svc.actor = None
    assert minutes.minutes_tasks(svc) == []
    draft = office.ready()
    office.meeting("m1", present=["zhang.wei", "liu.yang", "chen.jing"])
    office.item("d1", "m1", draft)
    svc.actor = "huang.li"
    assert minutes.minutes_tasks(svc) == []  # the item is still before the meeting
    office.speak("d1", "m1", {"liu.yang": "agree", "chen.jing": "agree"})
    office.head("d1", "m1")
    (task,) = minutes.minutes_tasks(svc)
    assert (task.action, task.meeting, task.organ) == ("finalize", "m1", "bureau-meeting")
    for person in ("zhang.wei", "liu.yang", "zhou.min"):
        svc.actor = person
        expected = ["finalize"] if person == "zhang.wei" else []  # the chair finalizes too
        assert [t.action for t in minutes.minutes_tasks(svc)] == expected, person
    doc = office.doc("会议纪要")
    office.rec("huang.li", "minutes.finalized", "m1", {"number": "纪要〔2021〕1号", "doc": doc})
    svc.actor = "huang.li"
    assert minutes.minutes_tasks(svc) == []  # the recorder was not a member there
    svc.actor = "zhou.min"
    assert minutes.minutes_tasks(svc) == []  # absent
    svc.actor = "liu.yang"
    (task,) = minutes.minutes_tasks(svc)
    assert (task.action, task.number, task.doc) == ("confirm", "纪要〔2021〕1号", doc)
    office.rec("liu.yang", "minutes.confirmed", "m1", {"doc": doc})
    assert minutes.minutes_tasks(svc) == []
    svc.actor = "zhang.wei"
    assert [t.action for t in minutes.minutes_tasks(svc)] == ["confirm"]


def test_an_absent_members_written_opinion(office: Bureau) -> None:
    """Guards `position_draft`'s written opinion: an absent member speaks only through one (any
    time, even after the head), recorded with its document; a present member's position is not
    written."""
    draft = office.ready()
    office.meeting("m1", present=["zhang.wei", "liu.yang", "chen.jing"])
    office.item("d1", "m1", draft)
    item = meeting.floor(Ledger(office.store), "d1")
    assert item.absent_silent and "zhou.min" in item.absent_silent
    with pytest.raises(InputError, match="absent"):
        meeting.position_draft(
            item, "zhou.min", "agree", None, actor="huang.li", signer=office.keys["huang.li"]
        )
    office.speak("d1", "m1", {"liu.yang": "agree", "chen.jing": "agree"})
    office.position("d1", "m1", "zhang.wei", 3, "agree")
    item = meeting.floor(Ledger(office.store), "d1")
    assert item.head_spoke and item.may_speak("zhou.min", written=True) is None
    opinion = office.doc("周敏书面意见：同意")
    draft_entry = meeting.position_draft(
        item,
        "zhou.min",
        "disagree",
        "需补充测算",
        actor="huang.li",
        signer=office.keys["huang.li"],
        written_opinion_doc=opinion,
    )
    assert draft_entry.body["written_opinion_doc"] == opinion
    assert draft_entry.body["order"] == item.next_order
    seq, refused = appending.record_draft(at_now(office), draft_entry)
    assert refused is None and seq is not None, refused
    position = state(office)["agenda"]["positions"]["zhou.min"]
    assert position["seq"] == seq and position["by"] == "huang.li"
    assert office.store.get(seq).statement.body["written_opinion_doc"] == opinion
    item = meeting.floor(Ledger(office.store), "d1")
    assert item.speaker("zhou.min").spoke and not item.absent_silent
    with pytest.raises(InputError, match="already stated"):
        meeting.position_draft(
            item, "zhou.min", "agree", None, actor="huang.li", signer=office.keys["huang.li"],
            written_opinion_doc=opinion,
        )  # fmt: skip
