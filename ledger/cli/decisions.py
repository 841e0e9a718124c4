"""`ledger decision new`, `ledger decisions`, `ledger check`, `ledger trace …`, `ledger overdue`
and the decision view of `ledger show`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ledger.cli.context import key_prompt, load_body, open_ledger
from ledger.cli.errors import handles_ledger_errors
from ledger.cli.output import data, info, json_line
from ledger.cli.params import year as year_param

decision_app = typer.Typer(help="Start a decision.", no_args_is_help=True)
trace_app = typer.Typer(help="Responsibility trace (倒查).", no_args_is_help=True)


@decision_app.command("new")
@handles_ledger_errors
def new(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Option("--file", "-f", help="The decision.proposed body (.json/.toml, - stdin)."),
    ],
    actor: Annotated[str, typer.Option("--as", help="Person id of the proposer; their key signs.")],
    ident: Annotated[
        str | None, typer.Option("--id", help="Decision id. [default: d<year>-<next number>]")
    ] = None,
    occurred_at: Annotated[
        str | None, typer.Option(help="Business time, RFC 3339 with offset. [default: now]")
    ] = None,
) -> None:
    """Propose a new decision (decision.proposed) and print its id.

    Example: ledger decision new --file proposal.toml --as wang.qiang
    """
    from ledger.app import appending, decisions
    from ledger.app.entries import check_id
    from ledger.entry import parse_time

    body = load_body(file)
    year = None
    if occurred_at is not None:
        year = parse_time(occurred_at, where="--occurred-at").year
    with open_ledger(ctx) as ledger:
        if ident is None:
            ident = decisions.next_decision_id(ledger, year)
        check_id(ident, where="--id")
        entry = appending.record_as(
            ledger,
            "decision.proposed",
            ident,
            body,
            actor=actor,
            passphrase=key_prompt(actor),
            occurred_at=occurred_at,
        )
    info(f"proposed decision {ident} as seq {entry.seq}")
    data(ident)


@handles_ledger_errors
def decisions_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. drafting.")] = None,
    scope: Annotated[
        str | None, typer.Option(help="Scope contains this: item-01, art3:1, large_fund …")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            metavar="YEAR", parser=year_param, help="Only decisions proposed in this year."
        ),
    ] = None,
    organ: Annotated[str | None, typer.Option(help="Only this deciding organ.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines.")] = False,
) -> None:
    """List decisions: id, status, organ, year, scope, title.

    Example: ledger decisions --status drafting --year 2020
    """
    from ledger.app import decisions

    with open_ledger(ctx) as ledger:
        found = decisions.list_decisions(ledger, status=status, scope=scope, year=year, organ=organ)
    for item in found:
        if as_json:
            json_line(item.to_json())
        else:
            data(
                "\t".join(
                    (item.id, item.status, item.organ, str(item.year), item.scope, item.title)
                )
            )


def show_decision(ctx: typer.Context, ident: str, as_json: bool) -> None:
    """The decision's page: its state and its timeline, entry by entry."""
    import json

    from ledger.app import accountability, decisions

    with open_ledger(ctx) as ledger:
        state_ = decisions.get_decision(ledger, ident)
        rows = decisions.timeline(ledger, ident)
        corrected = accountability.decision_corrections(ledger, ident)
    if as_json:
        json_line(
            {
                "decision": state_,
                "timeline": [
                    {
                        "seq": r.seq,
                        "type": r.type,
                        "occurred_at": r.occurred_at,
                        "recorded_at": r.recorded_at,
                        "actor": r.actor,
                        "subject": r.subject,
                        "body": json.loads(r.statement)["body"],
                        "corrected_by": [c for c in corrected if c["corrects"] == r.seq],
                    }
                    for r in rows
                ],
            }
        )
        return
    data(f"{ident}  {state_['title']}")
    data(
        f"status: {state_['status']}    organ: {state_['organ']}    "
        f"profile: {state_['profile']} v{state_['profile_version']}"
    )
    data("")
    data("seq\toccurred\trecorded\ttype\tactor\tsummary")
    for row in rows:
        body = json.loads(row.statement)["body"]
        data(
            f"{row.seq}\t{row.occurred_at[:16]}\t{row.recorded_at[:16]}Z\t{row.type}\t"
            f"{row.actor}\t{_gist(body)}"
        )
        for correction in corrected:
            if correction["corrects"] == row.seq:
                data(f"\t{accountability.describe_correction(correction)}")


def _gist(body: dict[str, Any]) -> str:
    for key in (
        "title",
        "stance",
        "outcome",
        "opinion",
        "conclusion",
        "summary",
        "reason",
        "number",
        "findings",
    ):
        if key in body:
            value = str(body[key])
            extra = body.get("reason") if key == "stance" else body.get("divergence_reason")
            text = value if not extra else f"{value}: {extra}"
            return text if len(text) <= 80 else text[:79] + "…"
    return ""


@handles_ledger_errors
def check(
    ctx: typer.Context,
    ident: Annotated[str | None, typer.Argument(metavar="[ID]", help="A decision id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every decision.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one report a line.")] = False,
) -> None:
    """The compliance report (§4.5): status, findings with gate and article, exceptions.

    Example: ledger check d2020-02
    """
    from ledger.app import accountability
    from ledger.errors import InputError

    if (ident is None) == (not all_):
        raise InputError("give one decision id, or --all", where="ID")
    with open_ledger(ctx) as ledger:
        reports = accountability.check(ledger, ident, today=ledger.today())
    for report in reports:
        if as_json:
            json_line(report)
            continue
        data(f"{report['decision']}  {report['title']}")
        data(
            f"  status {report['status']}; {report['compliance_status']}; record "
            f"{report['record_completeness']}; profile {report['profile']['name']} "
            f"v{report['profile']['version']}"
        )
        for finding in report["findings"]:
            where = f" (seq {finding['seq']})" if finding["seq"] is not None else ""
            data(f"  {finding['severity']}: {finding['basis']}: {finding['message']}{where}")
        for exc in report["exceptions"]:
            data(
                f"  exception {exc['gate'] or exc['basis']} (seq {exc['seq']}): "
                f"{exc['finding']}; reason: {exc['reason']}"
            )
        for divergence in report["head_divergence"]:
            data(
                f"  head departs from the majority (seq {divergence['seq']}): "
                f"{divergence['reason']}"
            )
        for missing in report["missing_records"]:
            data(f"  missing record: {missing}")
        for correction in report.get("corrections", []):
            data(f"  correction: {accountability.describe_correction(correction)}")
        if "timeline" in report:
            data("  steps (occurred, recorded):")
            for step in report["timeline"]:
                data(
                    f"    seq {step['seq']}\t{step['type']}\t{step['occurred_at'][:16]}\t"
                    f"{step['recorded_at'][:16]}Z"
                )


@trace_app.command("decision")
@handles_ledger_errors
def trace_decision(
    ctx: typer.Context,
    ident: Annotated[str, typer.Argument(metavar="ID", help="The decision id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Everyone with a statutory role, their role at the time, position, reason and seq.

    Example: ledger trace decision d2020-02
    """
    from ledger.app import accountability

    with open_ledger(ctx) as ledger:
        trace = accountability.trace_decision(ledger, ident)
    if as_json:
        json_line(trace)
        return
    data(f"{trace['decision']}  {trace['title']}  ({trace['status']})")
    data("seq\tdate\tperson\trole\tbasis\troles at the time\tposition")
    for p in trace["people"]:
        position = ""
        if "stance" in p:
            position = p["stance"] + (f": {p['reason']}" if p.get("reason") else "")
            if p.get("signed") and p["signed"] != "member":
                position += f" [{p['signed']}]"
        elif "outcome" in p:
            position = p["outcome"] + (
                f"; departs from the majority: {p['divergence_reason']}"
                if p.get("diverges")
                else ""
            )
        elif "opinion" in p:
            position = p["opinion"]
        if p.get("repudiated_by") is not None:
            position += f" [repudiated by seq {p['repudiated_by']}]"
        for correction in p.get("corrected_by", []):
            position += f" [corrected by seq {correction['seq']}: {correction['status']}]"
        data(
            "\t".join(
                (
                    str(p["seq"]),
                    p["date"],
                    f"{p['person']} {p['name']}",
                    p["role_label"],
                    p["basis"],
                    ",".join(p["roles_at_time"]),
                    position,
                )
            )
        )
    for expert in trace["experts"]:
        data(f"expert\t{expert['name']}\t{expert.get('institution') or ''}\t{expert['step']}")
    for entry in trace["repudiated"]:
        data(
            f"repudiated: signed after the key's revocation took effect: seq {entry['seq']} "
            f"({entry['type']} by {entry['actor']}; key {entry['key_id'][:12]}… revoked from "
            f"{entry['effective_at']} by seq {entry['revoked_by']})"
        )
    for correction in trace.get("corrections", []):
        data(f"correction: {accountability.describe_correction(correction)}")


@trace_app.command("person")
@handles_ledger_errors
def trace_person(
    ctx: typer.Context,
    ident: Annotated[str, typer.Argument(metavar="ID", help="The person id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """A person's lifetime involvement: posts, keys, and every part in every matter.

    Example: ledger trace person chen.jing
    """
    from ledger.app import accountability

    with open_ledger(ctx) as ledger:
        trace = accountability.trace_person(ledger, ident)
    if as_json:
        json_line(trace)
        return
    data(f"{trace['person']}  {trace['name']}")
    data("posts:")
    for post in trace["posts"]:
        data(
            f"  {post['from']} – {post['to'] or 'now'}\t{post['organ']} {post['organ_name']}\t"
            f"{post['role']}\t(seq {post['started_seq']}"
            + (f", ended seq {post['ended_seq']})" if post["ended_seq"] else ")")
        )
    data("keys:")
    for key in trace["keys"]:
        revoked = (
            f", revoked {key['revoked_at']} (seq {key['revoked_seq']})"
            if key["revoked_seq"] is not None
            else ""
        )
        if key["repudiates"]:
            seqs = ", ".join(str(seq) for seq in key["repudiates"])
            revoked += f"; repudiated: signed after the revocation took effect: seq {seqs}"
        data(
            f"  {key['key_id'][:12]}…\tbound {key['bound_at'][:10]} (seq {key['bound_seq']})"
            f"{revoked}"
        )
    data("involvement:")
    for item in trace["involvement"]:
        detail = item.get("stance") or item.get("outcome") or item.get("opinion") or ""
        if item.get("reason"):
            detail += f": {item['reason']}"
        if item.get("repudiated_by") is not None:
            detail += f" [repudiated by seq {item['repudiated_by']}]"
        data(
            f"  seq {item['seq']}\t{item['date']}\t{item['subject']}\t{item['role_label']}\t"
            f"{','.join(item['roles_at_time'])}\t{detail}"
        )


@handles_ledger_errors
def overdue(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD. [default: today]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines.")] = False,
) -> None:
    """Catalog matters not decided by their planned date (G17, undue delay, Art. 38).

    Example: ledger overdue --as-of 2020-12-31
    """
    from ledger.app import accountability
    from ledger.entry import parse_day

    if as_of is not None:
        parse_day(as_of, where="--as-of")
    with open_ledger(ctx) as ledger:
        late = accountability.overdue(ledger, as_of)
    for item in late:
        if as_json:
            json_line(item)
        else:
            data(
                f"G17\t{item['days_overdue']} days\t{item['catalog']}/{item['item']}\t"
                f"planned {item['planned_decision_by']}\t{item['decision'] or '-'}\t"
                f"{item['status']}\t{item['title']}"
            )


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(decision_app, name="decision")
    app.command("decisions")(decisions_list)
    app.command()(check)
    app.add_typer(trace_app, name="trace")
    app.command()(overdue)
