from __future__ import annotations

import logging

from fordra.core.logredact import RedactIdentityNumbers, redact


def test_personnummer_and_orgnr_in_every_common_form_are_masked() -> None:
    line = "GET /staff/cases/?q=191212121212 q=19121212-1212 q=121212-1212 q=556036-0793 q=5560360793"
    assert redact(line) == "GET /staff/cases/?q=[id] q=[id] q=[id] q=[id] q=[id]"


def test_amounts_and_case_numbers_stay_readable() -> None:
    assert redact("FD-100234 betalade 1 250,00 kr, 125000 öre") == "FD-100234 betalade 1 250,00 kr, 125000 öre"


def test_the_log_filter_rewrites_the_formatted_message() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Not Found: %s", ("/?q=191212121212",), None)
    assert RedactIdentityNumbers().filter(record)
    assert record.getMessage() == "Not Found: /?q=[id]"
