"""Meetings and the agenda item: attendance, recusal, positions in speaking order, the vote or the
head's decision (gates G5, G7–G11).

One handler per entry type of a meeting, in the order a meeting takes; they share the item's
helpers (the open item, the quorum, the decision taken), hence one module.
"""

from __future__ import annotations

from ledger.errors import AuthorityError, GateError
from ledger.procedure.after import refusal
from ledger.procedure.drafting import (
    conclusions_permit,
    eligible_drafts,
    latest_opinion,
    required_steps,
)
from ledger.procedure.floor import Bar, floor_of, majority_view
from ledger.procedure.floor import diverges as head_diverges
from ledger.procedure.model import Agenda, Decision, Meeting, Obj, Outcome
from ledger.procedure.profile import RuleProfile, Threshold
from ledger.procedure.state import (
    DELIBERATIVE_KINDS,
    DRAFTING,
    NEEDS_REASON,
    VOTING_ROLES,
    Tx,
    before,
    handles,
)

# -- meetings --


def _meeting_clerk(tx: Tx, meeting: Meeting) -> None:
    if tx.stmt.actor not in (meeting["chair"], meeting["recorder"]):
        raise tx.wrong(
            f"only the meeting's chair ({meeting['chair']}) or recorder "
            f"({meeting['recorder']}) records this, not {tx.stmt.actor}"
        )


@handles("meeting.convened")
def _convened(tx: Tx, body: Obj) -> None:
    organ = tx.organ(body["organ"], "body.organ")
    if body.get("form", "meeting") != "meeting":
        raise tx.gate(
            "G7",
            f"a collective decision cannot be taken by {body['form'].replace('_', ' ')}; "
            "it needs a meeting",
            field="form",
        )
    if organ["kind"] not in DELIBERATIVE_KINDS:
        raise tx.gate(
            "G7",
            f"{organ['id']} is a {organ['kind']}, not an organ that deliberates",
            field="organ",
        )
    due = tx.directory.holders_at(organ["id"], VOTING_ROLES, tx.day)
    if not due:
        raise tx.wrong(f"{organ['id']} has no members on {tx.day}", where="body.organ")
    if body["chair"] not in due:
        raise tx.wrong(
            f"{body['chair']} is not a member of {organ['id']} on {tx.day}", where="body.chair"
        )
    tx.person(body["recorder"], "body.recorder")
    if tx.stmt.actor not in (body["chair"], body["recorder"]):
        raise tx.wrong("the chair or the recorder records the meeting")
    tx.new(
        "meeting",
        {
            "id": tx.stmt.subject,
            "first_seq": tx.seq,
            "organ": organ["id"],
            "kind": organ["kind"],
            "year": int(tx.day[:4]),
            "number": body["number"],
            "at": tx.at(),
            "chair": body["chair"],
            "recorder": body["recorder"],
            "due": due,
            "present": None,
            "absent": [],
            "non_voting": [],
            "minutes": None,
            "confirmations": [],
            "items": [],
            "status": "convened",
        },
    )
    tx.involve(body["chair"], tx.stmt.subject, "chair")
    tx.involve(body["recorder"], tx.stmt.subject, "recorder")


@handles("attendance.recorded")
def _attendance(tx: Tx, body: Obj) -> None:
    meeting = tx.need("meeting", tx.stmt.subject)
    _meeting_clerk(tx, meeting)
    if meeting["present"] is not None:
        raise tx.wrong(f"attendance of {meeting['id']} is already recorded")
    present = body["present"]
    absent = [a["person"] for a in body.get("absent", [])]
    listed = present + absent
    for index, person in enumerate(listed):
        if person not in meeting["due"]:
            raise tx.wrong(
                f"{person} is not a member due at this meeting (members: "
                f"{', '.join(meeting['due'])}); list others as non_voting"
            )
        if listed.index(person) != index:
            raise tx.wrong(f"{person} is listed twice")
    missing = [p for p in meeting["due"] if p not in listed]
    if missing:
        raise tx.wrong(f"every member due is present or absent; missing: {', '.join(missing)}")
    for index, person in enumerate(body.get("non_voting", [])):
        tx.person(person, f"body.non_voting.{index}")
    meeting["present"], meeting["absent"] = present, body.get("absent", [])
    meeting["non_voting"] = body.get("non_voting", [])
    for person in present:
        tx.involve(person, meeting["id"], "present")


@handles("minutes.finalized")
def _minutes(tx: Tx, body: Obj) -> None:
    meeting = tx.need("meeting", tx.stmt.subject)
    _meeting_clerk(tx, meeting)
    if meeting["minutes"] is not None:
        raise tx.wrong("the minutes are final already; change them with entry.corrected")
    meeting["minutes"] = {"doc": body["doc"], "number": body["number"], "seq": tx.seq}
    meeting["status"] = "minuted"


@handles("minutes.confirmed")
def _minutes_confirmed(tx: Tx, body: Obj) -> None:
    meeting = tx.need("meeting", tx.stmt.subject)
    if meeting["minutes"] is None or meeting["minutes"]["doc"] != body["doc"]:
        raise tx.wrong("these are not the final minutes of the meeting", where="body.doc")
    if tx.stmt.actor not in (meeting["present"] or []) + [meeting["chair"]]:
        raise tx.wrong(f"{tx.stmt.actor} was not at the meeting")
    meeting["confirmations"].append({"person": tx.stmt.actor, "seq": tx.seq})


# -- the agenda item --


def _rule(tx: Tx, decision: Decision, meeting: Meeting) -> str:
    if decision["item_class"] == "cadre":
        return "cadre"
    return tx.profile(decision).decision_rules.get(meeting["kind"], "head_decides_after_discussion")


@handles("agenda_item.opened")
def _agenda(tx: Tx, body: Obj) -> None:
    decision = tx.decision()
    meeting = tx.need("meeting", body["meeting"], where="body.meeting")
    if meeting["organ"] != decision["organ"]:
        raise tx.gate(
            "G7",
            f"decision {decision['id']} is for {decision['organ']} to decide; "
            f"{meeting['id']} is a meeting of {meeting['organ']}",
            field="meeting",
            conflicting_seq=meeting["first_seq"],
        )
    if meeting["present"] is None:
        raise tx.wrong(f"record the attendance of {meeting['id']} first")
    if decision["agenda"] is not None:
        pending = decision["agenda"]["meeting"]
        raise tx.wrong(f"decision {decision['id']} is already before {pending}")
    tx.draft(decision, body["draft"])
    conclusions_permit(tx, decision, "G5")
    cleared = eligible_drafts(decision).get(body["draft"])
    if decision["status"] not in DRAFTING:
        raise tx.wrong(
            f"decision {decision['id']} is {decision['status']}; it cannot go on an agenda"
        )
    if cleared is None:
        latest = latest_opinion(decision, body["draft"])
        state = (
            "has no legality opinion"
            if latest is None
            else f"has a legality opinion of {latest['opinion']} (seq {latest['seq']}), "
            "not a lawful one"
        )
        raise tx.gate(
            "G5",
            f"draft {body['draft'][:12]}… {state}, so it cannot go on the agenda",
            field="draft",
            conflicting_seq=None if latest is None else latest["seq"],
        )
    cleared_at = str(cleared.get("applied_at", cleared["at"]))
    if before(meeting["at"], cleared_at):
        raise tx.gate(
            "G5",
            f"meeting {meeting['id']} ({meeting['at']}) is before the legality opinion "
            f"it depends on (seq {cleared['seq']}, {cleared_at})",
            field="meeting",
            conflicting_seq=cleared["seq"],
        )
    tx.person(body["presenter"], "body.presenter")
    if tx.profile(decision).edition >= 2:
        _materials(tx, decision, body)
    decision["agenda"] = {
        "meeting": meeting["id"],
        "item": body["item"],
        "draft": body["draft"],
        "seq": tx.seq,
        "rule": _rule(tx, decision, meeting),
        "recusals": {},
        "positions": {},
        "last_order": 0,
        "head_spoke": None,
        "vote": None,
    }
    decision["status"] = "under_deliberation"
    meeting["items"].append({"decision": decision["id"], "item": body["item"], "seq": tx.seq})


# The Art. 29 material that carries each procedure step's result.
MATERIAL_OF_STEP = {
    "inter_unit_consultation": "consultation",
    "public_participation": "public_participation",
    "group_consultation": "public_participation",  # Art. 14 ¶2: a form of participation
    "hearing": "hearing",
    "expert_argumentation": "expert_argumentation",
    "risk_assessment": "risk_assessment",
    "fair_competition_review": "fair_competition_review",
}


def art29_materials(
    decision: Decision | Obj, draft: str, profile: RuleProfile
) -> list[tuple[str, list[str], str]]:
    """The materials an item of `draft` goes before the meeting with (edition 2, Art. 29): each
    as (kind, the documents that can stand for it, what it is). No documents: any stored
    document of that kind. The draft's own document, an explanation, the legality opinion's
    document, and the result of each required step completed (the adoption report, the risk
    report, the hearing record…)."""
    wanted: list[tuple[str, list[str], str]] = [
        ("draft", [draft], f"{draft[:12]}…, the draft itself"),
        ("explanation", [], "the draft's explanation"),
    ]
    opinion = eligible_drafts(decision).get(draft)
    if opinion is not None:
        doc = opinion.get("doc")
        named = "" if doc is None else f"{doc[:12]}…, "
        wanted.append(
            (
                "legality_opinion",
                [] if doc is None else [doc],
                f"{named}the opinion at seq {opinion['seq']}",
            )
        )
    steps = decision["steps"]
    for step in required_steps(decision, profile):
        record = steps.get(step, {})
        if "completed_seq" not in record:
            continue  # exempt or not applicable: nothing to table
        docs: list[str] = record.get("docs", [])
        named = f"{docs[0][:12]}…, " if docs else ""
        wanted.append(
            (
                MATERIAL_OF_STEP.get(step, "other"),
                docs,
                f"{named}the result of {step} at seq {record['completed_seq']}",
            )
        )
    return wanted


def _materials(tx: Tx, decision: Decision, body: Obj) -> None:
    """Edition 2, G5 (Art. 29): the item lists its materials (`art29_materials`). Each is a
    stored document: the append refuses a body naming a blob it does not hold."""
    listed: dict[str, set[str]] = {}
    for material in body.get("materials", []):
        listed.setdefault(material["kind"], set()).add(material["doc"])
    missing = [
        f"{kind} ({what})"
        for kind, docs, what in art29_materials(decision, body["draft"], tx.profile(decision))
        if not (set(docs) & listed.get(kind, set()) if docs else listed.get(kind))
    ]
    if missing:
        raise refusal(
            tx,
            "G5",
            f"the item lacks Art. 29 materials: {'; '.join(missing)}",
            article="Art. 29",
            rule="an item goes before the meeting with its Art. 29 materials: the draft, its "
            "explanation, the legality opinion and the result of each required step",
            remedy="table_the_art29_materials",
            field="materials",
        )


def _open_item(tx: Tx, body: Obj) -> tuple[Decision, Agenda, Meeting]:
    decision = tx.decision(("under_deliberation",))
    agenda = decision["agenda"]
    assert agenda is not None  # under deliberation: the item is open
    if agenda["meeting"] != body["meeting"]:
        raise tx.wrong(
            f"decision {decision['id']} is before {agenda['meeting']}, not {body['meeting']}",
            where="body.meeting",
        )
    meeting = tx.need("meeting", body["meeting"], where="body.meeting")
    return decision, agenda, meeting


def _is_head(tx: Tx, meeting: Meeting, person: str) -> bool:
    return "head" in tx.directory.roles_at(person, meeting["organ"], meeting["at"][:10])


@handles("recusal.declared")
def _recusal(tx: Tx, body: Obj) -> None:
    decision, agenda, meeting = _open_item(tx, body)
    person = body["person"]
    if person not in (meeting["present"] or []):
        raise tx.wrong(f"{person} is not present at {meeting['id']}", where="body.person")
    if person in agenda["positions"]:
        raise tx.wrong(f"{person} has already stated a position on this item", where="body.person")
    if body["declared_by"] == "self" and tx.stmt.actor not in (person, meeting["recorder"]):
        raise tx.wrong("a recusal declared by the member is recorded by them or the recorder")
    agenda["recusals"][person] = {"seq": tx.seq, "reason": body["reason"]}
    tx.involve(person, decision["id"], "recused", meeting=meeting["id"], reason=body["reason"])


def _voting(agenda: Agenda, meeting: Meeting) -> list[str]:
    """Present members who are not recused: they count for quorum and must state positions."""
    return [p for p in meeting["present"] or [] if p not in agenda["recusals"]]


def _refuse(tx: Tx, bar: Bar) -> GateError | AuthorityError:
    """The error for what the floor of the item bars."""
    if bar.gate is None:
        return tx.wrong(bar.message, where=f"body.{bar.field}")
    return tx.gate(bar.gate, bar.message, field=bar.field, conflicting_seq=bar.conflicting_seq)


@handles("position.stated")
def _position(tx: Tx, body: Obj) -> None:
    decision, agenda, meeting = _open_item(tx, body)
    person, stance = body["person"], body["stance"]
    if tx.stmt.actor not in (person, meeting["recorder"]):
        raise tx.wrong(
            f"a position is signed by the member ({person}) or recorded by "
            f"the meeting's recorder ({meeting['recorder']}), not by {tx.stmt.actor}"
        )
    written = body.get("written_opinion_doc") is not None
    floor = floor_of(decision, meeting, tx.directory)
    bar = floor.standing(person, written)
    if bar is not None:
        raise _refuse(tx, bar)
    if stance in NEEDS_REASON and body.get("reason") is None:
        raise tx.wrong(f"a {stance} position needs its reason (Art. 30)", where="body.reason")
    if stance == "abstain" and agenda["rule"] == "head_decides_after_discussion":
        raise tx.wrong("abstain applies only where the organ votes", where="body.stance")
    if body["order"] <= agenda["last_order"]:
        raise tx.wrong(
            f"{body['order']} is not after the last speaker ({agenda['last_order']})",
            where="body.order",
        )
    bar = floor.turn(person, written)
    if bar is not None:
        raise _refuse(tx, bar)
    head = floor.speaker(person).head
    if head:
        agenda["head_spoke"] = body["order"]
    agenda["last_order"] = body["order"]
    agenda["positions"][person] = {
        "order": body["order"],
        "stance": stance,
        "reason": body.get("reason"),
        "seq": tx.seq,
        "by": tx.stmt.actor,
        "confirmed_seq": tx.seq if tx.stmt.actor == person else None,
        "written": written,
        "head": head,
    }
    tx.involve(
        person,
        decision["id"],
        "member_position",
        meeting=meeting["id"],
        stance=stance,
        reason=body.get("reason"),
        recorded_by=tx.stmt.actor,
    )


@handles("position.confirmed")
def _position_confirmed(tx: Tx, body: Obj) -> None:
    decision = tx.decision()
    person = body["person"]
    if tx.stmt.actor != person:
        raise tx.wrong(f"only {person} confirms their own position")
    for record in [decision["agenda"], *decision["deliberations"]]:
        if record is None or record["meeting"] != body["meeting"]:
            continue
        position = record["positions"].get(person)
        if position is None or position["seq"] != body["position_seq"]:
            break
        if position["confirmed_seq"] is not None:
            raise tx.wrong(
                f"the position at seq {position['seq']} is already confirmed "
                f"(seq {position['confirmed_seq']})"
            )
        position["confirmed_seq"] = tx.seq
        tx.involve(person, decision["id"], "confirmed_position", position_seq=position["seq"])
        return
    raise tx.wrong(
        f"seq {body['position_seq']} is not {person}'s position at "
        f"{body['meeting']} on decision {decision['id']}",
        where="body.position_seq",
    )


def _quorum(tx: Tx, decision: Decision, agenda: Agenda, meeting: Meeting) -> None:
    profile = tx.profile(decision)
    due = [p for p in meeting["due"] if p not in agenda["recusals"]]
    present = _voting(agenda, meeting)
    threshold = profile.cadre_quorum if agenda["rule"] == "cadre" else profile.quorum
    if not threshold.met(len(present), len(due)):
        raise tx.gate(
            "G8",
            f"{len(present)} of {len(due)} members due are present after "
            f"recusals; the quorum is {threshold.describe()}",
        )


def _all_spoke(tx: Tx, decision: Decision, meeting: Meeting) -> None:
    """G9: the vote, or the head's decision, waits until every member who must speak has."""
    unheard = floor_of(decision, meeting, tx.directory).unheard
    if unheard:
        raise tx.gate("G9", f"no position recorded yet for {', '.join(unheard)}")


def _decide(tx: Tx, decision: Decision, agenda: Agenda, result: Outcome) -> None:
    agenda["outcome"] = result
    outcome = result["outcome"]
    decision["deliberations"].append(agenda)
    decision["agenda"] = None
    if outcome in ("approve", "approve_with_editorial_changes", "passed"):
        decision["status"] = "awaiting_issue"
        decision["decided"] = {
            "outcome": outcome,
            "seq": tx.seq,
            "at": tx.at(),
            "draft": agenda["draft"],
            "meeting": agenda["meeting"],
        }
    elif outcome in ("reject", "failed"):
        decision["status"] = "closed"
    elif outcome == "approve_pending_substantive_changes":
        decision["status"] = "drafting"
    else:
        decision["status"] = "ready_for_deliberation"


@handles("vote.taken")
def _vote(tx: Tx, body: Obj) -> None:
    decision, agenda, meeting = _open_item(tx, body)
    _meeting_clerk(tx, meeting)
    if agenda["rule"] == "head_decides_after_discussion":
        raise tx.wrong(
            f"{meeting['organ']} decides by the head after discussion (Art. 30); "
            "record head_decision.made"
        )
    _quorum(tx, decision, agenda, meeting)
    _all_spoke(tx, decision, meeting)
    voters = _voting(agenda, meeting)
    counts, named = body["counts"], body.get("named", [])
    for index, vote in enumerate(named):
        if vote["person"] in agenda["recusals"]:
            raise tx.wrong(
                f"{vote['person']} recused from this item and cannot vote",
                where=f"body.named.{index}",
            )
        if vote["person"] not in voters:
            raise tx.wrong(f"{vote['person']} is not present", where=f"body.named.{index}")
    if body["method"] == "secret_ballot" and named:
        raise tx.wrong("a secret ballot records counts only", where="body.named")
    if named:
        tally = {k: sum(1 for v in named if v["vote"] == k) for k in ("yes", "no", "abstain")}
        if any(tally[k] != counts.get(k, 0) for k in tally):
            raise tx.wrong(f"the named votes add up to {tally}", where="body.counts")
    cast = counts["yes"] + counts["no"] + counts.get("abstain", 0) + counts.get("invalid", 0)
    if cast > len(voters):
        raise tx.wrong(
            f"{cast} votes from {len(voters)} members entitled to vote", where="body.counts"
        )
    due = len([p for p in meeting["due"] if p not in agenda["recusals"]])
    threshold, base, label = vote_threshold(tx.profile(decision), agenda["rule"], due, len(voters))
    passes = threshold.met(counts["yes"], base)
    if body["result"] == "passed" and not passes:
        raise tx.gate(
            "G11",
            f"{counts['yes']} yes of {base} {label} is not "
            f"{threshold.describe()}; the item does not pass",
            field="result",
        )
    if body["result"] == "failed" and passes:
        raise tx.wrong(f"{counts['yes']} yes of {base} {label} passes", where="body.result")
    for vote in named:
        tx.involve(
            vote["person"], decision["id"], "voter", meeting=meeting["id"], vote=vote["vote"]
        )
    _decide(
        tx,
        decision,
        agenda,
        {"outcome": body["result"], "seq": tx.seq, "counts": counts, "method": body["method"]},
    )


def vote_threshold(
    profile: RuleProfile, rule: str, due: int, present: int
) -> tuple[Threshold, int, str]:
    """G11: the share of yes votes an item decided by `rule` needs, the number it is a share of,
    and what that number counts. Cadre items (and a majority of members due) take the profile's
    share of the members due after recusals (cadre rules); two thirds of the members due where the
    rule says so; otherwise the profile's share of the members present and voting."""
    if rule in ("cadre", "majority_of_members_due"):
        return profile.cadre_pass, due, "members due"
    if rule == "two_thirds_of_members_due":
        return Threshold(share="2/3", more_than=False), due, "members due"
    return profile.quorum, present, "members present"


@handles("head_decision.made")
def _head_decision(tx: Tx, body: Obj) -> None:
    decision, agenda, meeting = _open_item(tx, body)
    if agenda["rule"] != "head_decides_after_discussion":
        raise tx.wrong(f"this item is decided by a vote ({agenda['rule']}); record vote.taken")
    if not _is_head(tx, meeting, tx.stmt.actor):
        raise tx.wrong(
            f"{tx.stmt.actor} is not the head of {meeting['organ']} on "
            f"{meeting['at'][:10]}; the head decides (Art. 30)"
        )
    _quorum(tx, decision, agenda, meeting)
    _all_spoke(tx, decision, meeting)
    outcome = body["outcome"]
    majority = majority_view(agenda)
    diverges = head_diverges(majority, outcome)
    if diverges and body.get("divergence_reason") is None:
        view = str(majority).replace("_", " ")
        raise tx.gate(
            "G10",
            f"the majority of members' positions is to {view}"
            f" but the head decides {outcome}; record divergence_reason",
            field="divergence_reason",
        )
    tx.involve(
        tx.stmt.actor,
        decision["id"],
        "head_decision",
        meeting=meeting["id"],
        outcome=outcome,
        diverges=diverges,
        divergence_reason=body.get("divergence_reason"),
    )
    _decide(
        tx,
        decision,
        agenda,
        {
            "outcome": outcome,
            "seq": tx.seq,
            "diverges": diverges,
            "divergence_reason": body.get("divergence_reason"),
            "head": tx.stmt.actor,
        },
    )


__all__ = ["art29_materials", "majority_view", "vote_threshold"]
