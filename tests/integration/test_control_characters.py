"""A control character typed or pasted into a form or a command is refused, nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from fordra.claims.models import Case, CaseEvent
from fordra.collection.services import case_dispute
from fordra.core.errors import ApplicationError
from tests.conftest import claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(creditor, reference_rates):  # type: ignore[no-untyped-def]
    import_bytes(claims_csv(claim_line("C-1")))
    return Case.objects.get()


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f"])
def test_a_form_with_a_control_character_is_refused_in_swedish_and_nothing_changes(case, client, char):  # type: ignore[no-untyped-def]
    client.force_login(get_user_model().objects.create_user("handlaggare", is_staff=True))
    events = CaseEvent.objects.count()
    response = client.post(
        f"/staff/cases/{case.ref}/action/", {"action": "dispute", "reason": f"Varan{char}kom aldrig"}
    )
    assert response.status_code == 400
    assert "kontrolltecken" in response.content.decode()
    assert Case.objects.get().state != "disputed" and CaseEvent.objects.count() == events


def test_a_line_break_in_a_reason_is_ordinary_text(case) -> None:  # type: ignore[no-untyped-def]
    case_dispute(case=case, reason="Varan kom aldrig.\nSe bifogat kvitto.", actor="staff:a", today=date(2026, 11, 23))
    assert Case.objects.get().state == "disputed"


def test_a_command_with_a_control_character_in_the_reason_is_refused(case) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError, match="control character"):
        case_dispute(case=case, reason="Varan\x07kom aldrig", actor="cli:a", today=date(2026, 11, 23))
    assert Case.objects.get().state != "disputed"
