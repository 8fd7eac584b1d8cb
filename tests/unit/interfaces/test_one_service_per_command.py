"""Every CLI command is a thin adapter over ONE service (issue 12).

A command parses its input, may resolve it with selectors (``case_get``, …), calls exactly one
service function that does the whole use case (its rules, its audit, its transaction) and
prints the result. The table below is the contract: a new command must name its service here,
and a command that starts calling a second service (a use case assembled in the interface,
which the coming API and portals would skip) fails this test. docs/architecture.md shows the
same table.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fordra.cli

CLI_DIR = Path(fordra.cli.__file__).parent

# command handler -> the one service it calls (None: no domain service — setup, reads, tooling)
COMMAND_SERVICE: dict[str, str | None] = {
    "cmd_migrate": "fordra.reference.services.reference_rates_seed",
    "cmd_creditor_add": "fordra.parties.services.creditor_add",
    "cmd_creditor_update": "fordra.parties.services.creditor_update",
    "cmd_creditor_list": None,
    "cmd_import_claims": "fordra.collection.handover.claims_hand_over",
    "cmd_import_payments": "fordra.payments.intake.payments_import",
    "cmd_case_list": None,
    "cmd_case_show": "fordra.casefile.case_detail_json",
    "cmd_case_pause": "fordra.collection.services.case_pause",
    "cmd_case_resume": "fordra.collection.services.case_resume",
    "cmd_case_dispute": "fordra.collection.services.case_dispute",
    "cmd_case_decide": "fordra.collection.services.case_dispute_decide",
    "cmd_case_partner": "fordra.collection.services.case_to_partner",
    "cmd_case_notify_social": "fordra.collection.notices.social_welfare_notice",
    "cmd_debtor_mark": "fordra.collection.services.debtor_mark",
    "cmd_payment_direct": "fordra.payments.direct.payment_direct",
    "cmd_payment_match": "fordra.payments.actions.payment_match",
    "cmd_payment_refund": "fordra.payments.actions.payment_refund",
    "cmd_payment_unmatched": None,
    "cmd_payment_task_done": "fordra.payments.actions.file_task_done",
    "cmd_ledger_verify": "fordra.ledger.services.ledger_verify",
    "cmd_ledger_reconcile": "fordra.ledger.reconcile.reconcile",
    "cmd_settle": "fordra.settlement.services.settle",
    "cmd_run": "fordra.collection.day.day_run",
    "cmd_rate_add": "fordra.reference.services.reference_rate_add",
    "cmd_rate_list": "fordra.reference.services.reference_rate_table",
    "cmd_demo": "fordra.web.demo.demo_setup",
    "cmd_serve": "fordra.web.server.serve",
    "cmd_bench": "fordra.bench.runner.bench_run",
    "cmd_simulate": "fordra.simulation.run.simulate",
    "cmd_manage": None,
    "cmd_kfm_propose": "fordra.kfm.decision.kfm_propose",
    "cmd_kfm_apply": "fordra.kfm.application.kfm_apply",
    "cmd_kfm_surveillance": "fordra.kfm.decision.kfm_surveillance",
    "cmd_kfm_return": "fordra.kfm.decision.kfm_return",
    "cmd_kfm_warn": "fordra.kfm.bankruptcy.kfm_bankruptcy_warning",
    "cmd_kfm_record": "fordra.kfm.outcomes.kfm_record",
    "cmd_kfm_export": "fordra.kfm.batch.kfm_export",
    "cmd_kfm_import": "fordra.kfm.outcomes.kfm_import_outcomes",
    "cmd_kfm_list": None,
    "cmd_plan_propose": "fordra.plans.services.plan_propose",
    "cmd_plan_approve": "fordra.plans.services.plan_approve",
    "cmd_plan_reject": "fordra.plans.services.plan_reject",
    "cmd_plan_show": None,
    "cmd_plan_list": None,
    "cmd_surveillance_start": "fordra.surveillance.services.surveillance_start",
    "cmd_surveillance_rescore": "fordra.surveillance.services.surveillance_rescore",
    "cmd_limitation_show": None,
    "cmd_limitation_refresh": "fordra.surveillance.daily.limitation_refresh",
    "cmd_limitation_decide": "fordra.surveillance.services.limitation_review_decide",
    "cmd_person_extract": "fordra.privacy.services.person_extract",
    "cmd_person_pseudonymise": "fordra.privacy.services.personal_data_pseudonymise",
}

# Calls an adapter may make beside its service: resolving input and formatting output.
NOT_A_SERVICE = {
    "fordra.plans.services.plan_for_case",  # resolves REF to its proposed plan
    "fordra.kfm.decision.proposal_text",  # formats the proposal
    "fordra.web.server.default_workers",  # a CLI default
    "fordra.core.deploy.serve_refusal",  # a configuration check before serving
    "fordra.simulation.run.state_counts_text",  # formats the report
}


def _read_only(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return (
        module.startswith(("fordra.cli", "fordra.domain", "fordra.formats", "fordra.core.errors",
                           "fordra.core.dates"))
        or last in {"selectors", "models"}
        or not module.startswith("fordra")
    )


def _services_called(func: ast.FunctionDef) -> list[str]:
    imported: dict[str, str] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.ImportFrom) and node.module and not _read_only(node.module):
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    called = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            target = imported.get(node.func.id)
            if target and target not in NOT_A_SERVICE:
                called.append(target)
    return called


def _handlers() -> dict[str, ast.FunctionDef]:
    out = {}
    for path in sorted(CLI_DIR.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("cmd_"):
                out[node.name] = node
    return out


def test_every_command_is_in_the_table() -> None:
    assert sorted(_handlers()) == sorted(COMMAND_SERVICE)


def test_every_command_calls_exactly_its_one_service() -> None:
    wrong = {}
    for name, func in _handlers().items():
        expected = COMMAND_SERVICE[name]
        called = _services_called(func)
        if called != ([expected] if expected else []):
            wrong[name] = called
    assert wrong == {}


def test_claims_import_goes_through_the_hand_over() -> None:
    # The limitation check at hand-over is part of the one intake service, not of the CLI.
    called = _services_called(_handlers()["cmd_import_claims"])
    assert called == ["fordra.collection.handover.claims_hand_over"]
