"""The intake benchmark measures the work it claims (no timing is asserted: it is not a test)."""

from __future__ import annotations

import pytest

from fordra.bench.runner import INTAKE_STAGES, bench_intake
from fordra.claims.models import Case, Invoice

pytestmark = pytest.mark.django_db


def test_the_intake_benchmark_imports_every_invoice_and_reports_its_stages():
    result = bench_intake(300, 3)

    assert result["name"] == "intake" and result["n"] == 300
    assert Invoice.objects.count() == 300
    assert Case.objects.count() > 0
    assert list(result["detail"]) == [f"{stage}_seconds" for stage in INTAKE_STAGES]
    assert all(seconds >= 0 for seconds in result["detail"].values())
    assert result["baseline"] == "csv + sqlite3 executemany"
