"""After the decision: the Party report and publication (G12, G13), execution, post-evaluation
(G14), suspension and adjustment (G15), the archive (G16), accountability cases, normative
documents and corrections."""

from __future__ import annotations

from typing import cast

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
