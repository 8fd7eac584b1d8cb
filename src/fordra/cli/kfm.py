"""``fordra kfm …``: Kronofogden — the decision after the demand, betalningsföreläggande, outcomes.

    fordra kfm propose REF [--date D]       the proposal now (stored only by the daily run)
    fordra kfm apply REF --date D           apply for betalningsföreläggande (fees, state kfm)
    fordra kfm surveillance REF --date D    efterbevakning instead
    fordra kfm return REF --date D          give the case back to the creditor
    fordra kfm warn REF --date D            konkursanmaning to a company debtor
    fordra kfm record REF --outcome served|disputed|judgment|withdrawn|no_assets|enforcement --date D
    fordra kfm enforce REF --date D         = record --outcome enforcement
    fordra kfm export --date D              the day's applications: batch JSON + CSV, a PDF each
    fordra kfm list                         cases awaiting the decision, with their proposals
    fordra kfm import FILE / fordra import kfm FILE    an outcomes CSV (all or nothing)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

OUTCOME_CHOICES = ["served", "disputed", "judgment", "withdrawn", "no_assets", "enforcement"]


def _date(args: argparse.Namespace) -> Any:
    """The effective ``--date``: default today, never in the future (DESIGN.md §4.2)."""
    from fordra.cli import _effective

    return _effective(args)


def _case(args: argparse.Namespace) -> Any:
    from fordra.claims.selectors import case_get

    return case_get(ref=args.ref)


def _state(case: Any) -> dict[str, Any]:
    return {"ref": case.ref, "state": case.state, "awaiting_decision": case.awaiting_decision}


def cmd_kfm_propose(args: argparse.Namespace, out: Any) -> None:
    from fordra.kfm.decision import kfm_propose, proposal_text

    case = _case(args)
    proposal = kfm_propose(case=case, today=_date(args))
    out.result({**_state(case), **proposal.as_json()}, lambda: f"{case.ref}: {proposal_text(proposal)}")


def cmd_kfm_apply(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _actor, _now
    from fordra.kfm.application import kfm_apply

    case = _case(args)
    result = kfm_apply(case=case, day=_date(args), now=_now(), actor=_actor())
    case.refresh_from_db()
    app = result.application
    fees = list(case.fees.filter(step="kfm_apply", date=app.applied_on).order_by("id"))
    out.result(
        {
            **_state(case),
            "created": result.created,
            "applied_on": app.applied_on.isoformat(),
            "total_ore": app.total_ore,
            "fees": [
                {"kind": f.kind, "amount_ore": f.amount_ore, "explanation": f.explanation}
                for f in fees
            ],
        },
        f"{case.ref}: ansökan om betalningsföreläggande "
        f"{'gjord' if result.created else 'fanns redan'} {app.applied_on} ({app.total_ore} öre)",
    )


def cmd_kfm_surveillance(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _actor
    from fordra.kfm.decision import kfm_surveillance

    case = kfm_surveillance(case=_case(args), day=_date(args), actor=_actor(), reason=args.reason)
    out.result(_state(case), f"{case.ref}: efterbevakning")


def cmd_kfm_return(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _actor
    from fordra.kfm.decision import kfm_return

    case = kfm_return(case=_case(args), day=_date(args), actor=_actor(), reason=args.reason)
    out.result(_state(case), f"{case.ref}: återlämnat till borgenären")


def cmd_kfm_warn(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _actor
    from fordra.kfm.bankruptcy import kfm_bankruptcy_warning

    case = _case(args)
    w = kfm_bankruptcy_warning(case=case, day=_date(args), actor=_actor())
    data = {
        "ref": case.ref,
        "sent_on": w.sent_on.isoformat(),
        "served_on": w.served_on.isoformat(),
        "pay_by": w.pay_by.isoformat(),
        "petition_by": w.petition_by.isoformat(),
    }
    out.result(data, f"{case.ref}: konkursanmaning, betala senast {w.pay_by}, "
                     f"konkursansökan senast {w.petition_by}")


def cmd_kfm_record(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _actor, _now
    from fordra.kfm.outcomes import kfm_record

    outcome = getattr(args, "outcome", None) or "enforcement"
    result = kfm_record(
        case=_case(args),
        outcome=outcome,
        day=_date(args),
        now=_now(),
        actor=_actor(),
        kfm_case_number=args.kfm_case_number or "",
        detail=args.detail or "",
    )
    case = result.case
    out.result(
        {**_state(case), "outcome": outcome, "date": result.outcome.date.isoformat(),
         "created": result.created},
        f"{case.ref}: {outcome} {'registrerat' if result.created else 'fanns redan'}; "
        f"state {case.state}",
    )


def cmd_kfm_export(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _now
    from fordra.kfm.batch import kfm_export

    result = kfm_export(day=_date(args), now=_now())
    data = result.as_json()
    out.result(
        {"date": _date(args).isoformat(), **data},
        lambda: "\n".join(
            [f"{data['new_batches']} ny(a) batch(er)"]
            + [f"  {b['batch_id']}: {b['applications']} ansökningar, {b['json']}"
               for b in data["batches"]]
        ),
    )


def cmd_kfm_import(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _actor, _now, _read_file
    from fordra.kfm.outcomes import OUTCOME_FILE_BYTES_MAX, kfm_import_outcomes

    path = Path(args.file)
    result = kfm_import_outcomes(
        data=_read_file(path, bytes_max=OUTCOME_FILE_BYTES_MAX), now=_now(), actor=_actor()
    )
    data = result.as_json()
    out.result(
        data,
        f"{path.name}: {data['recorded']} utfall registrerade, {data['duplicates']} fanns redan",
    )


def cmd_kfm_list(args: argparse.Namespace, out: Any) -> None:
    from fordra.kfm.selectors import kfm_awaiting, proposal_json

    rows = kfm_awaiting(limit=args.limit)
    data = {
        "cases": [
            {**_state(case), "proposal": proposal_json(p) if p else None} for case, p in rows
        ]
    }
    out.result(
        data,
        lambda: "\n".join(
            f"{c['ref']:<14} {c['state']:<10} "
            + (c["proposal"]["action"] if c["proposal"] else "(inget förslag ännu)")
            for c in data["cases"]
        )
        or "Inga ärenden väntar på beslut.",
    )


def register(sub: Any, command: Any) -> None:
    """Add this app's subcommands to the top-level parser sub with command(...)."""
    from fordra.cli import _iso_date

    kfm = sub.add_parser("kfm", help="Kronofogden (betalningsföreläggande)").add_subparsers(
        dest="action", required=True
    )
    p = command(kfm, "propose", cmd_kfm_propose, "the decision after the demand, with forecast")
    p.add_argument("ref")
    p.add_argument("--date", type=_iso_date)
    p = command(kfm, "apply", cmd_kfm_apply, "apply for betalningsföreläggande")
    p.add_argument("ref")
    p.add_argument("--date", type=_iso_date)
    for name, handler, text in (
        ("surveillance", cmd_kfm_surveillance, "efterbevakning instead of Kronofogden"),
        ("return", cmd_kfm_return, "return the case to the creditor"),
    ):
        p = command(kfm, name, handler, text)
        p.add_argument("ref")
        p.add_argument("--date", type=_iso_date)
        p.add_argument("--reason", default="")
    p = command(kfm, "warn", cmd_kfm_warn, "konkursanmaning to a company debtor")
    p.add_argument("ref")
    p.add_argument("--date", type=_iso_date)
    p = command(kfm, "record", cmd_kfm_record, "record a Kronofogden outcome")
    p.add_argument("ref")
    p.add_argument("--outcome", required=True, choices=OUTCOME_CHOICES)
    p.add_argument("--date", type=_iso_date)
    p.add_argument("--kfm-case-number", dest="kfm_case_number")
    p.add_argument("--detail")
    p = command(kfm, "enforce", cmd_kfm_record, "verkställighet applied (grundavgift booked)")
    p.add_argument("ref")
    p.add_argument("--date", type=_iso_date)
    p.add_argument("--kfm-case-number", dest="kfm_case_number")
    p.add_argument("--detail")
    p = command(kfm, "export", cmd_kfm_export, "write the day's application batch and PDFs")
    p.add_argument("--date", type=_iso_date)
    p = command(kfm, "import", cmd_kfm_import, "import a Kronofogden outcomes CSV")
    p.add_argument("file")
    p = command(kfm, "list", cmd_kfm_list, "cases awaiting the decision after the demand")
    p.add_argument("--limit", type=int, default=500)
    # ``fordra import kfm FILE`` beside ``import claims`` and ``import payments``.
    imp = sub.choices.get("import")
    if imp is not None:
        for action in imp._subparsers._group_actions:
            if isinstance(action, argparse._SubParsersAction):
                p = command(action, "kfm", cmd_kfm_import, "import a Kronofogden outcomes CSV")
                p.add_argument("file")
