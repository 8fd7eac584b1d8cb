"""The ``fordra`` command (DESIGN.md §4.2).

Each subcommand translates arguments, calls one service or selector and prints the result:
one JSON object on stdout with ``--json``, readable text otherwise. Errors: a clear message on
stderr and a non-zero exit code (1: refused input, 2: usage), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_LETTERS_FAILED = 3  # the run finished, but letters failed (listed in its result)
EXIT_INTERNAL = 70


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fordra.settings")
    import django

    django.setup()


def _today() -> date:
    # The only clock read: the CLI is the edge where "today" enters the system.
    from django.utils import timezone

    return timezone.localdate()


def _effective(args: argparse.Namespace) -> date:
    """The action's effective ``--date`` (DESIGN.md §4.2): default today, never in the future."""
    from fordra.core.dates import effective_date

    return effective_date(getattr(args, "date", None), today=_today())


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


class Output:
    def __init__(self, *, as_json: bool):
        self.as_json = as_json

    def result(self, obj: dict[str, Any], text: str | Callable[[], str]) -> None:
        if self.as_json:
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write((text() if callable(text) else text) + "\n")


# --- commands -------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace, out: Output) -> None:
    from django.core.management import call_command

    from fordra.reference.services import reference_rates_seed

    call_command("migrate", verbosity=0, interactive=False)
    added = reference_rates_seed()
    out.result(
        {"migrated": True, "reference_rates_added": added},
        f"Database up to date; {added} reference rate(s) loaded.",
    )


def cmd_creditor_add(args: argparse.Namespace, out: Output) -> None:
    from fordra.core.errors import ApplicationError
    from fordra.domain.money import AmountError, parse_amount
    from fordra.parties.services import creditor_add

    try:
        annual, per_case = parse_amount(args.annual_fee), parse_amount(args.case_fee)
    except AmountError as exc:
        raise ApplicationError(f"fee: {exc}") from exc
    trifle = _trifle_ore(args.trifle)
    creditor, created = creditor_add(
        name=args.name,
        orgnr=args.orgnr,
        bankgiro=args.bankgiro,
        service_level=args.service,
        template=args.template,
        reminder_fee_agreed=args.reminder_fee_agreed,
        pricing_model=args.pricing,
        commission_percent=args.commission,
        annual_fee_ore=annual,
        per_case_fee_ore=per_case,
        remit_every=args.remit_every,
        payout_plusgiro=args.payout_plusgiro,
        payout_iban=args.payout_iban,
        **({} if trifle is None else {"trifle_ore": trifle}),
        **({} if args.trifle_policy is None else {"trifle_policy": args.trifle_policy}),
    )
    out.result(
        {"id": creditor.id, "orgnr": creditor.orgnr, "created": created, **_trifle_json(creditor)},
        f"{'Added' if created else 'Already registered'}: {creditor} (id {creditor.id})",
    )


def cmd_creditor_update(args: argparse.Namespace, out: Output) -> None:
    from fordra.domain.money import format_amount
    from fordra.parties.services import creditor_update

    creditor = creditor_update(
        orgnr=args.orgnr, trifle_ore=_trifle_ore(args.trifle), trifle_policy=args.trifle_policy
    )
    out.result(
        {"id": creditor.id, "orgnr": creditor.orgnr, **_trifle_json(creditor)},
        f"Updated: {creditor}: småbelopp under {format_amount(creditor.trifle_ore)} "
        f"({creditor.get_trifle_policy_display().lower()})",
    )


def _trifle_ore(text: str | None) -> int | None:
    """``--trifle KR`` in öre; ``None`` when not given. A text that is no amount: exit 1."""
    from fordra.core.errors import ApplicationError
    from fordra.domain.money import AmountError, parse_amount

    if text is None:
        return None
    try:
        return parse_amount(text)
    except AmountError as exc:
        raise ApplicationError(f"--trifle: {exc}: {text!r} (kronor, e.g. 50 or 49,50)") from exc


def _trifle_json(creditor: Any) -> dict[str, Any]:
    return {"trifle_ore": creditor.trifle_ore, "trifle_policy": creditor.trifle_policy}


def cmd_creditor_list(args: argparse.Namespace, out: Output) -> None:
    from fordra.parties.models import Creditor

    rows = [
        {
            "id": c.id,
            "name": c.name,
            "orgnr": c.orgnr,
            "bankgiro": c.bankgiro,
            "service": c.service_level,
            "template": c.template,
            "reminder_fee_agreed": c.reminder_fee_agreed,
            **_trifle_json(c),
        }
        for c in Creditor.objects.order_by("name")
    ]
    out.result(
        {"creditors": rows},
        lambda: "\n".join(f"{r['orgnr']}  {r['name']}  ({r['service']}, {r['template']})" for r in rows)
        or "No creditors.",
    )


def cmd_import_claims(args: argparse.Namespace, out: Output) -> None:
    from fordra.collection.handover import claims_hand_over
    from fordra.formats.claims_csv import MAX_FILE_BYTES

    path = Path(args.file)
    data = _read_file(path, bytes_max=MAX_FILE_BYTES)
    result = _with_progress(
        out,
        "Importerar",
        lambda progress: claims_hand_over(
            data=data, filename=path.name, today=_today(), now=_now(), progress=progress
        ),
    )
    imported = result.imported
    if imported.duplicate_file:
        text = f"{path.name} was imported before: nothing new ({imported.duplicates} invoices known)."
    else:
        text = (
            f"Imported {imported.invoices} invoice(s) into {imported.cases} case(s) "
            f"({imported.cases_created} new); {imported.duplicates} duplicate(s) skipped."
        )
    if result.time_barred:
        text += f" {result.time_barred} claim(s) already time-barred: written off, no letter."
    out.result(result.as_json(), text)


def _with_progress(out: Output, title: str, call: Callable[[Callable[[str, float], None]], Any]) -> Any:
    """``call(progress)``; in text mode with a transient progress bar on stderr."""
    if out.as_json:
        return call(_no_progress)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=_stderr_console(), transient=True,
    ) as bar:
        task = bar.add_task(title, total=1.0)
        return call(lambda stage, fraction: bar.update(task, description=stage, completed=fraction))


def _no_progress(stage: str, fraction: float) -> None:
    return None


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def cmd_case_list(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_balances, case_list, case_summary_json

    today = _today()
    cases = list(
        case_list(
            today=today,
            creditor_orgnr=args.creditor,
            debtor_id=args.debtor,
            state=args.state,
            search=args.search,
        ).distinct()[: args.limit]
    )
    balances = case_balances(cases=cases, as_of=today)
    rows = [case_summary_json(c, balances[c.id]) for c in cases]

    def text() -> str:
        from fordra.domain.money import format_amount

        lines = [
            f"{r['ref']:<12} {r['ocr']:<12} {r['state']:<12} {r['creditor_orgnr']} "
            f"{r['debtor_id']:<12} {format_amount(r['balance_ore']):>16}"
            for r in rows
        ]
        return "\n".join(lines) if lines else "No cases."

    out.result({"cases": rows}, text)


def cmd_case_show(args: argparse.Namespace, out: Output) -> None:
    from fordra.casefile import case_detail_json
    from fordra.claims.selectors import case_get

    case = case_get(ref=args.ref)
    detail = case_detail_json(case, as_of=args.as_of or _today())
    out.result(detail, lambda: _case_text(detail))


def _case_text(d: dict[str, Any]) -> str:
    from fordra.domain.money import format_amount

    lines = [
        f"Ärende {d['ref']}  OCR {d['ocr']}  status {d['state']}",
        f"Borgenär {d['creditor_name']} ({d['creditor_orgnr']})",
        f"Gäldenär {d['debtor_name']} ({d['debtor_id']})",
        f"Per {d['as_of']}: kapital {format_amount(d['capital_ore'])}, "
        f"ränta {format_amount(d['interest_ore'])}, avgifter {format_amount(d['fees_ore'])}, "
        f"betalt {format_amount(d['paid_ore'])}, att betala {format_amount(d['balance_ore'])}",
    ]
    if d["interest"]["provisional"]:
        lines.append("OBS: räntan är preliminär — referensräntan för en period saknas.")
    lines.append("Fakturor:")
    lines += [
        f"  {i['invoice_number']:<16} förfaller {i['due_date']}  {format_amount(i['amount_ore']):>14}"
        for i in d["invoices"]
    ]
    lines.append("Händelser:")
    lines += [f"  {e['date']}  {e['kind']:<16} {e['detail']}" for e in d["events"]]
    return "\n".join(lines)


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def cmd_case_pause(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_get
    from fordra.collection.services import case_pause

    case = case_pause(
        case=case_get(ref=args.ref), until=args.until, reason=args.reason, actor=_actor(),
        today=_effective(args), now=_now(),
    )
    out.result(
        {"ref": case.ref, "paused_until": case.paused_until.isoformat() if case.paused_until else None},
        f"{case.ref} paused through {case.paused_until}",
    )


def cmd_case_resume(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_get
    from fordra.collection.services import case_resume

    case = case_resume(case=case_get(ref=args.ref), actor=_actor(), today=_effective(args))
    out.result({"ref": case.ref, "paused_until": None}, f"{case.ref} resumed")


def cmd_case_dispute(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_get
    from fordra.collection.services import case_dispute

    case = case_dispute(
        case=case_get(ref=args.ref), reason=args.reason, actor=_actor(), today=_effective(args),
        now=_now(),
    )
    out.result({"ref": case.ref, "state": case.state}, f"{case.ref} disputed: collection stopped")


def cmd_case_decide(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_get
    from fordra.collection.services import case_dispute_decide
    from fordra.core.errors import ApplicationError
    from fordra.domain.money import AmountError, parse_amount

    credit = 0
    if args.credit:
        try:
            credit = parse_amount(args.credit)
        except AmountError as exc:
            raise ApplicationError(f"--credit: {exc}") from exc
    case = case_dispute_decide(
        case=case_get(ref=args.ref), outcome=args.outcome, actor=_actor(), today=_effective(args),
        now=_now(), note=args.note or "", credit_ore=credit, credit_invoice=args.invoice or "",
    )
    out.result(
        {"ref": case.ref, "state": case.state, "dispute_outcome": case.dispute_outcome},
        f"{case.ref}: {case.state} ({case.dispute_outcome})",
    )


def cmd_case_partner(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_get
    from fordra.collection.services import case_to_partner

    case = case_to_partner(
        case=case_get(ref=args.ref), partner=args.partner, actor=_actor(), today=_effective(args)
    )
    out.result(
        {"ref": case.ref, "foreign_partner": case.foreign_partner},
        f"{case.ref}: överlämnat till {case.foreign_partner}",
    )


def cmd_case_notify_social(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_get
    from fordra.collection.notices import social_welfare_notice

    case = case_get(ref=args.ref)
    path = social_welfare_notice(
        case=case, day=_effective(args), now=_now(), actor=_actor(),
        municipality=args.municipality or "",
    )
    out.result({"ref": case.ref, "notice": str(path), "date": args.date.isoformat()},
               f"{case.ref}: underrättelse till socialnämnden {path}")


def cmd_debtor_mark(args: argparse.Namespace, out: Output) -> None:
    from fordra.collection.services import debtor_mark

    marks = {
        "debt_relief": args.debt_relief,
        "deceased": args.deceased,
        "protected_identity": args.protected_identity,
    }
    result = debtor_mark(
        national_id=args.debtor, marks={k: v for k, v in marks.items() if v is not None},
        actor=_actor(), today=_effective(args),
    )
    out.result(result, f"{result['debtor_id']}: {result['marks']} ({result['cases']} öppna ärenden)")


def cmd_payment_direct(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_get
    from fordra.core.errors import ApplicationError
    from fordra.domain.money import AmountError, parse_amount
    from fordra.payments.direct import payment_direct

    try:
        amount = parse_amount(args.amount)
    except AmountError as exc:
        raise ApplicationError(f"--amount: {exc}") from exc
    paid_on = _effective(args)
    case = case_get(ref=args.ref)
    payment = payment_direct(
        case=case, amount_ore=amount, paid_on=paid_on, now=_now(),
        reference=args.reference, actor=_actor(),
    )
    case.refresh_from_db()
    out.result(
        {
            "payment_id": payment.id,
            "ref": case.ref,
            "amount_ore": payment.amount_ore,
            "allocated_ore": payment.allocated_ore,
            "overpaid_ore": payment.overpaid_ore,
            "state": case.state,
        },
        f"{case.ref}: {payment.allocated_ore} öre allocated, {payment.overpaid_ore} öre over; "
        f"state {case.state}",
    )


def _read_file(path: Path, *, bytes_max: int) -> bytes:
    from fordra.core.errors import ApplicationError

    try:
        if path.stat().st_size > bytes_max:
            raise ApplicationError(f"{path}: the file is larger than {bytes_max} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise ApplicationError(f"cannot read {path}: {exc.strerror}") from exc


def cmd_import_payments(args: argparse.Namespace, out: Output) -> None:
    from fordra.payments.intake import PAYMENT_FILE_BYTES_MAX, payments_import

    path = Path(args.file)
    result = payments_import(
        data=_read_file(path, bytes_max=PAYMENT_FILE_BYTES_MAX),
        filename=path.name,
        now=_now(),
        allow_test_file=args.allow_test_file,
    )
    data = result.as_json()

    def text() -> str:
        if result.duplicate:
            return f"{path.name} was imported before: nothing new."
        lines = [
            f"{result.payments} payment(s) from {result.format}: {result.matched} matched, "
            f"{result.unmatched} to the unmatched queue, {result.duplicates} already known"
            + (f", {result.skipped_debits} debit entries skipped." if result.skipped_debits
               else ".")
        ]
        lines += [f"record of unknown type {n.record_type!r} on line {n.line}: a task for staff"
                  for n in result.unknown_records]
        lines += [f"warning: {w}" for w in result.warnings]
        return "\n".join(lines)

    out.result(data, text)


def cmd_payment_match(args: argparse.Namespace, out: Output) -> None:
    from fordra.claims.selectors import case_get
    from fordra.payments.actions import payment_match

    payment = payment_match(
        payment_id=args.payment, case=case_get(ref=args.ref), now=_now(), actor=_actor()
    )
    out.result(
        {
            "payment_id": payment.id,
            "ref": payment.case.ref if payment.case else None,
            "allocated_ore": payment.allocated_ore,
            "overpaid_ore": payment.overpaid_ore,
        },
        f"payment {payment.id} matched to {args.ref}",
    )


def cmd_payment_refund(args: argparse.Namespace, out: Output) -> None:
    from fordra.payments.actions import payment_refund

    payment = payment_refund(
        payment_id=args.payment, day=_effective(args), now=_now(), actor=_actor()
    )
    out.result(
        {"payment_id": payment.id, "refunded_ore": payment.refunded_ore,
         "refunded_on": args.date.isoformat()},
        f"payment {payment.id}: {payment.refunded_ore} öre refunded",
    )


def cmd_payment_unmatched(args: argparse.Namespace, out: Output) -> None:
    from fordra.payments.selectors import file_tasks_open, unmatched_queue

    rows = [
        {
            "payment_id": p.id,
            "paid_on": p.paid_on.isoformat(),
            "amount_ore": p.amount_ore,
            "reference": p.reference,
            "payer_name": p.payer_name,
            "status": p.status,
            "suggestions": p.suggestions,
            "reason": p.reason,
            "currency": p.currency,
            "warnings": p.warnings,
        }
        for p in unmatched_queue()
    ]
    tasks = [
        {"task_id": t.id, "file": t.file.filename, "line": t.line, "kind": t.kind,
         "text": t.text, "created_on": t.created_on.isoformat()}
        for t in file_tasks_open()
    ]

    def text() -> str:
        lines = [
            f"{r['payment_id']:>6} {r['paid_on']} {r['amount_ore']:>12} {r['reference']:<25} "
            f"{r['payer_name']}" + (f"\n{'':>18}{r['reason']}" if r["reason"] else "")
            for r in rows
        ] or ["The unmatched queue is empty."]
        lines += [f"file task {t['task_id']}: {t['text']}" for t in tasks]
        return "\n".join(lines)

    out.result({"payments": rows, "file_tasks": tasks}, text)


def cmd_payment_task_done(args: argparse.Namespace, out: Output) -> None:
    from fordra.payments.actions import file_task_done

    task = file_task_done(task_id=args.task, now=_now(), actor=_actor())
    out.result(
        {"task_id": task.id, "done_at": task.done_at.isoformat() if task.done_at else None},
        f"file task {task.id} done",
    )


def cmd_ledger_verify(args: argparse.Namespace, out: Output) -> None:
    from fordra.core.errors import ApplicationError
    from fordra.ledger.services import ledger_verify

    result = ledger_verify()
    out.result(
        result.as_json(),
        f"{result.transactions} transactions; chain "
        + ("intact" if result.ok else f"BROKEN at sequence {result.first_break}"),
    )
    if not result.ok:
        raise ApplicationError(
            f"the ledger's hash chain breaks at {result.first_break}", result_printed=True
        )


def cmd_ledger_reconcile(args: argparse.Namespace, out: Output) -> None:
    from fordra.ledger.reconcile import reconcile

    report = reconcile(as_of=args.as_of or _today(), bank_statement_ore=args.bank_balance)
    out.result(report, lambda: "\n".join(f"{k}: {v}" for k, v in report.items()))


def cmd_settle(args: argparse.Namespace, out: Output) -> None:
    from fordra.settlement.services import settle

    result = settle(day=args.date, now=_now())
    data = result.as_json()
    out.result(
        data,
        lambda: "\n".join(
            f"{r['creditor_orgnr']}: collected {r['collected_ore']}, payout {r['payout_ore']}"
            for r in data["remittances"]
        ) or "No remittance due.",
    )


def cmd_run(args: argparse.Namespace, out: Output) -> None:
    from fordra.collection.day import day_run
    from fordra.payments.intake import PAYMENT_FILE_BYTES_MAX

    # Read lazily: a day before the rules is refused before any payment file is read.
    files = (
        (Path(name).name, _read_file(Path(name), bytes_max=PAYMENT_FILE_BYTES_MAX))
        for name in args.payments or []
    )
    result = _with_progress(
        out,
        "Daglig körning",
        lambda progress: day_run(
            run_date=args.date, now=_now(), payment_files=files, decide_only=args.decide_only,
            full=args.full, progress=progress,
        ),
    )
    data = result.as_json()
    out.result(
        data,
        lambda: f"{data['date']}: {data['letters']} letter(s), actions "
        + (", ".join(f"{k} {v}" for k, v in data["actions"].items()) or "none")
        + f"; {data['letters_sent']} sent, {data['letters_blocked']} blocked"
        + "".join(
            f"\n  letter {f['letter_id']} ({f['kind']}, {f['case']}) failed: {f['reason']}"
            for f in data["failures"]
        ),
    )
    if data["letters_failed"]:
        from fordra.core.errors import ApplicationError

        raise ApplicationError(
            f"{data['letters_failed']} letter(s) could not be sent; the next run makes them "
            "again with new dates or takes their fees back",
            code="letters_failed", result_printed=True, exit_code=EXIT_LETTERS_FAILED,
        )


def cmd_rate_add(args: argparse.Namespace, out: Output) -> None:
    from fordra.reference.services import reference_rate_add

    rate = reference_rate_add(
        valid_from=args.valid_from, percent=args.percent, source=args.source or "fordra rate add"
    )
    out.result(
        {"valid_from": rate.valid_from.isoformat(), "percent": f"{rate.percent:.2f}"},
        f"Reference rate from {rate.valid_from}: {rate.percent:.2f} %",
    )


def cmd_rate_list(args: argparse.Namespace, out: Output) -> None:
    from fordra.reference.services import reference_rate_table

    table = reference_rate_table()
    missing = table.missing_periods(up_to=args.as_of or _today())
    obj = {
        "version": table.version,
        "rates": [
            {"valid_from": p.valid_from.isoformat(), "percent": f"{p.percent:.2f}"}
            for p in table.periods
        ],
        "missing": [d.isoformat() for d in missing],
    }

    def text() -> str:
        lines = [f"{r['valid_from']}  {r['percent']:>6} %" for r in obj["rates"]]
        lines += [f"{m}  MISSING — interest from this date is provisional" for m in obj["missing"]]
        return "\n".join(lines)

    out.result(obj, text)


def cmd_demo(args: argparse.Namespace, out: Output) -> None:
    from fordra.web.demo import demo_setup

    result = demo_setup(invoices=args.invoices, seed=args.seed, today=_today(), now=_now())
    out.result(result, lambda: "\n".join(f"{k}: {v}" for k, v in result.items()))


def cmd_serve(args: argparse.Namespace, out: Output) -> None:
    from fordra.core.deploy import serve_refusal
    from fordra.core.errors import ApplicationError
    from fordra.web.server import default_workers, serve

    refusal = serve_refusal()
    if refusal:
        raise ApplicationError(refusal, code="configuration")
    workers = default_workers() if args.workers is None else args.workers
    if workers < 1 or args.threads < 1:
        raise ApplicationError("--workers and --threads must be at least 1", code="usage")
    serve(host=args.host, port=args.port, workers=workers, threads=args.threads)


def cmd_bench(args: argparse.Namespace, out: Output) -> None:
    from fordra.bench.runner import bench_run

    report = bench_run(cases=args.cases, only=args.only, seed=args.seed)
    out.result(report, lambda: _bench_text(report))


def _bench_text(report: dict[str, Any]) -> str:
    lines = [f"{'name':<12} {'n':>9} {'s':>8} {'rate/s':>12} {'baseline':<28} {'base/s':>12} {'ratio':>6}"]
    for r in report["results"]:
        lines.append(
            f"{r['name']:<12} {r['n']:>9} {r['seconds']:>8.2f} {r['rate_per_s']:>12,.0f} "
            f"{r['baseline']:<28} {r['baseline_rate_per_s']:>12,.0f} {r['ratio']:>6.2f}"
        )
    return "\n".join(lines)


def cmd_simulate(args: argparse.Namespace, out: Output) -> None:
    from fordra.simulation.run import simulate, state_counts_text

    _throwaway_database_ready()
    start = args.start or _today()
    report = _with_progress(
        out,
        "Simulerar",
        lambda progress: simulate(
            cases=args.cases, days=args.days, seed=args.seed, start=start, now=_now(),
            out_dir=Path(args.out).resolve(), render_letters=args.render_letters,
            progress=progress,
        ),
    )
    out.result(report.as_json(), lambda: state_counts_text(report))


def _throwaway_database_ready() -> None:
    """Create the throw-away database ``main`` points a simulation at (schema and rule data)."""
    from django.core.management import call_command

    from fordra.reference.services import reference_rates_seed

    call_command("migrate", verbosity=0, interactive=False)
    reference_rates_seed()


def cmd_manage(args: argparse.Namespace, out: Output) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fordra manage", *args.rest])


# --- parser ---------------------------------------------------------------------------------


def _trifle_arguments(p: argparse.ArgumentParser, *, default_help: str) -> None:
    p.add_argument(
        "--trifle",
        metavar="KR",
        help="no fee-bearing letter while the whole remainder is below this many kronor"
        f"{default_help}; 0 = no threshold",
    )
    p.add_argument(
        "--trifle-policy",
        choices=["write_off", "return"],
        help="what becomes of such a remainder: written off, or returned to the creditor"
        + (" (default write_off)" if default_help else ""),
    )


def _command(
    parent: Any, name: str, handler: Callable[[argparse.Namespace, Output], None], help: str
) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` (accepting ``--json`` after it too) run by ``handler``."""
    p: argparse.ArgumentParser = parent.add_parser(name, help=help)
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(handler=handler)
    return p


_DATE_HELP = "the effective date (default today; never in the future)"


def _parser_creditor(sub: Any) -> None:
    """``fordra creditor add|update|list``."""
    command = _command
    creditor = sub.add_parser("creditor", help="creditors (borgenärer)").add_subparsers(
        dest="action", required=True
    )
    p = command(creditor, "add", cmd_creditor_add, "register a creditor and its agreement")
    p.add_argument("--name", required=True)
    p.add_argument("--orgnr", required=True)
    p.add_argument("--bankgiro", required=True)
    p.add_argument("--service", default="full", choices=["full", "reminders", "collection"])
    p.add_argument(
        "--template",
        default="consumer",
        choices=["consumer", "b2b", "energy", "housing", "public_sector"],
    )
    p.add_argument("--reminder-fee-agreed", action="store_true")
    p.add_argument(
        "--pricing", default="commission",
        choices=["commission", "keeps_interest_and_fees", "subscription", "zero_cost"],
    )
    p.add_argument("--commission", default="0", help="percent of collected capital")
    p.add_argument("--annual-fee", default="0", help="kronor a year (subscription)")
    p.add_argument("--case-fee", default="0", help="kronor per new case (subscription)")
    p.add_argument("--remit-every", default="monthly", choices=["daily", "weekly", "monthly"])
    p.add_argument("--payout-plusgiro", help="pay out to this plusgiro instead of the bankgiro")
    p.add_argument("--payout-iban", help="pay out to this IBAN instead of the bankgiro")
    _trifle_arguments(p, default_help=" (default 50)")
    p = command(creditor, "update", cmd_creditor_update, "change a creditor's agreement")
    p.add_argument("orgnr", help="the creditor's organisationsnummer")
    _trifle_arguments(p, default_help="")
    command(creditor, "list", cmd_creditor_list, "list creditors")


def _parser_import(sub: Any) -> None:
    """``fordra import claims|payments`` (``kfm`` is added by fordra.cli.kfm)."""
    command = _command
    imp = sub.add_parser("import", help="import files").add_subparsers(dest="kind", required=True)
    p = command(imp, "claims", cmd_import_claims, "import a claims CSV (all or nothing)")
    p.add_argument("file")
    p = command(imp, "payments", cmd_import_payments, "import a BgMax or camt.054 payment file")
    p.add_argument("file")
    p.add_argument("--allow-test-file", action="store_true", help="accept a BgMax test file (T)")


def _parser_case(sub: Any) -> None:
    """``fordra case …``: list, show and the staff guards on a case."""
    command = _command
    case = sub.add_parser("case", help="cases (ärenden)").add_subparsers(dest="action", required=True)
    p = command(case, "list", cmd_case_list, "list cases")
    p.add_argument("--creditor", help="creditor organisationsnummer")
    p.add_argument("--debtor", help="debtor personnummer/orgnr")
    p.add_argument("--state")
    p.add_argument("--search", help="OCR, reference, name, id number or invoice number")
    p.add_argument("--limit", type=int, default=100_000)
    p = command(case, "show", cmd_case_show, "show a case")
    p.add_argument("ref", help="case reference or OCR")
    p.add_argument("--as-of", type=_iso_date, dest="as_of")
    p = command(case, "pause", cmd_case_pause, "pause collection until a date")
    p.add_argument("ref")
    p.add_argument("--until", type=_iso_date, required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--date", type=_iso_date, help=_DATE_HELP)
    p = command(case, "resume", cmd_case_resume, "lift a pause")
    p.add_argument("ref")
    p.add_argument("--date", type=_iso_date, help=_DATE_HELP)
    p = command(case, "dispute", cmd_case_dispute, "register the debtor's objection")
    p.add_argument("ref")
    p.add_argument("--reason", required=True)
    p.add_argument("--date", type=_iso_date, help="the day the objection was received "
                   "(default today; never in the future)")
    p = command(case, "decide", cmd_case_decide, "decide a dispute: withdraw, correct or court")
    p.add_argument("ref")
    p.add_argument("--outcome", required=True, choices=["withdrawn", "corrected", "court"])
    p.add_argument("--credit", help="corrected: kronor credited (kreditnota)")
    p.add_argument("--invoice", help="corrected: the invoice number credited")
    p.add_argument("--note")
    p.add_argument("--date", type=_iso_date, help=_DATE_HELP)
    p = command(case, "notify-social", cmd_case_notify_social,
                "housing: notify socialnämnden of a rent termination (JB 12:44)")
    p.add_argument("ref")
    p.add_argument("--date", type=_iso_date, required=True)
    p.add_argument("--municipality", help="default: the tenant's city")
    p = command(case, "partner", cmd_case_partner, "hand a foreign debtor's case to a partner")
    p.add_argument("ref")
    p.add_argument("--partner", required=True, help="the partner agency's name")
    p.add_argument("--date", type=_iso_date, help=_DATE_HELP)


def _parser_debtor_payment(sub: Any) -> None:
    """``fordra debtor mark`` and ``fordra payment …``."""
    command = _command
    debtor = sub.add_parser("debtor", help="debtors (gäldenärer)").add_subparsers(
        dest="action", required=True
    )
    p = command(debtor, "mark", cmd_debtor_mark, "skuldsanering, dödsbo, skyddad identitet")
    p.add_argument("debtor", help="personnummer/orgnr")
    for flag in ("debt-relief", "deceased", "protected-identity"):
        p.add_argument(f"--{flag}", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--date", type=_iso_date, help=_DATE_HELP)

    payment = sub.add_parser("payment", help="payments").add_subparsers(dest="action", required=True)
    p = command(payment, "direct", cmd_payment_direct, "a payment the creditor received directly")
    p.add_argument("ref")
    p.add_argument("--amount", required=True, help="kronor, e.g. 1234,50")
    p.add_argument("--date", type=_iso_date, required=True)
    p.add_argument("--reference", default="")
    p = command(payment, "match", cmd_payment_match, "match an unmatched payment to a case")
    p.add_argument("payment", type=int)
    p.add_argument("ref")
    command(payment, "unmatched", cmd_payment_unmatched, "the unmatched queue")
    p = command(payment, "task-done", cmd_payment_task_done, "close a task on a payment file")
    p.add_argument("task", type=int)
    p = command(payment, "refund", cmd_payment_refund, "record an overpayment or stray payment paid back")
    p.add_argument("payment", type=int)
    p.add_argument("--date", type=_iso_date, required=True)


def _parser_ledger_day(sub: Any) -> None:
    """``fordra ledger …``, ``settle``, ``run`` and ``rate …``."""
    command = _command
    ledger = sub.add_parser("ledger", help="the ledger").add_subparsers(dest="action", required=True)
    command(ledger, "verify", cmd_ledger_verify, "recompute the hash chain")
    p = command(ledger, "reconcile", cmd_ledger_reconcile, "klientmedel reconciliation")
    p.add_argument("--as-of", type=_iso_date, dest="as_of")
    p.add_argument("--bank-balance", type=int, dest="bank_balance", help="öre, from the bank")

    p = command(sub, "settle", cmd_settle, "remit collected money to creditors")
    p.add_argument("--date", type=_iso_date, required=True)

    p = command(sub, "run", cmd_run, "the daily run for a date")
    p.add_argument("--payments", action="append", help="payment file to apply first (repeatable)")
    p.add_argument("--date", type=_iso_date, required=True)
    p.add_argument("--decide-only", action="store_true", help="decide and write; render no letters")
    p.add_argument("--full", action="store_true", help="look at every open case, not only those due")

    rate = sub.add_parser("rate", help="reference rates (referensränta)").add_subparsers(
        dest="action", required=True
    )
    p = command(rate, "add", cmd_rate_add, "enter a half-year's reference rate")
    p.add_argument("--from", type=_iso_date, dest="valid_from", required=True)
    p.add_argument("--percent", required=True)
    p.add_argument("--source")
    p = command(rate, "list", cmd_rate_list, "list reference rates and missing periods")
    p.add_argument("--as-of", type=_iso_date, dest="as_of")


def _parser_tools(sub: Any) -> None:
    """``fordra demo|serve|bench|simulate``."""
    command = _command
    p = command(sub, "demo", cmd_demo, "load the demo portfolio and the demo staff user")
    p.add_argument("--invoices", type=int, default=600)
    p.add_argument("--seed", type=int, default=2026)

    p = command(sub, "serve", cmd_serve, "run the web app (gunicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, help="server processes (default 2 × cores + 1)")
    p.add_argument("--threads", type=int, default=4, help="threads per process")

    p = command(sub, "bench", cmd_bench, "measure the hot paths")
    p.add_argument(
        "--cases", type=int, default=None,
        help="size of every benchmark (default: intake 100 000, daily_run 1 000 000, letters 5 000)",
    )
    p.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    p.add_argument("--seed", type=int, default=1)

    p = command(sub, "simulate", cmd_simulate, "run a synthetic portfolio day by day")
    p.add_argument("--cases", type=int, default=1000, help="invoices in the synthetic portfolio")
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", type=_iso_date, help="first simulated day (default today)")
    p.add_argument("--out", default="var/simulation", help="where the chart is written")
    p.add_argument("--render-letters", action="store_true", help="also render every letter")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fordra", description="Swedish debt collection.")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sub = parser.add_subparsers(dest="command", required=True)
    _command(sub, "migrate", cmd_migrate, "create/upgrade the database and load rule data")
    for add in (_parser_creditor, _parser_import, _parser_case, _parser_debtor_payment,
                _parser_ledger_day, _parser_tools):
        add(sub)
    # The stages after the demand register their own subcommands (fordra.cli.<app>).
    from fordra.cli import kfm, plans, privacy, surveillance

    for module in (plans, kfm, surveillance, privacy):
        module.register(sub, _command)

    p = _command(sub, "manage", cmd_manage, "run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(as_json=bool(getattr(args, "json", False)))
    if args.handler in (cmd_bench, cmd_simulate):
        # Benchmarks and simulations never touch the real database: a throw-away SQLite file.
        import atexit
        import shutil
        import tempfile

        bench_dir = tempfile.mkdtemp(prefix="fordra-bench-")
        atexit.register(shutil.rmtree, bench_dir, True)
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir}/bench.sqlite3"
        os.environ["FORDRA_MEDIA_DIR"] = f"{bench_dir}/media"
    try:
        _setup_django()
        from fordra.core.errors import ApplicationError
        from fordra.domain.fees import FeeRateMissingError
        from fordra.domain.interest import RateMissingError

        try:
            args.handler(args, out)
        except ApplicationError as exc:
            quiet = Output(as_json=False) if exc.result_printed else out
            _report_error(exc.message, exc.details, code=exc.code, out=quiet)
            return exc.exit_code
        except (FeeRateMissingError, RateMissingError) as exc:
            # A --date before the rule data (fees from 2013-03-16, DOMAIN.md §2; reference
            # rates from 2015-01-01, §3): the services look rules up before they write, or
            # inside their transaction, so nothing was written.
            _report_error(
                f"no rules for that day: {exc}", [], code="rules_not_in_force", out=out
            )
            return EXIT_REFUSED
    except KeyboardInterrupt:
        sys.stderr.write("fordra: interrupted; nothing half-written was committed\n")
        return 130
    except Exception as exc:
        database_problem = _database_problem(exc)
        if database_problem and os.environ.get("FORDRA_DEBUG") != "1":
            _report_error(database_problem, [], code="database", out=out)
            return EXIT_REFUSED
        if os.environ.get("FORDRA_DEBUG") == "1":
            raise
        _report_error(f"internal error: {type(exc).__name__}: {exc}", [], code="internal", out=out)
        return EXIT_INTERNAL
    return EXIT_OK


def _database_problem(exc: Exception) -> str | None:
    """A clear sentence for the database errors a new user meets, or None."""
    from django.db import utils

    if not isinstance(exc, utils.OperationalError | utils.ProgrammingError):
        return None
    text = str(exc)
    if "no such table" in text or "does not exist" in text:
        return "the database is not set up yet: run `fordra migrate` first"
    if "connection" in text.lower() or "could not connect" in text:
        url = os.environ.get("DATABASE_URL", "sqlite:///var/fordra.sqlite3")
        safe = url.split("@")[-1] if "@" in url else url
        return f"cannot reach the database ({safe}): {text.splitlines()[0]}"
    return None


def _report_error(message: str, details: Sequence[str], *, code: str, out: Output) -> None:
    sys.stderr.write(f"fordra: {message}\n")
    for line in details:
        sys.stderr.write(f"  {line}\n")
    if out.as_json:
        sys.stdout.write(
            json.dumps({"error": message, "code": code, "details": list(details)}, ensure_ascii=False)
            + "\n"
        )


if __name__ == "__main__":
    sys.exit(main())
