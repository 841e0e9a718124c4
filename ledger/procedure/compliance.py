"""The compliance report of one decision (decision-procedure.md §4.5), from its state alone.

Hard gates were enforced when each entry was appended, and again by `ledger verify`; this report
adds the checks that are not gates, lists the documented exceptions (soft gates passed with a
reason, exemptions, confidentiality), and says whether the record is complete. Anyone holding the
entries recomputes the same report: it reads nothing but the replayed state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ledger.entry import ledger_today
from ledger.errors import seq_list
from ledger.procedure.model import Decision, Meeting, Obj
from ledger.procedure.profile import RuleProfile, days_between
from ledger.procedure.state import DECIDED, FLAG_STEPS

# A decision or meeting as a reader holds it: its typed state, or the JSON read from its row.
DecisionState = Decision | Obj
MeetingState = Meeting | Obj

IN_PROGRESS = "in_progress"


def _finding(check: str, basis: str, severity: str, message: str, seq: int | None) -> Obj:
    return {"check": check, "basis": basis, "severity": severity, "message": message, "seq": seq}


def report(
    decision: DecisionState,
    profile: RuleProfile,
    meetings: Mapping[str, MeetingState],
    repudiated: Sequence[Obj] = (),
    timeline: Sequence[tuple[int, str, str, str]] = (),
    today: str | None = None,
) -> Obj:
    """The decision's compliance report: status, findings, exceptions, record completeness.

    `repudiated` lists the entries about the decision that a key revocation repudiates (as
    `decisions.repudiations` gives them): each revocation gives a finding naming their seqs.
    `timeline` is the decision's entries as (seq, type, occurred_at, recorded_at): under an
    edition-2 profile, each recorded later than the profile allows after it happened is a note.
    `today` (YYYY-MM-DD, where the ledger's business happens) is the day the report is read on:
    under an edition-2 profile, a decision still not archived past the profile's deadline is a
    violation (G16) on that day.
    """
    findings: list[Obj] = []
    findings += _repudiated(repudiated)
    if profile.edition >= 2:
        findings += _recorded_late(timeline, profile)
    if profile.edition >= 2 and today is not None:
        findings += _archive_overdue(decision, profile, today)
    seq = decision["proposed_seq"]
    scope = decision["scope"]
    if not (
        scope.get("item")
        or scope.get("art3_category")
        or scope.get("sanzhong_yida")
        or scope.get("normative_document")
    ):
        findings.append(
            _finding(
                "scope_classified",
                "Art. 3",
                "violation",
                "the matter's scope is not classified",
                seq,
            )
        )
    if scope.get("item") is None and scope.get("outside_catalog_reason") is None:
        findings.append(
            _finding(
                "in_catalog",
                "Art. 3 ¶3",
                "violation",
                "not in the catalog, and no reason recorded",
                seq,
            )
        )
    amount = decision.get("amount_fen")
    if amount is not None and amount >= profile.large_fund_fen:
        if not (scope.get("sanzhong_yida") or scope.get("item")):
            findings.append(
                _finding(
                    "sanzhong_yida",
                    "三重一大",
                    "violation",
                    f"amount {amount} fen reaches the large-fund threshold "
                    f"({profile.large_fund_fen} fen) but the matter is not classified",
                    seq,
                )
            )
    decided = decision["decided"] is not None
    if decision["legal_basis_seq"] is None and decision["status"] not in ("proposed", "initiated"):
        findings.append(
            _finding(
                "legal_basis",
                "Art. 12",
                "violation" if decided else "pending",
                "no legal-basis inventory recorded",
                None,
            )
        )
    steps = decision["steps"]
    for flag in decision["flags"]:
        step = FLAG_STEPS.get(flag)
        if step and "completed_seq" not in steps.get(step, {}) and decided:
            record = steps.get(step, {})
            if record.get("determination") != "exempt":
                findings.append(
                    _finding(
                        step,
                        "Art. 14–24, 29",
                        "violation",
                        f"{step} required by flag {flag} was not done",
                        None,
                    )
                )
    risk = steps.get("risk_assessment", {})
    if "completed_seq" in risk and not risk.get("complete_report"):
        findings.append(
            _finding(
                "risk_report",
                "Art. 23",
                "violation",
                "the risk report lacks risk points, measures or a contingency plan",
                risk["completed_seq"],
            )
        )
    opinions = decision["review"]["opinions"]
    if opinions and decided and opinions[-1]["advisers"] == 0:
        findings.append(
            _finding(
                "adviser_opinions",
                "Art. 28",
                "note",
                "no legal adviser's opinion recorded with the legality review",
                opinions[-1]["seq"],
            )
        )
    published = decision["published"]
    public_concern = {"vital_interests", "technical"} & set(decision["flags"])
    if published and published.get("doc") and public_concern:
        if published.get("adoption_explanation") is None:
            findings.append(
                _finding(
                    "adoption_explanation",
                    "Art. 32",
                    "violation",
                    "published without explaining how opinions were adopted",
                    published["seq"],
                )
            )
    if decision["status"] in DECIDED[1:] and decision["execution"] is None:
        findings.append(
            _finding(
                "execution_unit", "Art. 34", "pending", "no execution unit designated yet", None
            )
        )
    positions = position_summary(decision)
    for position in positions:
        if position["signed"] == "recorder_unconfirmed":
            findings.append(
                _finding(
                    "position_confirmed",
                    "Art. 30",
                    "note",
                    f"{position['person']}'s position was recorded by the recorder and is not yet "
                    "confirmed by the member",
                    position["seq"],
                )
            )
    exceptions = [
        {
            "gate": e["gate"],
            "basis": "soft gate",
            "seq": e["seq"],
            "reason": e["reason"],
            "finding": e["finding"],
        }
        for e in decision["exceptions"]
    ]
    for step, record in steps.items():
        if record.get("determination") == "exempt":
            exceptions.append(
                {
                    "gate": None,
                    "basis": "exemption",
                    "seq": record["determined_seq"],
                    "reason": record["legal_basis"],
                    "finding": f"{step} exempt",
                }
            )
    if decision["confidentiality"] != "public":
        exceptions.append(
            {
                "gate": None,
                "basis": "Art. 14, 15, 32",
                "seq": seq,
                "reason": "not disclosable by law",
                "finding": "confidential",
            }
        )
    if any(o["opinion"] == "exploratory_with_disclosed_legal_risk" for o in opinions):
        exceptions.append(
            {
                "gate": None,
                "basis": "Art. 25",
                "seq": opinions[-1]["seq"],
                "reason": "exploratory reform, legal risk disclosed",
                "finding": "exploratory",
            }
        )
    missing = completeness(decision, meetings, profile)
    if not decided and decision["status"] != "closed":
        status = IN_PROGRESS
    elif any(f["severity"] == "violation" for f in findings):
        status = "non_compliant"
    elif exceptions:
        status = "compliant_with_documented_exceptions"
    else:
        status = "compliant"
    divergence = [
        {
            "meeting": d["meeting"],
            "seq": d["outcome"]["seq"],
            "reason": d["outcome"].get("divergence_reason"),
        }
        for d in decision["deliberations"]
        if d["outcome"].get("diverges")
    ]
    return {
        "decision": decision["id"],
        "title": decision["title"],
        "status": decision["status"],
        "compliance_status": status,
        "record_completeness": "complete" if not missing else "incomplete",
        "missing_records": missing,
        "profile": {"name": decision["profile"], "version": decision["profile_version"]},
        "findings": findings,
        "exceptions": exceptions,
        "head_divergence": divergence,
        "positions": positions,
    }


def _recorded_late(
    timeline: Sequence[tuple[int, str, str, str]], profile: RuleProfile
) -> list[Obj]:
    """A note per entry recorded more than `record_within_working_days` after its business date
    (both dates where the ledger's business happens): a record back-filled shows as such."""
    found = []
    for seq, entry_type, occurred_at, recorded_at in timeline:
        recorded_day = ledger_today(datetime.fromisoformat(recorded_at.replace("Z", "+00:00")))
        occurred_day = occurred_at[:10]
        # working days never outnumber calendar days: count them only when the gap could matter
        if days_between(occurred_day, recorded_day) <= profile.record_within_working_days:
            continue
        late = profile.working_days(occurred_day, recorded_day)
        if late > profile.record_within_working_days:
            found.append(
                _finding(
                    "recorded_late",
                    "Art. 33",
                    "note",
                    f"{entry_type} happened on {occurred_day} and was recorded on {recorded_day}, "
                    f"{late} working days later (the profile allows "
                    f"{profile.record_within_working_days})",
                    seq,
                )
            )
    return found


def _archive_overdue(decision: DecisionState, profile: RuleProfile, today: str) -> list[Obj]:
    """G16 (Art. 33) by itself: a decision taken more than `archive_deadline_days` before
    `today` with no `archive.filed`. The deadline runs from the decision, as the G16 check of an
    archive filing counts it (Shenzhen's rule: 30 days)."""
    decided = decision["decided"]
    if decided is None or decision["archives"]:
        return []
    day = decided["at"][:10]
    days = days_between(day, today)
    if days <= profile.archive_deadline_days:
        return []
    return [
        _finding(
            "archive_deadline",
            "Art. 33",
            "violation",
            f"G16: not archived {days} days after the decision ({day}, seq {decided['seq']}); "
            f"the profile's deadline is {profile.archive_deadline_days} days",
            decided["seq"],
        )
    ]


def _repudiated(entries: Sequence[Obj]) -> list[Obj]:
    """One violation per revocation: the steps its key's thief (or finder) signed are on the
    record, but their author repudiates them."""
    by_revocation: dict[int, list[Obj]] = {}
    for entry in entries:
        by_revocation.setdefault(entry["revoked_by"], []).append(entry)
    findings = []
    for revocation, listed in sorted(by_revocation.items()):
        seqs = sorted(e["seq"] for e in listed)
        first = listed[0]
        findings.append(
            _finding(
                "repudiated",
                "key revocation",
                "violation",
                f"repudiated: signed after the key's revocation took effect: seq "
                f"{seq_list(seqs)} (key {first['key_id'][:8]}… of {first['person']}, revoked "
                f"from {first['effective_at']} by seq {revocation})",
                seqs[0],
            )
        )
    return findings


def completeness(
    decision: DecisionState,
    meetings: Mapping[str, MeetingState],
    profile: RuleProfile | None = None,
) -> list[str]:
    """The records a matter's file still lacks (§4.5 record completeness). A matter not yet
    decided lacks at least its decision; one closed without a decision lacks nothing more.
    Under an edition-2 `profile`, the file also holds the Party committee's answer (Art. 31)
    and, for a matter in the people's congress's remit, the report to it (Art. 8)."""
    if decision["decided"] is None:
        if decision["status"] == "closed":
            return []
        return [f"the collective decision (the matter is {decision['status']})"]
    missing = []
    if decision["legal_basis_seq"] is None:
        missing.append("legal-basis inventory (Art. 12)")
    if not decision["review"]["opinions"]:
        missing.append("legality opinion (Art. 25)")
    meeting = meetings.get(decision["decided"]["meeting"])
    if meeting is None or meeting.get("minutes") is None:
        missing.append(f"final minutes of {decision['decided']['meeting']} (Art. 30)")
    if decision["party_report"] is None:
        missing.append("report to the Party committee (Art. 31)")
    elif profile is not None and profile.edition >= 2 and "party_answer" not in decision:
        missing.append("the Party committee's answer (Art. 31)")
    if profile is not None and profile.edition >= 2 and "npc_report" not in decision:
        record = decision["steps"].get("npc_report", {})
        if record.get("determination") != "exempt" and (
            "npc_remit" in decision["flags"] or record.get("determination") == "required"
        ):
            missing.append("report to the people's congress standing committee (Art. 8)")
    if decision["published"] is None:
        missing.append("publication or non-publication basis (Art. 32)")
    if decision["execution"] is None:
        missing.append("execution unit (Art. 34)")
    if not decision["archives"]:
        missing.append("archive record (Art. 33)")
    return missing


def position_summary(decision: DecisionState) -> list[Obj]:
    """Every member's position in every deliberation, and who signed it."""
    rows = []
    for deliberation in [*decision["deliberations"], decision["agenda"]]:
        if deliberation is None:
            continue
        for person, p in sorted(deliberation["positions"].items(), key=lambda i: i[1]["order"]):
            if p["by"] == person:
                signed = "member"
            elif p["confirmed_seq"] is not None:
                signed = "recorder_confirmed_by_member"
            else:
                signed = "recorder_unconfirmed"
            rows.append(
                {
                    "meeting": deliberation["meeting"],
                    "person": person,
                    "order": p["order"],
                    "stance": p["stance"],
                    "reason": p["reason"],
                    "seq": p["seq"],
                    "signed": signed,
                    "confirmed_seq": p["confirmed_seq"] if signed != "member" else None,
                }
            )
    return rows


__all__ = ["IN_PROGRESS", "completeness", "position_summary", "report"]
