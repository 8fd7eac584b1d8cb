"""The staff back office in headless Chromium: log in, search, open a case, read its balance."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import PNR_B, claim_line, claims_csv, import_bytes

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself (arranging data) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        CHROMIUM is None and os.environ.get("CI") != "true",
        reason="Chromium is not installed (scripts/ensure-chromium.sh installs it)",
    ),
]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def browser(live_server):
    # Depends on live_server so that the browser closes (and drops its keep-alive connections)
    # before the server thread stops.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def portfolio(creditor, reference_rates):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.create_user("handlaggare", password=PASSWORD, is_staff=True)
    User.objects.create_user("kund", password=PASSWORD, is_staff=False)
    import_bytes(
        claims_csv(
            claim_line("F-1", name="Tolvan Tolvansson"),
            claim_line("F-2", debtor=PNR_B, name="Lisa Testsson", amount="2 500,00",
                       due_date="2026-10-01"),
        )
    )


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/staff/cases/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_staff_log_in_search_by_name_and_open_the_case(browser, live_server, portfolio):
    from fordra.claims.models import Case

    lisa = Case.objects.get(debtor__national_id=PNR_B)
    page = browser.new_page()

    login(page, live_server.url, "handlaggare")
    assert page.locator("h1").inner_text() == "Ärenden"
    assert page.locator("table.cases tbody tr").count() == 2

    page.fill("input[name=q]", "Testsson")
    page.click("form.filters button")
    assert page.locator("table.cases tbody tr").count() == 1
    page.click(f"text={lisa.ref}")

    assert page.locator("[data-testid=ocr]").inner_text() == lisa.ocr
    balance = page.locator("[data-testid=balance]").inner_text()
    assert "2 500,00 kr" in balance
    assert "faktura F-2" in page.locator("[data-testid=timeline]").inner_text()
    # The demo's reference rate for 2026-07-01 is missing: staff are warned.
    assert page.locator("[data-testid=rate-warning]").count() == 1


def test_a_search_by_ocr_finds_exactly_that_case(browser, live_server, portfolio):
    from fordra.claims.models import Case

    case = Case.objects.order_by("number").first()
    page = browser.new_page()
    login(page, live_server.url, "handlaggare")

    page.goto(f"{live_server.url}/staff/cases/?q={case.ocr}")

    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 1
    assert case.ref in rows.first.inner_text()


def test_a_wrong_password_is_refused_and_a_non_staff_user_sees_nothing(
    browser, live_server, portfolio
):
    page = browser.new_page()
    page.goto(f"{live_server.url}/staff/cases/")
    page.fill("input[name=username]", "handlaggare")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "Fel användarnamn eller lösenord" in page.content()

    login(page, live_server.url, "kund")
    response = page.goto(f"{live_server.url}/staff/cases/")
    assert response is not None and response.status == 403


def test_staff_open_a_sent_reminder_as_html_and_pdf(browser, live_server, portfolio, settings,
                                                    tmp_path):
    from datetime import UTC, date, datetime

    from fordra.claims.models import Case
    from fordra.collection.run import daily_run

    settings.MEDIA_ROOT = tmp_path / "media"
    daily_run(run_date=date(2026, 10, 8), now=datetime(2026, 10, 8, 5, tzinfo=UTC))
    case = Case.objects.order_by("number").first()
    page = browser.new_page()
    login(page, live_server.url, "handlaggare")
    page.goto(f"{live_server.url}/staff/cases/{case.ref}/")

    letters = page.locator("[data-testid=letters]").inner_text()
    assert "Påminnelse" in letters and "Skickat" in letters
    assert "Påminnelseavgift" in page.locator("[data-testid=fees]").inner_text()
    page.click("[data-testid=letters] >> text=Visa")
    assert "Påminnelse" in page.content()
    assert case.ocr in page.content()

    pdf = page.request.get(f"{live_server.url}" + _pdf_link(case))
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"


def _pdf_link(case) -> str:
    from fordra.letters.models import Letter

    return f"/staff/letters/{Letter.objects.filter(case=case).first().id}.pdf"


def test_staff_match_an_unmatched_payment_and_see_klientmedel_reconcile(
    browser, live_server, portfolio, settings, tmp_path
):
    from datetime import UTC, date, datetime

    from fordra.claims.models import Case
    from fordra.formats.bgmax import write_bgmax
    from fordra.payments.intake import payments_import

    settings.MEDIA_ROOT = tmp_path / "media"
    case = Case.objects.get(debtor__national_id=PNR_B)
    data = write_bgmax(receiving_bankgiro="50501055",
                       payments=[(date(2026, 10, 5), "F-2", 50_000, "9")],
                       created=datetime(2026, 10, 5, 8, tzinfo=UTC))
    payments_import(data=data, filename="b.txt", now=datetime(2026, 10, 5, 8, tzinfo=UTC))
    page = browser.new_page()
    login(page, live_server.url, "handlaggare")

    page.goto(f"{live_server.url}/staff/payments/unmatched/")
    queue = page.locator("[data-testid=unmatched]").inner_text()
    assert "500,00 kr" in queue and case.ref in queue  # suggested from the invoice number
    page.fill("input[name=ref]", case.ref)
    page.click("[data-testid=unmatched] button")
    assert "matchades" in page.locator("[data-testid=message]").inner_text()
    assert "Kön är tom" in page.locator("[data-testid=unmatched]").inner_text()

    page.goto(f"{live_server.url}/staff/klientmedel/")
    assert "Stämmer." in page.locator("[data-testid=reconciliation]").inner_text()
