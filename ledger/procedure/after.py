"""After the decision: the Party report and its answer, the report to the people's congress, and
publication (G12, G13), execution, post-evaluation (G14), suspension and adjustment (G15), the
archive (G16), accountability cases, normative documents and corrections."""

from __future__ import annotations

from typing import cast

from ledger.errors import GateError
from ledger.procedure.compliance import completeness
from ledger.procedure.gates import refuse
from ledger.procedure.model import (
    Case,
    Catalog,
    Correction,
    Decided,
    Decision,
    Execution,
    Meeting,
    NormativeDoc,
    Obj,
    State,
)
from ledger.procedure.profile import RuleProfile, days_between
from ledger.procedure.state import (
    AFTER_ISSUE,
    DECIDED,
    Tx,
    body_field,
    handles,
    profile_at,
)


def refusal(
    tx: Tx,
    gate: str,
    finding: str,
    *,
    article: str,
    rule: str,
    remedy: str,
    field: str | None = None,
    conflicting_seq: int | None = None,
) -> GateError:
    """An edition-2 refusal under `gate` on the narrower basis it applies here: the article of
    Decree 713, the rule as it reads for this check, and the remedy that satisfies it (always
    hard: see `gates.refuse`)."""
    return refuse(
        gate,
        finding,
        seq=tx.seq,
        field=field,
        conflicting_seq=conflicting_seq,
        remedy=remedy,
        article=article,
        rule=rule,
    )


# -- issue, execution, evaluation, adjustment, archive --


def _decided_at(tx: Tx, decision: Decision) -> tuple[Decided, Meeting | None]:
    """The approval being issued, and the meeting that took it."""
    decided = decision["decided"]
    assert decided is not None  # awaiting issue: approved
    return decided, tx.get("meeting", decided["meeting"], write=False)


def _for_the_organ(
    tx: Tx, decision: Decision, *, article: str = "Art. 31", answering: bool = False
) -> None:
    """Edition 2 (Art. 31; Art. 8 for the people's congress): the deciding organ reports, through
    its head, the holder of its recorder post (its office) or the recorder of the meeting that
    decided; the Party committee's answer may also be recorded by a member of the Party
    committee the profile names."""
    _, meeting = _decided_at(tx, decision)
    organ, day = decision["organ"], tx.day
    allowed = list(tx.directory.holders_at(organ, ("head", "recorder"), day))
    if meeting is not None and meeting["recorder"] not in allowed:
        allowed.append(meeting["recorder"])
    committee = tx.profile(decision).party_committee
    if answering and committee is not None:
        allowed += tx.directory.holders_at(committee, ("head", "deputy", "member"), day)
    if tx.stmt.actor not in allowed:
        whose = f"{organ} or the Party committee" if answering else organ
        raise tx.wrong(
            f"{article}: this is recorded for {whose} by {', '.join(sorted(set(allowed)))}, "
            f"not by {tx.stmt.actor}"
        )


@handles("party_committee.reported")
def _party(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    tx.organ(body["to"], "body.to")
    profile = tx.profile(decision)
    if profile.edition >= 2:
        _for_the_organ(tx, decision)
        _to_the_party_committee(tx, decision, profile, body["to"])
        decided, _ = _decided_at(tx, decision)
        if body["reported_at"] < decided["at"][:10]:
            raise tx.wrong(
                f"Art. 31: reported on {body['reported_at']}, before the decision was taken "
                f"({decided['at'][:10]}, seq {decided['seq']})",
                where="body.reported_at",
            )
    decision["party_report"] = {"seq": tx.seq, "to": body["to"], "at": body["reported_at"]}


def _to_the_party_committee(tx: Tx, decision: Decision, profile: RuleProfile, to: str) -> None:
    """Edition 2, G12 (Art. 31): the report goes to the Party committee the profile names."""
    rule = "the Art. 31 report goes to the Party committee the rule profile names"
    if profile.party_committee is None:
        raise refusal(
            tx,
            "G12",
            f"the rule profile {decision['profile']} names no Party committee; a report to "
            f"{to} cannot stand for the Art. 31 report",
            article="Art. 31",
            rule=rule,
            remedy="name_the_party_committee_in_the_profile",
            field="to",
        )
    if to != profile.party_committee:
        raise refusal(
            tx,
            "G12",
            f"{to} is not the Party committee; the rule profile {decision['profile']} names "
            f"{profile.party_committee}",
            article="Art. 31",
            rule=rule,
            remedy="report_to_the_profiles_party_committee",
            field="to",
        )


@handles("party_committee.answered")
def _party_answer(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    report = decision["party_report"]
    if report is None:
        raise tx.wrong(
            "Art. 31: nothing to answer: the decision has not been reported to the Party "
            "committee (record party_committee.reported first)"
        )
    if tx.profile(decision).edition >= 2:
        _for_the_organ(tx, decision, answering=True)
    if body["answered_at"] < report["at"]:
        raise tx.wrong(
            f"Art. 31: answered on {body['answered_at']}, before the report "
            f"({report['at']}, seq {report['seq']})",
            where="body.answered_at",
        )
    decision["party_answer"] = {
        "seq": tx.seq,
        "answer": body["answer"],
        "at": body["answered_at"],
        "report_seq": report["seq"],
    }


def npc_report_due(decision: Decision) -> bool:
    """Whether the matter is reported to the people's congress standing committee before issue
    (Art. 8): flagged `npc_remit` or the step determined required, and not validly exempt."""
    record = decision["steps"].get("npc_report", {})
    if record.get("determination") == "exempt":
        return False
    return "npc_remit" in decision["flags"] or record.get("determination") == "required"


@handles("npc.reported")
def _npc(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    if tx.profile(decision).edition >= 2:
        _for_the_organ(tx, decision, article="Art. 8")
        decided, _ = _decided_at(tx, decision)
        if body["reported_at"] < decided["at"][:10]:
            raise tx.wrong(
                f"Art. 8: reported on {body['reported_at']}, before the decision was taken "
                f"({decided['at'][:10]}, seq {decided['seq']})",
                where="body.reported_at",
            )
    decision["npc_report"] = {"seq": tx.seq, "to": body["to"], "at": body["reported_at"]}
    decision["steps"].setdefault("npc_report", {})["completed_seq"] = tx.seq


def _issue_gate(tx: Tx, decision: Decision, published_doc: str | None = None) -> Decided:
    """G12 before issue; the approval being issued. Edition 2 adds the Party committee's answer
    (Art. 31), the report to the people's congress (Art. 8) and the final minutes (Art. 30,
    33)."""
    profile = tx.profile(decision)
    if profile.party_report_required and decision["party_report"] is None:
        raise tx.gate(
            "G12",
            f"decision {decision['id']} has not been reported to the Party "
            "committee (record party_committee.reported first)",
        )
    decided, meeting = _decided_at(tx, decision)
    if profile.edition < 2:
        return decided
    if profile.party_report_required:
        _party_agreed(tx, decision, decided, published_doc)
    if npc_report_due(decision) and "npc_report" not in decision:
        raise refusal(
            tx,
            "G12",
            f"decision {decision['id']} is in the remit of the people's congress and has not "
            "been reported to its standing committee",
            article="Art. 8",
            rule="a matter in the people's congress's remit is reported to its standing "
            "committee before issue",
            remedy="report_to_the_npc_standing_committee_first",
        )
    if profile.minutes_before_publication and (meeting is None or meeting["minutes"] is None):
        raise refusal(
            tx,
            "G12",
            f"the minutes of {decided['meeting']}, which took the decision (seq "
            f"{decided['seq']}), are not final",
            article="Art. 30, 33",
            rule="a decision is issued only after the final minutes of the meeting that took it",
            remedy="finalize_the_minutes_first",
            conflicting_seq=decided["seq"],
        )
    return decided


def _party_agreed(tx: Tx, decision: Decision, decided: Decided, published_doc: str | None) -> None:
    """Edition 2, G12 (Art. 31): the latest report has an answer, and it agrees. Agreement with
    changes is met by a revision recorded after the answer, an editorial one of the approved
    draft (a substantive change goes back to the meeting, Art. 30): that is what is published."""
    report = decision["party_report"]
    assert report is not None  # checked first
    answer = decision.get("party_answer")
    rule = "issued only once the Party committee has agreed to the decision reported to it"
    if answer is None or answer["report_seq"] != report["seq"]:
        raise refusal(
            tx,
            "G12",
            f"the Party committee has not answered the report of decision {decision['id']} "
            f"(seq {report['seq']})",
            article="Art. 31",
            rule=rule,
            remedy="record_the_party_committees_answer",
            conflicting_seq=report["seq"],
        )
    if answer["answer"] == "not_agreed":
        raise refusal(
            tx,
            "G12",
            f"the Party committee did not agree to decision {decision['id']} (answer at seq "
            f"{answer['seq']})",
            article="Art. 31",
            rule=rule,
            remedy="report_again_once_revised",
            conflicting_seq=answer["seq"],
        )
    if answer["answer"] == "agreed_with_changes" and published_doc is not None:
        draft = decision["drafts"].get(published_doc)
        revised = draft is not None and draft["editorial_of"] == decided["draft"]
        if draft is None or not revised or draft["seq"] < answer["seq"]:
            raise refusal(
                tx,
                "G12",
                f"the Party committee agreed with changes (seq {answer['seq']}); "
                f"{published_doc[:12]}… is not a revision of the approved draft recorded after "
                "that answer",
                article="Art. 31",
                rule=rule,
                remedy="publish_the_revision_the_party_committee_asked_for",
                field="published_doc",
                conflicting_seq=answer["seq"],
            )


def _issued_after(tx: Tx, decision: Decision, decided: Decided, day: str, where: str) -> None:
    """Edition 2: a decision is issued no earlier than it was approved (Art. 30, 32), nor before
    it was reported to the Party committee (Art. 31)."""
    if tx.profile(decision).edition < 2:
        return
    if day < decided["at"][:10]:
        raise tx.wrong(
            f"Art. 32: issued on {day}, before the decision was taken ({decided['at'][:10]}, "
            f"seq {decided['seq']})",
            where=where,
        )
    report = decision["party_report"]
    if report is not None and day < report["at"]:
        raise tx.wrong(
            f"Art. 31: issued on {day}, before the report to the Party committee "
            f"({report['at']}, seq {report['seq']})",
            where=where,
        )
    answer = decision.get("party_answer")
    if answer is not None and day < answer["at"]:
        raise tx.wrong(
            f"Art. 31: issued on {day}, before the Party committee answered "
            f"({answer['at']}, seq {answer['seq']})",
            where=where,
        )


@handles("decision.published")
def _published(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    decided = _issue_gate(tx, decision, body["published_doc"])
    _issued_after(tx, decision, decided, body["published_at"], "body.published_at")
    approved = decided["draft"]
    doc = body["published_doc"]
    draft = decision["drafts"].get(doc)
    editorial = draft is not None and draft["editorial_of"] == approved
    if doc != approved and not editorial:
        raise tx.gate(
            "G13",
            f"the published document {doc[:12]}… is not the approved draft "
            f"{approved[:12]}… nor an editorial revision of it",
            field="published_doc",
            conflicting_seq=decided["seq"],
        )
    decision["published"] = {
        "seq": tx.seq,
        "at": body["published_at"],
        "doc": doc,
        "adoption_explanation": body.get("adoption_explanation_doc"),
    }
    decision["status"] = "published"


@handles("decision.not_published")
def _not_published(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    _issue_gate(tx, decision)
    decision["published"] = {"seq": tx.seq, "not_published_basis": body["legal_basis"]}
    decision["status"] = "not_published"


@handles("execution.assigned")
def _execution(tx: Tx, body: Obj) -> None:
    decision = tx.decision(AFTER_ISSUE)
    for index, unit in enumerate(body["units"]):
        tx.organ(unit, f"body.units.{index}")
    decision["execution"] = {"seq": tx.seq, "units": body["units"], "reports": [], "issues": []}
    if decision["status"] in ("published", "not_published"):
        decision["status"] = "in_execution"


def _execution_of(decision: Decision) -> Execution:
    """The execution under way (the decision is in execution or suspended)."""
    execution = decision["execution"]
    assert execution is not None
    return execution


@handles("execution.reported", "execution.issue_reported", "public_feedback.received")
def _execution_event(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("in_execution", "suspended"))
    if tx.stmt.type == "execution.reported" and tx.profile(decision).edition >= 2:
        _of_an_execution_unit(tx, _execution_of(decision))
    if tx.stmt.type == "execution.reported":
        _execution_of(decision)["reports"].append({"seq": tx.seq, "status": body["status"]})
        tx.involve(tx.stmt.actor, decision["id"], "execution_reporter", period=body["period"])
    else:
        _execution_of(decision)["issues"].append({"seq": tx.seq, "type": tx.stmt.type})


def _of_an_execution_unit(tx: Tx, execution: Execution) -> None:
    """Edition 2 (Art. 34): the execution unit reports on execution, through a person holding a
    post in one of the units named in `execution.assigned` on the day of the report."""
    actor = tx.stmt.actor
    if not any(tx.directory.roles_at(actor, unit, tx.day) for unit in execution["units"]):
        raise tx.wrong(
            f"Art. 34: execution is reported by a member of an execution unit "
            f"({', '.join(execution['units'])}, seq {execution['seq']}); {actor} holds no post "
            f"in one on {tx.day}"
        )


@handles("post_evaluation.started")
def _evaluation(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("in_execution", "suspended", "completed"))
    unit = body.get("evaluator_unit")
    prior_units = set()
    if decision["unit"] is not None:
        prior_units = {decision["unit"]["lead"], *decision["unit"]["co_units"]}
    if unit is not None:
        tx.organ(unit, "body.evaluator_unit")
        if unit in prior_units:
            raise tx.gate(
                "G14",
                f"{unit} was the undertaking unit of this decision; it cannot "
                "evaluate its own argumentation",
                field="evaluator_unit",
            )
    prior_names: set[str] = set()
    for step in decision["steps"].values():
        prior_names.update(e["institution"] for e in step.get("experts", []) if e["institution"])
        prior_names.update(e["name"] for e in step.get("experts", []))
        if step.get("third_party"):
            prior_names.add(step["third_party"])
    if body["evaluator"] in prior_names:
        raise tx.gate(
            "G14",
            f"{body['evaluator']} did the pre-decision argumentation or "
            "assessment of this decision",
            field="evaluator",
        )
    decision["evaluations"].append(
        {
            "seq": tx.seq,
            "evaluator": body["evaluator"],
            "trigger": body["trigger"],
            "concluded": None,
        }
    )
    tx.involve(tx.stmt.actor, decision["id"], "evaluation_commissioner")


@handles("post_evaluation.concluded")
def _evaluation_concluded(tx: Tx, body: Obj) -> None:
    decision = tx.decision()
    open_ = [e for e in decision["evaluations"] if e["concluded"] is None]
    if not open_:
        raise tx.wrong("no post-evaluation of this decision is open")
    open_[-1]["concluded"] = {"seq": tx.seq, "recommendation": body["recommendation"]}
    tx.involve(tx.stmt.actor, decision["id"], "evaluator", recommendation=body["recommendation"])


@handles("decision.suspended")
def _suspended(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("in_execution", "published", "not_published"))
    heads = tx.head_of(decision["organ"], tx.day)
    if tx.stmt.actor not in heads:
        raise tx.wrong(f"only the head of {decision['organ']} suspends execution (Art. 37)")
    execution = decision["execution"]
    issues = {i["seq"] for i in ([] if execution is None else execution["issues"])}
    bad = [s for s in body["grounds"] if s not in issues]
    if bad:
        raise tx.gate(
            "G15",
            f"grounds seq {bad[0]} is not an execution issue or public "
            f"feedback of decision {decision['id']} (Art. 35)",
            field=f"grounds.{body['grounds'].index(bad[0])}",
            conflicting_seq=bad[0],
        )
    decision["status"] = "suspended"
    decision["suspension"] = {"seq": tx.seq, "reason": body["reason"]}
    tx.involve(tx.stmt.actor, decision["id"], "head_suspension")


def _successor(tx: Tx, ident: str, where: str) -> Decision:
    successor = tx.need("decision", ident, write=False, where=where)
    if successor["id"] == tx.stmt.subject:
        raise tx.wrong("a decision cannot replace itself", where=where)
    if successor["decided"] is None:
        raise tx.gate(
            "G15",
            f"the new decision {ident} has not passed its own procedure "
            f"(it is {successor['status']}); it must be decided first",
            field=body_field(where),
        )
    return successor


@handles("decision.adjusted")
def _adjusted(tx: Tx, body: Obj) -> None:
    decision = tx.decision(DECIDED[:6])
    successor = _successor(tx, body["new_decision"], "body.new_decision")
    if tx.profile(decision).edition >= 2:
        _names_this_decision(tx, decision, successor, body["kind"])
    decision["adjustment"] = {"seq": tx.seq, "kind": body["kind"], "by": body["new_decision"]}
    decision["status"] = "adjusted" if body["kind"] == "modify" else "stopped"


def _names_this_decision(tx: Tx, decision: Decision, successor: Decision, kind: str) -> None:
    """Edition 2, G15 (Art. 37): the new decision that modifies or stops this one says so in
    its own proposal, by a link `adjusts` (a modification) or `stops` (a stop) to it."""
    wanted = "adjusts" if kind == "modify" else "stops"
    if any(
        link["type"] == wanted and link["target"] == decision["id"] for link in successor["links"]
    ):
        return
    raise refusal(
        tx,
        "G15",
        f"the proposal of {successor['id']} (seq {successor['proposed_seq']}) does not name "
        f"{decision['id']} in its links as {wanted}",
        article="Art. 37",
        rule="the new decision that modifies or stops a decision names it in its own proposal",
        remedy="link_the_new_decision_to_this_one",
        field="new_decision",
        conflicting_seq=successor["proposed_seq"],
    )


@handles("decision.superseded")
def _superseded(tx: Tx, body: Obj) -> None:
    decision = tx.decision(DECIDED[:6])
    _successor(tx, body["by"], "body.by")
    decision["adjustment"] = {"seq": tx.seq, "kind": "supersede", "by": body["by"]}
    decision["status"] = "superseded"


@handles("decision.completed")
def _completed(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("in_execution",))
    decision["status"] = "completed"
    decision["completed_seq"] = tx.seq


@handles("archive.filed")
def _archived(tx: Tx, body: Obj) -> None:
    decision = tx.decision(DECIDED + ("closed",))
    decided = decision["decided"]
    reference = (tx.at() if decided is None else decided["at"])[:10]
    days = days_between(reference, body["archived_at"])
    profile = tx.profile(decision)
    if profile.edition >= 2 and body["complete"]:
        _complete_as_claimed(tx, decision)
    limit = profile.archive_deadline_days
    if days > limit:
        tx.soft(
            "G16",
            f"archived {days} days after the decision, later than {limit}",
            decision,
            body.get("exceptions", {}),
            field="archived_at",
        )
    decision["archives"].append(
        {"seq": tx.seq, "no": body["archive_no"], "complete": body["complete"], "days": days}
    )


def _complete_as_claimed(tx: Tx, decision: Decision) -> None:
    """Edition 2 (Art. 33): a file declared complete is complete by the ledger's own records
    (`compliance.completeness`, this filing aside). A claim they contradict is refused rather
    than flagged: the archive record is the statement auditors rely on, and `complete: false`
    is always accepted."""
    decided = decision["decided"]
    meetings: dict[str, Meeting] = {}
    if decided is not None:
        meeting = tx.get("meeting", decided["meeting"], write=False)
        if meeting is not None:
            meetings[meeting["id"]] = meeting
    lacking = [
        item
        for item in completeness(decision, meetings, tx.profile(decision))
        if not item.startswith("archive record")
    ]
    if lacking:
        raise refusal(
            tx,
            "G16",
            f"the file is declared complete, but the ledger's records show it lacks: "
            f"{'; '.join(lacking)}",
            article="Art. 33",
            rule="a file is declared complete only when the ledger's own records show it is",
            remedy="claim_completeness_only_when_complete",
            field="complete",
        )


@handles("archive.transferred")
def _transferred(tx: Tx, body: Obj) -> None:
    decision = tx.decision()
    if not decision["archives"]:
        raise tx.wrong("nothing of this decision is archived yet")
    decision["archives"][-1]["transferred"] = {"seq": tx.seq, "to": body["to"]}


# -- accountability and normative documents --


@handles("accountability.case_opened")
def _case(tx: Tx, body: Obj) -> None:
    for index, ident in enumerate(body["decisions"]):
        tx.need("decision", ident, write=False, where=f"body.decisions.{index}")
    for index, person in enumerate(body["subjects"]):
        tx.person(person, f"body.subjects.{index}")
    tx.new(
        "case",
        {
            "id": tx.stmt.subject,
            "first_seq": tx.seq,
            "kind": body["kind"],
            "decisions": body["decisions"],
            "subjects": body["subjects"],
            "status": "open",
            "year": int(tx.day[:4]),
            "opened_by": body["opened_by"],
        },
    )
    for person in body["subjects"]:
        tx.involve(person, tx.stmt.subject, "case_subject")


@handles("accountability.case_closed")
def _case_closed(tx: Tx, body: Obj) -> None:
    case = tx.need("case", tx.stmt.subject)
    if case["status"] != "open":
        raise tx.wrong(f"case {case['id']} is already closed")
    for index, finding in enumerate(body.get("findings", [])):
        if finding["person"] not in case["subjects"]:
            raise tx.wrong("not a subject of the case", where=f"body.findings.{index}.person")
    case["status"] = "closed"
    case["closed_seq"] = tx.seq


@handles("normative_doc.registered")
def _doc_registered(tx: Tx, body: Obj) -> None:
    tx.organ(body["drafting_unit"], "body.drafting_unit")
    if body.get("decision") is not None:
        tx.need("decision", body["decision"], write=False, where="body.decision")
    deadline = tx.procedure.profile(profile_at(tx, tx.day))[2].filing_deadline_days
    tx.new(
        "normative_doc",
        {
            "id": tx.stmt.subject,
            "first_seq": tx.seq,
            "title": body["title"],
            "doc_no": body["doc_no"],
            "year": int(body["published_at"][:4]),
            "organ": body["drafting_unit"],
            "published_at": body["published_at"],
            "reviewed_before_issue": body["legality_reviewed_at"] <= body["published_at"],
            "decision": body.get("decision"),
            "deadline_days": deadline,
            "status": "issued",
            "filed": None,
            "outcome": None,
        },
    )


@handles("normative_doc.filed")
def _doc_filed(tx: Tx, body: Obj) -> None:
    doc = tx.need("normative_doc", tx.stmt.subject)
    if doc["filed"] is not None and doc["outcome"] != "deferred_for_supplement":
        raise tx.wrong(f"{doc['id']} is already filed (seq {doc['filed']['seq']})")
    days = days_between(doc["published_at"], body["filed_at"])
    if doc["filed"] is None:
        doc["filed"] = {
            "seq": tx.seq,
            "at": body["filed_at"],
            "days": days,
            "on_time": days <= doc["deadline_days"],
        }
    doc["status"], doc["outcome"] = "filed", None


@handles("normative_doc.filing_outcome")
def _doc_outcome(tx: Tx, body: Obj) -> None:
    doc = tx.need("normative_doc", tx.stmt.subject)
    if doc["filed"] is None:
        raise tx.wrong(f"{doc['id']} has not been filed")
    doc["outcome"] = body["outcome"]
    doc["review_result"] = body.get("review_result")
    doc["status"] = body["outcome"]


CORRECTABLE = ("decision", "meeting", "normative_doc", "case", "catalog")
Correctable = Decision | Meeting | NormativeDoc | Case | Catalog


@handles("entry.corrected")
def _corrected(tx: Tx, body: Obj) -> None:
    if body["corrects"] >= tx.seq:
        raise tx.wrong(f"seq {body['corrects']} is not an earlier entry", where="body.corrects")
    for kind in CORRECTABLE:
        target = cast(Correctable | None, tx.get(kind, tx.stmt.subject))
        if target is not None:
            correction: Correction = {
                "seq": tx.seq,
                "corrects": body["corrects"],
                "reason": body["reason"],
            }
            if _edition(tx, kind, target) >= 2:
                correction.update(_who_corrects(tx, kind, target, body))
            target.setdefault("corrections", []).append(correction)
            return
    if _edition(tx, "", None) >= 2:
        # nothing holds it for the record: only the entry's own signer corrects it so
        signer = _signer(tx, body["corrects"], (tx.stmt.actor,))
        if signer not in (tx.stmt.actor, None):
            raise tx.wrong(
                f"Art. 30, 33: seq {body['corrects']} was signed by {signer}; {tx.stmt.actor} "
                "corrects it only with the decision, meeting, normative document, case or "
                f"catalog it belongs to as the subject (not {tx.stmt.subject!r}), and then "
                "with the confirmation of the person it concerns",
                where="subject",
            )


def _edition(tx: Tx, kind: str, target: State | None) -> int:
    """The edition a correction is judged by: its decision's profile, or the profile in force."""
    if kind == "decision" and target is not None:
        return tx.profile(cast(Decision, target)).edition
    return tx.procedure.profile(profile_at(tx, tx.day))[2].edition


def _signer(tx: Tx, seq: int, first: tuple[str, ...]) -> str | None:
    """Who signed entry `seq` (looking first at the keys of `first`); None when the entry is not
    in what this register has replayed (a dossier's part of the chain)."""
    keys = sorted(tx.directory.keys.items(), key=lambda k: k[1].person not in first)
    for key_id, key in keys:
        if seq in tx.directory.signed_since(key_id, ""):
            return key.person
    return None


def _position_at(decision: Decision, seq: int) -> tuple[str, str] | None:
    """The member and meeting of the position stated (or confirmed) at `seq`, if it is one."""
    for agenda in [*decision["deliberations"], decision["agenda"]]:
        if agenda is None:
            continue
        for person, position in agenda["positions"].items():
            if seq in (position["seq"], position["confirmed_seq"]):
                return person, agenda["meeting"]
    return None


def _who_corrects(tx: Tx, kind: str, target: State, body: Obj) -> Correction:
    """Edition 2 (Art. 30 ¶3: dissent is recorded truthfully; Art. 33: the record is complete
    and true): a correction comes from the signer of the entry it corrects, or from the person
    it concerns; one by the registrar or the meeting's recorder of an entry that concerns someone
    else takes effect only when that person confirms it (`entry.correction_confirmed`, signed
    with their own key). Anyone else's correction is refused."""
    actor, seq = tx.stmt.actor, body["corrects"]
    concerns = body.get("concerns")
    if concerns is not None:
        tx.person(concerns, "body.concerns")
    recorders: set[str] = set()
    concerned: str | None = None
    if kind == "meeting":
        meeting = cast(Meeting, target)
        recorders.add(meeting["recorder"])
        if concerns is not None and concerns not in {
            *meeting["due"],
            *meeting["non_voting"],
            meeting["chair"],
            meeting["recorder"],
        }:
            raise tx.wrong(
                f"{concerns} is not due at, nor attending, meeting {meeting['id']}",
                where="body.concerns",
            )
    elif kind == "decision":
        decision = cast(Decision, target)
        for agenda in [*decision["deliberations"], decision["agenda"]]:
            if agenda is not None:
                found = tx.get("meeting", agenda["meeting"], write=False)
                if found is not None:
                    recorders.add(found["recorder"])
        position = _position_at(decision, seq)
        if position is not None:
            concerned = position[0]
            if concerns is not None and concerns != concerned:
                raise tx.wrong(
                    f"seq {seq} is {concerned}'s position, not {concerns}'s",
                    where="body.concerns",
                )
    signer = _signer(tx, seq, (actor,))
    # who must agree: the member whose position it is, else the person the body names, else the
    # signer; the body's `concerns` can add a confirmation, never spare one
    who = concerned or concerns or signer
    allowed = {signer, concerned, tx.directory.registrar, *recorders}
    if signer is not None and actor not in allowed:
        raise tx.wrong(
            f"Art. 30, 33: seq {seq} was signed by {signer}; a correction of it comes from "
            f"{signer}, or from the registrar or the meeting's recorder and is then confirmed by "
            f"{who}, not from {actor}",
            where="body.corrects",
        )
    awaits = None if who in (actor, None) else who
    return {
        "seq": tx.seq,
        "corrects": seq,
        "reason": body["reason"],
        "by": actor,
        "signer": signer,
        "awaits": awaits,
        "confirmed_seq": None,
    }


@handles("entry.correction_confirmed")
def _correction_confirmed(tx: Tx, body: Obj) -> None:
    """The person a correction concerns confirms it with their own key: it takes effect."""
    seq = body["correction"]
    for kind in CORRECTABLE:
        target = cast(Correctable | None, tx.get(kind, tx.stmt.subject))
        if target is None:
            continue
        for correction in target.get("corrections", []):
            if correction["seq"] != seq:
                continue
            awaits = correction.get("awaits")
            if awaits is None:
                raise tx.wrong(
                    f"the correction at seq {seq} needs no confirmation", where="body.correction"
                )
            if correction.get("confirmed_seq") is not None:
                raise tx.wrong(
                    f"the correction at seq {seq} was confirmed at seq "
                    f"{correction['confirmed_seq']}",
                    where="body.correction",
                )
            if tx.stmt.actor != awaits:
                raise tx.wrong(
                    f"the correction at seq {seq} concerns {awaits}; only {awaits} confirms it, "
                    f"not {tx.stmt.actor}",
                    where="body.correction",
                )
            correction["confirmed_seq"] = tx.seq
            return
        break
    raise tx.wrong(f"seq {seq} is not a correction of {tx.stmt.subject}", where="body.correction")
