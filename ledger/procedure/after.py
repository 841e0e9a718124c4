"""After the decision: the Party report and publication (G12, G13), execution, post-evaluation
(G14), suspension and adjustment (G15), the archive (G16), accountability cases, normative
documents and corrections."""

from __future__ import annotations

from ledger.procedure.model import Decided, Decision, Execution, Obj
from ledger.procedure.profile import days_between
from ledger.procedure.state import (
    AFTER_ISSUE,
    DECIDED,
    Tx,
    body_field,
    handles,
    profile_at,
)

# -- issue, execution, evaluation, adjustment, archive --


@handles("party_committee.reported")
def _party(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    tx.organ(body["to"], "body.to")
    decision["party_report"] = {"seq": tx.seq, "to": body["to"], "at": body["reported_at"]}


def _issue_gate(tx: Tx, decision: Decision) -> Decided:
    """G12 before issue; the approval being issued."""
    if tx.profile(decision).party_report_required and decision["party_report"] is None:
        raise tx.gate(
            "G12",
            f"decision {decision['id']} has not been reported to the Party "
            "committee (record party_committee.reported first)",
        )
    decided = decision["decided"]
    assert decided is not None  # awaiting issue: approved
    return decided


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


@handles("decision.published")
def _published(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("awaiting_issue",))
    decided = _issue_gate(tx, decision)
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
    if tx.stmt.type == "execution.reported":
        _execution_of(decision)["reports"].append({"seq": tx.seq, "status": body["status"]})
        tx.involve(tx.stmt.actor, decision["id"], "execution_reporter", period=body["period"])
    else:
        _execution_of(decision)["issues"].append({"seq": tx.seq, "type": tx.stmt.type})


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
    _successor(tx, body["new_decision"], "body.new_decision")
    decision["adjustment"] = {"seq": tx.seq, "kind": body["kind"], "by": body["new_decision"]}
    decision["status"] = "adjusted" if body["kind"] == "modify" else "stopped"


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
    limit = tx.profile(decision).archive_deadline_days
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


@handles("entry.corrected")
def _corrected(tx: Tx, body: Obj) -> None:
    if body["corrects"] >= tx.seq:
        raise tx.wrong(f"seq {body['corrects']} is not an earlier entry", where="body.corrects")
    for kind in ("decision", "meeting", "normative_doc", "case", "catalog"):
        target = tx.get(kind, tx.stmt.subject)
        if target is not None:
            target.setdefault("corrections", []).append(
                {"seq": tx.seq, "corrects": body["corrects"], "reason": body["reason"]}
            )
            return
