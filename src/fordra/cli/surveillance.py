"""``fordra surveillance …`` and ``fordra limitation …`` (registered by ``fordra.cli.build_parser``).

- ``fordra surveillance start REF --date D``: move a case to efterbevakning and score it.
- ``fordra surveillance rescore --date D``: rescore the surveillance cases that are due.
- ``fordra limitation show REF [--as-of D]``: per claim, the period, every interruption with
  its evidence and the day it becomes time-barred.
- ``fordra limitation refresh [--date D] [REF …]``: recompute limitation now (the daily run
  does it every day).
- ``fordra limitation decide REF --decision time_barred|not_time_barred --reason R``: a
  person's decision on claims flagged for review.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, command: Any) -> None:
    """Add this app's subcommands to the top-level parser sub with command(...)."""
    from fordra.cli import _iso_date

    surveillance = sub.add_parser("surveillance", help="efterbevakning").add_subparsers(
        dest="action", required=True
    )
    p = command(surveillance, "start", cmd_surveillance_start, "move a case to efterbevakning")
    p.add_argument("ref", help="case reference or OCR")
    p.add_argument("--date", type=_iso_date, required=True)
    p = command(surveillance, "rescore", cmd_surveillance_rescore, "rescore due surveillance cases")
    p.add_argument("--date", type=_iso_date, required=True)

    limitation = sub.add_parser("limitation", help="preskription").add_subparsers(
        dest="action", required=True
    )
    p = command(limitation, "show", cmd_limitation_show, "limitation per claim with evidence")
    p.add_argument("ref", help="case reference or OCR")
    p.add_argument("--as-of", type=_iso_date, dest="as_of")
    p = command(limitation, "refresh", cmd_limitation_refresh, "recompute limitation dates now")
    p.add_argument("refs", nargs="*", help="only these cases (default: what changed)")
    p.add_argument("--date", type=_iso_date)
    p = command(limitation, "decide", cmd_limitation_decide, "decide claims flagged for review")
    p.add_argument("ref", help="case reference or OCR")
    p.add_argument("--decision", required=True, choices=["time_barred", "not_time_barred"])
    p.add_argument("--reason", required=True)
    p.add_argument("--date", type=_iso_date)


def cmd_surveillance_start(args: argparse.Namespace, out: Any) -> None:
    from fordra.claims.selectors import case_get
    from fordra.cli import _actor, _now
    from fordra.surveillance.services import surveillance_start

    result = surveillance_start(case=case_get(ref=args.ref), day=args.date, now=_now(), actor=_actor())
    if result["already"]:
        text = f"{result['ref']} is already under efterbevakning."
    else:
        score = result["score"]
        text = (
            f"{result['ref']}: efterbevakning from {result['started_on']}; score "
            f"{score['value'] if score else '—'}; limitation date {result['limitation_date'] or '—'}."
        )
    out.result(result, text)


def cmd_surveillance_rescore(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _now
    from fordra.surveillance.services import surveillance_rescore

    counts = surveillance_rescore(run_date=args.date, now=_now())
    result = {
        "date": args.date.isoformat(),
        "rescored": counts["rescored"],
        "improved": counts["surveillance_improved"],
        "letters": counts["letters"],
    }
    out.result(
        result,
        f"{args.date}: {result['rescored']} case(s) rescored, {result['improved']} improved, "
        f"{result['letters']} letter(s).",
    )


def cmd_limitation_show(args: argparse.Namespace, out: Any) -> None:
    from fordra.claims.selectors import case_get
    from fordra.cli import _today
    from fordra.surveillance.selectors import limitation_json

    case = case_get(ref=args.ref)
    as_of = args.as_of or _today()
    data = limitation_json(case, as_of=as_of) or {
        "limitation_date": None, "review": case.limitation_review, "claims": [],
    }
    result = {"ref": case.ref, "state": case.state, "as_of": as_of.isoformat(), **data}
    out.result(result, lambda: _show_text(result))


def _show_text(d: dict[str, Any]) -> str:
    lines = [
        f"{d['ref']} ({d['state']}) — preskription per {d['as_of']}: "
        f"{d['limitation_date'] or 'inget datum'}{' — GRANSKAS' if d['review'] else ''}"
    ]
    for c in d["claims"]:
        lines.append(
            f"  Faktura {c['invoice_number']}: {c['claim_type']} {c['period_years']} år från "
            f"{c['start']}, preskriberad från {c['time_barred_on']} [{c['status']}]"
        )
        for i in c["interruptions"]:
            mark = "räknas" if i["counted"] else ("oklart" if not i["clear"] else "räknas inte")
            lines.append(
                f"    {i['on']} {i['kind']} (verkan {i['effective']}, {mark}): {i['evidence']}"
            )
        lines.append(f"    {c['explanation']}")
        if c["review"]:
            lines.append(f"    Granskas: {c['review']}")
    return "\n".join(lines)


def cmd_limitation_refresh(args: argparse.Namespace, out: Any) -> None:
    from fordra.claims.selectors import case_get
    from fordra.cli import _now, _today
    from fordra.surveillance.daily import limitation_refresh

    day = args.date or _today()
    ids = [case_get(ref=ref).id for ref in args.refs] if args.refs else None
    counts = limitation_refresh(today=day, now=_now(), case_ids=ids)
    result = {"date": day.isoformat(), "actions": dict(sorted(counts.items()))}
    out.result(
        result,
        f"{day}: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to do"),
    )


def cmd_limitation_decide(args: argparse.Namespace, out: Any) -> None:
    from fordra.claims.selectors import case_get
    from fordra.cli import _actor, _now, _today
    from fordra.surveillance.services import limitation_review_decide

    case = case_get(ref=args.ref)
    day = args.date or _today()
    counts = limitation_review_decide(
        case=case, decision=args.decision, reason=args.reason, day=day, now=_now(), actor=_actor()
    )
    case.refresh_from_db()
    result = {
        "ref": case.ref,
        "state": case.state,
        "decision": args.decision,
        "claims": counts["decided"],
        "written_off": counts["time_barred"],
        "limitation_date": case.limitation_date.isoformat() if case.limitation_date else None,
    }
    out.result(
        result,
        f"{case.ref}: {result['claims']} claim(s) decided {args.decision}; state {case.state}.",
    )
