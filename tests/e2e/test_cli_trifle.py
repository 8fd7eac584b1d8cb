"""`fordra creditor add/update --trifle KR [--trifle-policy P]`: the agreement's trifle terms."""

from __future__ import annotations

import json

import pytest

from fordra.cli import main
from fordra.parties.models import Creditor

pytestmark = pytest.mark.django_db(transaction=True)

ADD = (
    "creditor",
    "add",
    "--name",
    "Exempelbolaget AB",
    "--orgnr",
    "556036-0793",
    "--bankgiro",
    "5050-1055",
)


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith("{") else None), captured.err


def test_a_creditor_gets_a_50_kronor_threshold_written_off_by_default(capsys):
    code, added, _ = run(capsys, "--json", *ADD)

    assert code == 0
    assert (added["trifle_ore"], added["trifle_policy"]) == (5000, "write_off")
    code, listed, _ = run(capsys, "--json", "creditor", "list")
    assert (listed["creditors"][0]["trifle_ore"], listed["creditors"][0]["trifle_policy"]) == (
        5000,
        "write_off",
    )


def test_creditor_add_takes_the_threshold_in_kronor_and_the_policy(capsys):
    code, added, _ = run(capsys, "--json", *ADD, "--trifle", "49,50", "--trifle-policy", "return")

    assert code == 0
    assert (added["trifle_ore"], added["trifle_policy"]) == (4950, "return")
    assert Creditor.objects.get().trifle_ore == 4950


def test_creditor_update_changes_only_the_terms_given(capsys):
    run(capsys, *ADD, "--trifle", "40")

    code, updated, _ = run(capsys, "--json", "creditor", "update", "5560360793", "--trifle", "30")
    assert code == 0
    assert (updated["trifle_ore"], updated["trifle_policy"]) == (3000, "write_off")
    code, updated, _ = run(
        capsys, "--json", "creditor", "update", "556036-0793", "--trifle-policy", "return"
    )
    assert (updated["trifle_ore"], updated["trifle_policy"]) == (3000, "return")
    code, _, _ = run(capsys, "creditor", "update", "5560360793", "--trifle", "0")
    assert code == 0 and Creditor.objects.get().trifle_ore == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "trifle: must be from 0 kr to 1 000,00 kr, not -5,00 kr"),
        ("femtio", "--trifle: not a number: 'femtio'"),
        ("12,345", "--trifle: more than two decimals"),
        ("1001", "trifle: must be from 0 kr to 1 000,00 kr"),
    ],
)
def test_a_bad_threshold_exits_1_with_a_clear_message_and_changes_nothing(capsys, value, message):
    code, _, err = run(capsys, *ADD, f"--trifle={value}")
    assert code == 1
    assert message in err and "Traceback" not in err
    assert not Creditor.objects.exists()

    run(capsys, *ADD)
    code, obj, err = run(capsys, "--json", "creditor", "update", "5560360793", f"--trifle={value}")
    assert code == 1
    assert message in err and "Traceback" not in err
    assert obj["error"]
    assert Creditor.objects.get().trifle_ore == 5000


def test_updating_an_unknown_creditor_or_nothing_at_all_is_refused(capsys):
    code, _, err = run(capsys, "creditor", "update", "5560360793", "--trifle", "30")
    assert code == 1 and "no creditor with organisationsnummer 5560360793" in err

    run(capsys, *ADD)
    code, _, err = run(capsys, "creditor", "update", "5560360793")
    assert code == 1 and "nothing to change" in err
