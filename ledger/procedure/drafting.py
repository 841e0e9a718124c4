"""The procedure up to the legality review: the rule profile and catalog, proposal and initiation,
drafts, the consultation steps (gates G1–G4) and the legality review (G6); `eligible_drafts`
is what G5 lets onto an agenda.

One handler per entry type of the drafting stage, in the order the procedure takes them; they
share the step bookkeeping, hence one module past the usual length.
"""

from __future__ import annotations

from typing import Any, get_args

from ledger.procedure.bodies import StepKind, doc_refs
from ledger.procedure.gates import refuse
from ledger.procedure.model import Decision, Draft, Meeting, Obj, Opinion, Submission
from ledger.procedure.profile import BUILT_IN_PROFILES, RuleProfile, days_between
from ledger.procedure.state import (
    DELIBERATIVE_KINDS,
    DRAFTING,
    FLAG_STEPS,
    PROFILES,
    STEP_ENTRIES,
    Tx,
    before,
    handles,
    profile_at,
)

STEP_KINDS = get_args(StepKind)


@handles("ledger.genesis")
def _genesis(tx: Tx, body: Obj) -> None:
    tx.new(
        PROFILES[0],
        {
            "id": PROFILES[1],
            "first_seq": tx.seq,
            "versions": [
                {
                    "name": body["rule_profile"],
                    "version": 1,
                    "effective_from": "0001-01-01",
                    "rules": dict(BUILT_IN_PROFILES.get(body["rule_profile"], {})),
                    "seq": 0,
                }
            ],
        },
    )


@handles("rule_profile.versioned")
def _profile_versioned(tx: Tx, body: Obj) -> None:
    profiles = tx.need(*PROFILES)
    names = [v["name"] for v in profiles["versions"]]
    newest = profiles["versions"][-1]
    if tx.stmt.subject in names:
        raise tx.wrong(f"rule profile {tx.stmt.subject} already exists; choose a new name")
    if body["version"] <= newest["version"]:
        raise tx.wrong(
            f"{body['version']} is not after version {newest['version']}", where="body.version"
        )
    rules = body["rules"]
    for unit in ("legality_review_unit", "party_committee"):
        if rules.get(unit) is not None:
            tx.organ(rules[unit], f"body.rules.{unit}")
    for index, local in enumerate(rules.get("exemption_grounds", [])):
        if local["step"] not in STEP_KINDS:
            raise tx.wrong(
                f"no step {local['step']!r}; the steps are {', '.join(STEP_KINDS)}",
                where=f"body.rules.exemption_grounds.{index}.step",
            )
    profiles["versions"].append(
        {
            "name": tx.stmt.subject,
            "version": body["version"],
            "effective_from": body["effective_from"],
            "rules": rules,
            "seq": tx.seq,
        }
    )


# -- catalog --


def _check_items(tx: Tx, items: list[Obj], existing: set[str]) -> None:
    seen = set(existing)
    for index, item in enumerate(items):
        if item["id"] in seen:
            raise tx.wrong(f"item {item['id']} appears twice", where=f"body.items.{index}.id")
        seen.add(item["id"])
        tx.organ(item["undertaking_unit"], f"body.items.{index}.undertaking_unit")


@handles("catalog.published")
def _catalog_published(tx: Tx, body: Obj) -> None:
    tx.organ(body["organ"], "body.organ")
    _check_items(tx, body["items"], set())
    tx.new(
        "catalog",
        {
            "id": tx.stmt.subject,
            "first_seq": tx.seq,
            "organ": body["organ"],
            "year": body["year"],
            "status": "published",
            "items": {item["id"]: item for item in body["items"]},
            "removed": {},
            "published_at": body["published_at"],
        },
    )


@handles("catalog.adjusted")
def _catalog_adjusted(tx: Tx, body: Obj) -> None:
    catalog = tx.need("catalog", tx.stmt.subject)
    for index, item in enumerate(body.get("remove", [])):
        if item not in catalog["items"]:
            raise tx.wrong(
                f"no item {item} in catalog {catalog['id']}", where=f"body.remove.{index}"
            )
    _check_items(tx, body.get("add", []), set(catalog["items"]) | set(catalog["removed"]))
    for item in body.get("remove", []):
        catalog["removed"][item] = {"seq": tx.seq, "reason": body["reason"]}
        del catalog["items"][item]
    for item in body.get("add", []):
        catalog["items"][item["id"]] = item


# -- proposal and initiation --


@handles("decision.proposed")
def _proposed(tx: Tx, body: Obj) -> None:
    organ = tx.organ(body["organ"], "body.organ")
    if organ["kind"] not in DELIBERATIVE_KINDS:
        raise tx.wrong(
            f"{organ['id']} is a {organ['kind']}, not a collective organ that "
            f"decides ({', '.join(DELIBERATIVE_KINDS)})",
            where="body.organ",
        )
    scope, planned, hearing = body["scope"], None, False
    if (scope.get("catalog") is None) != (scope.get("item") is None):
        raise tx.wrong("give both catalog and item, or neither", where="body.scope")
    if scope.get("catalog") is not None:
        catalog = tx.need("catalog", scope["catalog"], write=False, where="body.scope.catalog")
        item = catalog["items"].get(scope["item"])
        if item is None:
            raise tx.wrong(f"no item {scope['item']} in {catalog['id']}", where="body.scope.item")
        planned = item["planned_decision_by"]
        hearing = item.get("hearing_required", False)
    if body["applicability"] == "excluded" and body.get("excluded_reason") is None:
        raise tx.wrong(
            "an excluded matter needs its Art. 3 ¶2 reason", where="body.excluded_reason"
        )
    confidentiality = body["confidentiality"]
    if confidentiality["level"] != "public" and confidentiality.get("legal_basis") is None:
        raise tx.wrong(
            "non-disclosure needs a legal basis", where="body.confidentiality.legal_basis"
        )
    for index, person in enumerate(body.get("personnel", [])):
        tx.person(person, f"body.personnel.{index}")
    for index, link in enumerate(body.get("links", [])):
        tx.need("decision", link["target"], write=False, where=f"body.links.{index}.target")
    name, version, _ = tx.procedure.profile(profile_at(tx, tx.day))
    tx.new(
        "decision",
        {
            "id": tx.stmt.subject,
            "first_seq": tx.seq,
            "title": body["title"],
            "organ": body["organ"],
            "year": int(tx.day[:4]),
            "status": "proposed",
            "profile": name,
            "profile_version": version,
            "scope": scope,
            "applicability": body["applicability"],
            "confidentiality": confidentiality["level"],
            "flags": body.get("flags", []),
            "item_class": body.get("item_class", "general"),
            "amount_fen": body.get("amount_fen"),
            "personnel": body.get("personnel", []),
            "links": body.get("links", []),
            "planned_by": planned,
            "hearing_required": hearing,
            "proposed_at": tx.at(),
            "proposed_seq": tx.seq,
            "proposal_doc": body.get("proposal_doc"),
            "unit": None,
            "drafts": {},
            "draft_order": [],
            "legal_basis_seq": None,
            "steps": {},
            "review": {"submitted": None, "opinions": [], "returns": []},
            "agenda": None,
            "deliberations": [],
            "decided": None,
            "party_report": None,
            "published": None,
            "execution": None,
            "evaluations": [],
            "archives": [],
            "exceptions": [],
            "corrections": [],
            "adjustment": None,
        },
    )
    tx.involve(tx.stmt.actor, tx.stmt.subject, "proposer")


@handles("decision.initiated")
def _initiated(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("proposed",))
    meeting = None
    if body.get("meeting") is not None:
        meeting = tx.need("meeting", body["meeting"], write=False, where="body.meeting")
    profile = tx.profile(decision)
    if profile.edition >= 2:
        _initiator(tx, decision, body, meeting, profile)
    decision["status"] = "initiated"
    decision["initiated_seq"] = tx.seq
    tx.involve(tx.stmt.actor, decision["id"], "initiator")


def _initiator(
    tx: Tx, decision: Decision, body: Obj, meeting: Meeting | None, profile: RuleProfile
) -> None:
    """Edition 2 (Art. 10): the organ that decides takes the matter up. The head of the deciding
    organ signs an initiation `by` the head (or a delegate the profile names); one `by` a
    meeting names a meeting of that organ, and its chair or recorder signs it."""
    organ, actor = decision["organ"], tx.stmt.actor
    if body["by"] == "head":
        heads = tx.head_of(organ, tx.day)
        if actor not in heads and actor not in profile.initiation_delegates:
            named = ", ".join(heads) or "nobody on that day"
            raise tx.wrong(
                f"Art. 10: a decision of {organ} is initiated by its head ({named}) or a delegate "
                f"the rule profile names, not by {actor}"
            )
        return
    if meeting is None:
        raise tx.wrong("Art. 10: name the meeting that decided to initiate", where="body.meeting")
    if meeting["organ"] != organ:
        raise tx.wrong(
            f"Art. 10: {meeting['id']} is a meeting of {meeting['organ']}, not of {organ}, which "
            "decides this matter",
            where="body.meeting",
        )
    if actor not in (meeting["chair"], meeting["recorder"]):
        raise tx.wrong(
            f"Art. 10: the initiation decided at {meeting['id']} is signed by its chair "
            f"({meeting['chair']}) or recorder ({meeting['recorder']}), not by {actor}"
        )


@handles("decision.not_initiated")
def _not_initiated(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("proposed",))
    decision["status"] = "closed"
    decision["closed"] = {"seq": tx.seq, "reason": body["reason"]}


@handles("undertaking_unit.assigned")
def _unit(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("initiated", *DRAFTING))
    for where, organ in [("body.lead", body["lead"])] + [
        (f"body.co_units.{i}", o) for i, o in enumerate(body.get("co_units", []))
    ]:
        tx.organ(organ, where)
    for role in ("leaders", "drafters"):
        for index, person in enumerate(body.get(role, [])):
            tx.person(person, f"body.{role}.{index}")
    decision["unit"] = {
        "lead": body["lead"],
        "co_units": body.get("co_units", []),
        "seq": tx.seq,
        "leaders": body["leaders"],
        "drafters": body.get("drafters", []),
    }
    if decision["status"] == "initiated":
        decision["status"] = "drafting"
    for person in body["leaders"]:
        tx.involve(person, decision["id"], "undertaking_leader", unit=body["lead"])
    for person in body.get("drafters", []):
        tx.involve(person, decision["id"], "drafter", unit=body["lead"])


# -- drafting --


@handles("draft.versioned")
def _draft(tx: Tx, body: Obj) -> None:
    decision = tx.need("decision", tx.stmt.subject)
    editorial = body.get("editorial_of")
    if editorial is not None:
        decided = decision.get("decided")
        if decided is None or decided["draft"] != editorial:
            raise tx.wrong(
                "an editorial revision must be of the approved draft"
                + (f" ({decided['draft'][:12]}…)" if decided else "; nothing is approved yet"),
                where="body.editorial_of",
            )
        if decided["outcome"] != "approve_with_editorial_changes":
            raise tx.wrong(
                "the decision was approved without editorial changes; "
                "a changed text needs a new deliberation",
                where="body.editorial_of",
            )
    else:
        tx.drafting(decision)
    if tx.profile(decision).edition >= 2:
        _by_undertaking_unit(tx, decision)
    if body["doc"] in decision["drafts"]:
        raise tx.wrong(
            f"{body['doc'][:12]}… is already draft v{decision['drafts'][body['doc']]['version']}",
            where="body.doc",
        )
    newest = max((d["version"] for d in decision["drafts"].values()), default=0)
    if body["version"] <= newest:
        raise tx.wrong(f"{body['version']} is not after v{newest}", where="body.version")
    responds = body.get("responds_to_review")
    if responds is not None:
        opinion = latest_opinion(decision, responds)
        if opinion is None or opinion["opinion"] != "lawful_subject_to_changes":
            raise tx.wrong(
                f"draft {responds[:12]}… has no legality opinion asking for changes",
                where="body.responds_to_review",
            )
        if tx.profile(decision).edition >= 2 and before(tx.at(), opinion["at"]):
            raise tx.wrong(
                f"Art. 28: the draft is dated {tx.at()}, before the legality opinion whose "
                f"changes it applies ({opinion['at']}, seq {opinion['seq']})",
                where="occurred_at",
            )
    decision["drafts"][body["doc"]] = {
        "version": body["version"],
        "seq": tx.seq,
        "at": tx.at(),
        "responds_to_review": responds,
        "editorial_of": editorial,
    }
    decision["draft_order"].append(body["doc"])
    if editorial is None:
        if responds is not None and decision["status"] == "drafting":
            decision["status"] = "ready_for_deliberation"
        elif responds is None and decision["status"] == "ready_for_deliberation":
            decision["status"] = "drafting"
    tx.involve(tx.stmt.actor, decision["id"], "drafter", version=body["version"])


@handles("legal_basis.recorded")
def _legal_basis(tx: Tx, body: Obj) -> None:
    decision = tx.decision()
    tx.drafting(decision)
    if tx.profile(decision).edition >= 2:
        _by_undertaking_unit(tx, decision)
    decision["legal_basis_seq"] = tx.seq
    decision["legal_basis_items"] = len(body["items"])


def required_steps(decision: Decision | Obj, profile: RuleProfile) -> dict[str, str]:
    """The steps a decision must complete or validly exempt, each with why it is required."""
    why: dict[str, str] = {}
    for step in profile.required_steps:
        why[step] = "rule profile"
    for flag in decision["flags"]:
        if flag in FLAG_STEPS:
            why.setdefault(FLAG_STEPS[flag], f"flag {flag}")
    if decision.get("hearing_required"):
        why.setdefault("hearing", "catalog item")
    for step, record in decision["steps"].items():
        if record.get("determination") == "required":
            why.setdefault(step, f"determined at seq {record['determined_seq']}")
    if profile.edition >= 2:  # Art. 8: reported before issue (npc.reported), not before review
        why.pop("npc_report", None)
    return why


@handles("step.determined")
def _step_determined(tx: Tx, body: Obj) -> None:
    decision = tx.decision()
    tx.drafting(decision)
    step, determination = body["step"], body["determination"]
    if determination == "not_applicable":
        if body.get("reason") is None:
            raise tx.wrong("a step that does not apply needs the reason", where="body.reason")
        why = required_steps(decision, tx.profile(decision)).get(step)
        if why is not None and not why.startswith("determined"):
            raise tx.wrong(
                f"{step} is required here ({why}); it can only be exempt, with a legal basis",
                where="body.determination",
            )
    if determination == "exempt" and body.get("legal_basis") is None:
        raise tx.wrong("an exemption needs its legal basis", where="body.legal_basis")
    edition = tx.profile(decision).edition
    if edition >= 2:
        _exemption_ground(tx, decision, body)
    record = decision["steps"].setdefault(step, {})
    record.update(
        {
            "determination": determination,
            "determined_seq": tx.seq,
            "reason": body.get("reason"),
            "legal_basis": body.get("legal_basis"),
        }
    )
    if edition >= 2:
        record["ground"] = body.get("ground")


# The grounds on which Decree 713 lets a step be exempted, by step, with the article: a matter
# not disclosable by law is exempt from what would disclose it to the public (Art. 14 ¶1, and
# so from public comment, Art. 15, and a public hearing, Art. 16); a risk already assessed under
# other rules is not assessed again (Art. 22 ¶2). The rule profile may add local grounds.
STATUTORY_GROUNDS: dict[str, dict[str, str]] = {
    "public_participation": {"not_disclosable_by_law": "Art. 14"},
    "public_comment": {"not_disclosable_by_law": "Art. 14"},
    "hearing": {"not_disclosable_by_law": "Art. 14"},
    "risk_assessment": {"already_assessed": "Art. 22"},
}


def exemption_grounds(step: str, profile: RuleProfile) -> dict[str, str]:
    """The grounds on which `step` may be exempted, each with the article or local source that
    allows it (edition 2)."""
    grounds = dict(STATUTORY_GROUNDS.get(step, {}))
    for local in profile.exemption_grounds:
        if local.step == step:
            grounds.setdefault(local.ground, local.source)
    return grounds


def _exemption_ground(tx: Tx, decision: Decision, body: Obj) -> None:
    """Edition 2 (G2; Art. 14, 22): an exemption names a ground from the closed list for its
    step; `not_disclosable_by_law` only for a decision proposed as not disclosable by law."""
    step, ground = body["step"], body.get("ground")
    if body["determination"] != "exempt":
        if ground is not None:
            raise tx.wrong("a ground is given only for an exemption", where="body.ground")
        return
    grounds = exemption_grounds(step, tx.profile(decision))
    listed = ", ".join(f"{name} ({source})" for name, source in grounds.items())
    if ground is None or ground not in grounds:
        said = "names no ground" if ground is None else f"names {ground!r}"
        allowed = (
            f"the grounds for {step} are {listed}"
            if grounds
            else f"neither Decree 713 nor the rule profile gives a ground to exempt {step}"
        )
        raise refuse(
            "G2",
            f"the exemption of {step} {said}; {allowed}; a reason or legal basis in free text "
            "does not exempt a step",
            seq=tx.seq,
            field="ground",
            remedy="ground_the_exemption",
        )
    level = decision["confidentiality"]
    if ground == "not_disclosable_by_law" and level != "not_disclosable_by_law":
        raise refuse(
            "G2",
            f"Art. 14: {step} is exempt only for a matter not disclosable by law, and decision "
            f"{decision['id']} was proposed as {level} (seq {decision['proposed_seq']})",
            seq=tx.seq,
            field="ground",
            conflicting_seq=decision["proposed_seq"],
            remedy="ground_the_exemption",
        )


def _complete_step(tx: Tx, decision: Decision, step: str, draft: str, **extra: Any) -> None:
    record = decision["steps"].setdefault(step, {})
    record.update({"completed_seq": tx.seq, "draft": draft, **extra})


@handles(*STEP_ENTRIES, "step.completed")
def _step(tx: Tx, body: Obj) -> None:
    decision = tx.decision()
    tx.drafting(decision)
    draft = tx.draft(decision, body["draft"])
    kind = tx.stmt.type
    step = body["step"] if kind == "step.completed" else STEP_ENTRIES[kind]
    profile = tx.profile(decision)
    extra: dict[str, Any] = {}
    if profile.edition >= 2:
        extra = _step_edition_2(tx, decision, body, step, draft)
    if kind == "consultation.completed":
        for index, unit in enumerate(body["units"]):
            tx.organ(unit["organ"], f"body.units.{index}.organ")
        disagreeing = [u["organ"] for u in body["units"] if u["position"] == "disagree"]
        if disagreeing and not body.get("disputes"):
            raise tx.wrong(
                f"{', '.join(disagreeing)} disagree; Art. 13 requires the points "
                "of dispute, each side's view and the undertaking unit's reasons",
                where="body.disputes",
            )
        extra["disputes"] = len(body.get("disputes", []))
    elif kind == "public_comment.opened":
        days = days_between(body["published_at"], body["deadline"])
        if days < 0:
            raise tx.wrong("the deadline is before publication", where="body.deadline")
        if days < profile.comment_min_days:
            tx.soft(
                "G3",
                f"the comment period is {days} days, shorter than the "
                f"{profile.comment_min_days} the rule profile requires",
                decision,
                body.get("exceptions", {}),
                field="deadline",
            )
        extra["period_days"] = days
    elif kind == "public_participation.completed":
        for index, item in enumerate(body.get("dispositions", [])):
            if item["disposition"] != "adopted" and item.get("reason") is None:
                raise tx.wrong(
                    "an opinion not (fully) adopted needs the reason (Art. 18)",
                    where=f"body.dispositions.{index}.reason",
                )
        extra["opinions"] = body["opinions_received"]
    elif kind == "hearing.held":
        if profile.edition >= 2:
            _hearing_in_order(tx, body)
        days = days_between(body["materials_delivered_at"], body["held_at"])
        if days < 0:
            raise tx.wrong("after the hearing was held", where="body.materials_delivered_at")
        if days < profile.hearing_materials_min_days:
            tx.soft(
                "G4",
                f"hearing materials reached participants {days} days before the "
                f"hearing, fewer than {profile.hearing_materials_min_days}",
                decision,
                body.get("exceptions", {}),
                field="materials_delivered_at",
            )
    elif kind == "expert_argumentation.completed":
        interested = [e["name"] for e in body["experts"] if not e["no_direct_interest"]]
        if interested:
            raise tx.wrong(
                f"{', '.join(interested)} declared a direct interest; Art. 20 "
                "excludes them from the argumentation",
                where="body.experts",
            )
        extra["experts"] = [
            {
                "name": e["name"],
                "institution": e.get("institution"),
                "dissenting_view": e.get("dissenting_view", False),
            }
            for e in body["experts"]
        ]
    elif kind == "risk_assessment.completed":
        extra["conclusion"] = body["conclusion"]
        extra["third_party"] = body.get("third_party")
        extra["complete_report"] = bool(
            body.get("already_assessed_ref")
            or (
                body.get("risk_points")
                and body.get("prevention_measures")
                and body.get("contingency_plan")
            )
        )
    elif kind == "fair_competition_review.completed":
        extra["conclusion"] = body["conclusion"]
    if profile.edition >= 2 and step in BLOCKING:
        _block_or_lift(tx, decision, step, body, extra)
    if profile.edition >= 2:  # its result documents, which go before the meeting (Art. 29)
        extra["docs"] = doc_refs(body)
    _complete_step(tx, decision, step, body["draft"], **extra)
    tx.involve(tx.stmt.actor, decision["id"], f"step:{step}")


# The article behind each step the undertaking unit records (edition 2: who records it, and
# that it is not dated before the draft it names).
STEP_ARTICLES = {
    "consultation.completed": "Art. 13",
    "public_comment.opened": "Art. 15",
    "public_participation.completed": "Art. 14",
    "hearing.held": "Art. 16",
    "expert_argumentation.completed": "Art. 19",
    "risk_assessment.completed": "Art. 22",
    "fair_competition_review.completed": "Art. 29(1)",
    "step.completed": "Art. 11",
}
# Steps that other bodies perform and report (an integrity review by the supervision organ,
# local rules; the report to the people's congress, Art. 8): anyone may record them.
OTHER_BODIES_STEPS = ("integrity_review", "npc_report")


def _step_edition_2(tx: Tx, decision: Decision, body: Obj, step: str, draft: Draft) -> Obj:
    """Edition 2: who records the step, its date against what it rests on, and the public
    comment a participation result rests on. Returns what the step's record keeps besides."""
    kind = tx.stmt.type
    article = STEP_ARTICLES[kind]
    if kind == "step.completed" and step in STEP_ENTRIES.values():
        own = next(name for name, value in STEP_ENTRIES.items() if value == step)
        raise tx.wrong(
            f"{step} has its own entry type, which records what it concluded: record {own}",
            where="body.step",
        )
    if step not in OTHER_BODIES_STEPS:
        _by_undertaking_unit(tx, decision)
    if before(tx.at(), draft["at"]):
        raise tx.wrong(
            f"{article}: the {step} step is dated {tx.at()}, before the draft it names was "
            f"versioned ({draft['at']}, seq {draft['seq']})",
            where="occurred_at",
        )
    extra: Obj = {"at": tx.at()}
    published = {"public_comment.opened": "published_at", "hearing.held": "notice_published_at"}
    if kind in published and body[published[kind]] < draft["at"][:10]:
        raise tx.wrong(
            f"{article}: the draft is published on {body[published[kind]]}, before it was "
            f"versioned ({draft['at'][:10]}, seq {draft['seq']})",
            where=f"body.{published[kind]}",
        )
    if kind == "public_comment.opened":
        extra["deadline"] = body["deadline"]
    if kind == "public_participation.completed" and "public_comment" in body["methods"]:
        _after_the_comment_period(tx, decision, draft)
    return extra


def _after_the_comment_period(tx: Tx, decision: Decision, draft: Draft) -> None:
    """Edition 2 (G3; Art. 15): participation by public comment rests on a comment opened for
    this draft or an earlier one of the decision (the result of a comment period is often
    reported on the draft revised in answer to it, Art. 18), and is not recorded as done
    before the comment period's deadline. A shortened period is the opening's, with its G3
    reason."""
    opened = decision["steps"].get("public_comment", {})
    if "completed_seq" not in opened:
        raise refuse(
            "G3",
            f"participation by public comment for decision {decision['id']}, but no comment "
            "was opened (public_comment.opened)",
            seq=tx.seq,
            field="methods",
            remedy="keep_the_comment_period",
        )
    commented = decision["drafts"][opened["draft"]]
    if commented["version"] > draft["version"]:
        raise refuse(
            "G3",
            f"the comment opened at seq {opened['completed_seq']} is on draft "
            f"v{commented['version']}, newer than the draft this result names "
            f"(v{draft['version']})",
            seq=tx.seq,
            field="draft",
            conflicting_seq=opened["completed_seq"],
            remedy="keep_the_comment_period",
        )
    deadline = opened.get("deadline")
    if deadline is not None and tx.day < deadline:
        raise refuse(
            "G3",
            f"participation by public comment is dated {tx.day}, before the comment period "
            f"opened at seq {opened['completed_seq']} ends ({deadline})",
            seq=tx.seq,
            conflicting_seq=opened["completed_seq"],
            remedy="keep_the_comment_period",
        )


# The order of a hearing's steps (Art. 16: the draft, the selection method and the participant
# list are published before, the materials delivered before the hearing is held).
HEARING_ORDER = (
    "notice_published_at",
    "selection_published_at",
    "participants_published_at",
    "materials_delivered_at",
    "held_at",
)


def _hearing_in_order(tx: Tx, body: Obj) -> None:
    """Edition 2 (G4; Art. 16): the hearing's dates in the order the article gives, none after
    the day it is recorded as held."""
    for earlier, later in zip(HEARING_ORDER, HEARING_ORDER[1:], strict=False):
        if body[later] < body[earlier]:
            raise refuse(
                "G4",
                f"{later} ({body[later]}) is before {earlier} ({body[earlier]}); Art. 16 "
                "publishes the notice, the selection method and the participants, and delivers "
                "the materials, before the hearing",
                seq=tx.seq,
                field=later,
                remedy="date_the_hearing_in_order",
            )
    if body["held_at"] > tx.day:
        raise refuse(
            "G4",
            f"the hearing is recorded as held on {body['held_at']}, after this entry's own date "
            f"({tx.day})",
            seq=tx.seq,
            field="held_at",
            remedy="date_the_hearing_in_order",
        )


# The conclusions that forbid going on (edition 2): a risk that is not controllable (Art. 24:
# the draft is adjusted until it is), a fair-competition review that fails (Art. 29(1); the
# Fair Competition Review Regulations, 2024: a measure that restricts competition is not
# issued as it stands).
BLOCKING = {
    "risk_assessment": "not_controllable",
    "fair_competition_review": "fails",
}
BLOCKING_WORDS = {
    "risk_assessment": ("Art. 24", "risk assessment", "assessment"),
    "fair_competition_review": ("Art. 29(1)", "fair-competition review", "review"),
}


def _block_or_lift(tx: Tx, decision: Decision, step: str, body: Obj, extra: Obj) -> None:
    """A conclusion that forbids going on blocks the decision; a later one that does not, on
    the same draft or a newer one, lifts the block."""
    record = decision["steps"].get(step, {})
    if body["conclusion"] == BLOCKING[step]:
        extra["blocked"] = {"seq": tx.seq, "draft": body["draft"], "conclusion": body["conclusion"]}
        return
    blocked = record.get("blocked")
    if blocked is not None:
        drafts = decision["drafts"]
        if drafts[body["draft"]]["version"] >= drafts[blocked["draft"]]["version"]:
            extra["blocked"] = None


def blocking_conclusion(decision: Decision | Obj) -> tuple[str, Obj] | None:
    """The step whose conclusion forbids going on, and that conclusion (None: none does)."""
    for step, record in decision["steps"].items():
        blocked = record.get("blocked")
        if blocked is not None:
            return step, blocked
    return None


def conclusions_permit(tx: Tx, decision: Decision, gate: str) -> None:
    """Edition 2 (G2 before legality review, G5 before the agenda): refuse while a conclusion
    forbids going on. A decision recorded under edition 1 keeps no such block."""
    found = blocking_conclusion(decision)
    if found is None:
        return
    step, blocked = found
    article, name, what = BLOCKING_WORDS[step]
    raise refuse(
        gate,
        f"{article}: the {name} of draft "
        f"{blocked['draft'][:12]}… (seq {blocked['seq']}) concluded {blocked['conclusion']}, "
        f"which forbids going on until a later {what} of that draft or a newer one concludes "
        "otherwise, or the matter is dropped",
        seq=tx.seq,
        conflicting_seq=blocked["seq"],
        remedy="conclude_otherwise_first",
    )


def _by_undertaking_unit(tx: Tx, decision: Decision) -> None:
    """Edition 2 (G1; Art. 11–12, and Art. 13–24 for the steps it organises): the undertaking
    unit records its drafting work: a leader or drafter its assignment names, or a member of
    the lead unit or a co-unit on the entry's day (the register)."""
    unit = decision["unit"]
    assert unit is not None  # drafting: the unit is assigned (G1)
    actor = tx.stmt.actor
    units = [unit["lead"], *unit["co_units"]]
    if actor in unit["leaders"] or actor in unit["drafters"]:
        return
    if any(tx.directory.roles_at(actor, organ, tx.day) for organ in units):
        return
    named = ", ".join(dict.fromkeys([*unit["leaders"], *unit["drafters"]]))
    raise refuse(
        "G1",
        f"Art. 11: {tx.stmt.type} for decision {decision['id']} is recorded by its undertaking "
        f"unit (named at seq {unit['seq']}: {named}; or a member of {', '.join(units)} on "
        f"{tx.day}), not by {actor}",
        seq=tx.seq,
        conflicting_seq=unit["seq"],
        remedy="draft_by_the_undertaking_unit",
    )


# -- legality review --


def latest_opinion(decision: Decision | Obj, draft: str) -> Opinion | None:
    """The latest legality opinion on `draft` (None: it has none)."""
    found: Opinion | None = None
    for opinion in decision["review"]["opinions"]:
        if opinion["draft"] == draft:
            found = opinion
    return found


def eligible_drafts(decision: Decision | Obj) -> dict[str, Opinion]:
    """G5: the drafts that may go on the agenda, each with the opinion that clears it (none
    while a conclusion forbids going on, edition 2)."""
    cleared: dict[str, Opinion] = {}
    if blocking_conclusion(decision) is not None:
        return cleared
    for doc, draft in decision["drafts"].items():
        opinion = latest_opinion(decision, doc)
        if opinion is not None and opinion["opinion"] in (
            "lawful",
            "exploratory_with_disclosed_legal_risk",
        ):
            cleared[doc] = opinion
        responds = draft.get("responds_to_review")
        if responds is not None:
            basis = latest_opinion(decision, responds)
            if basis is not None and basis["opinion"] == "lawful_subject_to_changes":
                cleared[doc] = {**basis, "applied_at": draft["at"]}
    return cleared


def _reviewer(tx: Tx, decision: Decision) -> None:
    unit = tx.profile(decision).legality_review_unit
    if unit is None:
        raise tx.wrong(
            "no legality-review unit is named in the rule profile; the registrar records "
            "rule_profile.versioned with rules.legality_review_unit"
        )
    if not tx.directory.roles_at(tx.stmt.actor, unit, tx.day):
        raise tx.wrong(
            f"{tx.stmt.actor} is not a member of the legality-review unit "
            f"{unit} on {tx.day} (Art. 28: the opinion comes from that unit)"
        )


@handles("legality_review.submitted")
def _review_submitted(tx: Tx, body: Obj) -> None:
    decision = tx.decision()
    tx.drafting(decision)
    if decision["status"] == "under_legality_review":
        raise tx.wrong(f"draft {_submitted(decision)['draft'][:12]}… is already under review")
    draft = tx.draft(decision, body["draft"])
    edition = tx.profile(decision).edition
    if edition >= 2:
        _submitted_in_order(tx, decision, draft)
    steps = decision["steps"]
    missing = [
        f"{step} ({why})"
        for step, why in required_steps(decision, tx.profile(decision)).items()
        if "completed_seq" not in steps.get(step, {})
        and steps.get(step, {}).get("determination") not in ("exempt", "not_applicable")
    ]
    if missing:
        raise tx.gate("G2", f"required steps are not completed or exempted: {', '.join(missing)}")
    if edition >= 2:
        conclusions_permit(tx, decision, "G2")
    decision["status"] = "under_legality_review"
    decision["review"]["submitted"] = {"draft": body["draft"], "at": tx.at(), "seq": tx.seq}


def _submitted_in_order(tx: Tx, decision: Decision, draft: Draft) -> None:
    """Edition 2 (Art. 25–27): the undertaking unit submits the draft, not before it was
    versioned nor before a step it reports as performed (Art. 26 ¶1, 27(2))."""
    _by_undertaking_unit(tx, decision)
    rests_on = [("the draft was versioned", draft["at"], draft["seq"])] + [
        (f"the {step} step", record["at"], record["completed_seq"])
        for step, record in decision["steps"].items()
        if "at" in record and "completed_seq" in record
    ]
    for what, at, seq in rests_on:
        if before(tx.at(), at):
            raise tx.wrong(
                f"Art. 26: submitted for legality review on {tx.at()}, before {what} ({at}, "
                f"seq {seq})",
                where="occurred_at",
            )


@handles("legality_review.returned")
def _review_returned(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("under_legality_review",))
    _reviewer(tx, decision)
    _same_draft(tx, decision, body["draft"])
    decision["review"]["returns"].append({"seq": tx.seq, "reason": body["reason"]})
    decision["status"] = "drafting"
    tx.involve(tx.stmt.actor, decision["id"], "legality_reviewer", returned=True)


def _submitted(decision: Decision) -> Submission:
    """The submission under review (the decision is under legality review)."""
    submitted = decision["review"]["submitted"]
    assert submitted is not None
    return submitted


def _same_draft(tx: Tx, decision: Decision, draft: str) -> None:
    submitted = _submitted(decision)["draft"]
    if draft != submitted:
        raise tx.wrong(
            f"{draft[:12]}… is not the draft under review ({submitted[:12]}…); "
            "an opinion binds to the draft it reviewed",
            where="body.draft",
        )


@handles("legality_review.opinion")
def _review_opinion(tx: Tx, body: Obj) -> None:
    decision = tx.decision(("under_legality_review",))
    _reviewer(tx, decision)
    _same_draft(tx, decision, body["draft"])
    submitted = _submitted(decision)
    if tx.profile(decision).edition >= 2 and before(tx.at(), submitted["at"]):
        raise tx.wrong(
            f"Art. 26: the opinion is dated {tx.at()}, before the draft was submitted for review "
            f"({submitted['at']}, seq {submitted['seq']})",
            where="occurred_at",
        )
    opinion, checks = body["opinion"], body["checks"]
    failed = [name for name in ("authority", "procedure", "content") if not checks[name]["ok"]]
    if opinion == "lawful" and failed:
        raise tx.wrong(f"lawful, but the {', '.join(failed)} check failed", where="body.opinion")
    if opinion == "unlawful" and not failed:
        raise tx.wrong("unlawful, but all three Art. 27 checks passed", where="body.opinion")
    if opinion == "lawful_subject_to_changes" and body.get("required_changes") is None:
        raise tx.wrong("name the changes the draft needs", where="body.required_changes")
    if opinion == "exploratory_with_disclosed_legal_risk":
        if "exploratory_reform" not in decision["flags"]:
            raise tx.wrong(
                "only a decision flagged exploratory_reform qualifies", where="body.opinion"
            )
        if body.get("risk_statement") is None:
            raise tx.wrong("Art. 25 requires the legal risks stated", where="body.risk_statement")
    profile = tx.profile(decision)
    submitted = _submitted(decision)
    days = profile.working_days(submitted["at"][:10], tx.day)
    if days < profile.legality_review_min_working_days:
        tx.soft(
            "G6",
            f"the legality review took {days} working days, fewer than "
            f"{profile.legality_review_min_working_days}",
            decision,
            body.get("exceptions", {}),
            conflicting_seq=submitted["seq"],
        )
    decision["review"]["opinions"].append(
        {
            "draft": body["draft"],
            "opinion": opinion,
            "seq": tx.seq,
            "at": tx.at(),
            "reviewer": tx.stmt.actor,
            "failed_checks": failed,
            "advisers": len(body.get("adviser_opinions", [])),
        }
    )
    if profile.edition >= 2:  # the opinion goes before the meeting with the draft (Art. 29)
        decision["review"]["opinions"][-1]["doc"] = body["opinion_doc"]
    decision["status"] = (
        "ready_for_deliberation"
        if opinion in ("lawful", "exploratory_with_disclosed_legal_risk")
        else "drafting"
    )
    tx.involve(tx.stmt.actor, decision["id"], "legality_reviewer", opinion=opinion)


__all__ = [
    "STATUTORY_GROUNDS",
    "blocking_conclusion",
    "conclusions_permit",
    "eligible_drafts",
    "exemption_grounds",
    "latest_opinion",
    "required_steps",
]
