"""Shared test helpers. Factories over fixture files: data is built where it is used."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

# Skatteverket's published test personnummer (never real people).
PNR_A = "191212121212"
PNR_B = "201701012393"
PNR_C = "194408139089"
PNR_D = "199006022397"
PNR_E = "200001052380"

CREDITOR_ORGNR = "5560360793"
CREDITOR_BANKGIRO = "50501055"

HEADER = (
    "creditor_orgnr;invoice_number;invoice_date;due_date;amount;debtor_id;debtor_name;"
    "address;postal_code;city"
)


def claims_csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def claim_line(
    invoice_number: str,
    *,
    amount: str = "1 000,00",
    debtor: str = PNR_A,
    name: str = "Tolvan Tolvansson",
    invoice_date: str = "2026-09-01",
    due_date: str = "2026-09-30",
    creditor: str = CREDITOR_ORGNR,
    address: str = "Storgatan 1",
    postal_code: str = "111 22",
    city: str = "Stockholm",
) -> str:
    return ";".join(
        [creditor, invoice_number, invoice_date, due_date, amount, debtor, name, address,
         postal_code, city]
    )


@pytest.fixture
def creditor(db):  # type: ignore[no-untyped-def]
    from fordra.parties.services import creditor_add

    created, _ = creditor_add(
        name="Exempelbolaget AB",
        orgnr=CREDITOR_ORGNR,
        bankgiro=CREDITOR_BANKGIRO,
        reminder_fee_agreed=True,
    )
    return created


@pytest.fixture
def reference_rates(db):  # type: ignore[no-untyped-def]
    from fordra.reference.services import reference_rates_seed

    reference_rates_seed()


def import_bytes(data: bytes, *, filename: str = "claims.csv"):  # type: ignore[no-untyped-def]
    from fordra.claims.intake import claims_import

    return claims_import(data=data, filename=filename, today=TODAY, now=NOW)


@pytest.fixture(scope="session", autouse=True)
def _drop_live_server_connections(request):  # type: ignore[no-untyped-def]
    """Let the test database be dropped on PostgreSQL after browser tests.

    The live server's request threads close their connections only when the browser's
    keep-alive socket closes, which can be after pytest-django starts dropping the database.
    (Pure unit tests may run with ``-p no:django``: then there is nothing to do.)
    """
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    request.getfixturevalue("django_db_setup")
    django_db_blocker = request.getfixturevalue("django_db_blocker")
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def assert_money_invariants() -> None:
    """The ledger's invariants (docs/ledger.md), checked after every money scenario."""
    from django.db import connection

    from fordra.ledger.reconcile import reconcile
    from fordra.ledger.services import ledger_verify

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT transaction_id, SUM(amount_ore) FROM ledger_posting GROUP BY transaction_id "
            "HAVING SUM(amount_ore) <> 0"
        )
        assert cursor.fetchall() == [], "a transaction does not sum to zero"
    verified = ledger_verify()
    assert verified.ok, f"hash chain breaks at {verified.first_break}"
    report = reconcile(as_of=TODAY.replace(year=2099))
    assert report["identity_ok"], report
    # The ledger's receivables agree with the claims view, case by case: capital and fees
    # outstanding derived from postings equal those derived from invoices, fees and allocations.
    from fordra.claims.models import Case
    from fordra.claims.selectors import case_balances
    from fordra.ledger.services import account_balances

    ledger = account_balances(prefix="case:")
    cases = list(Case.objects.all())
    far = TODAY.replace(year=2099)
    for case in cases:
        b = case_balances(cases=[case], as_of=far)[case.id]
        assert ledger.get(f"case:{case.id}:capital", 0) == b.capital_ore, case.ref
        assert ledger.get(f"case:{case.id}:fees", 0) == b.fees_ore, case.ref
