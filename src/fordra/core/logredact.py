"""Keep personnummer, samordningsnummer and organisationsnummer out of log lines (GDPR).

A search for a debtor puts the identity number in a query string, and a log line that quotes a
request (the server's access log, Django's warnings) would keep it for as long as the logs live.
The filter masks every run of 10 or 12 digits — with or without the ``-``/``+`` separator —
before a line is written. Amounts and case numbers are shorter and stay readable.
"""

from __future__ import annotations

import logging
import re

# 6 or 8 digits, an optional separator, 4 digits; not part of a longer run of digits.
IDENTITY_NUMBER = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")
MASK = "[id]"


def redact(text: str) -> str:
    """``text`` with every identity-number-shaped run of digits masked."""
    return IDENTITY_NUMBER.sub(MASK, text)


class RedactIdentityNumbers(logging.Filter):
    """A logging filter that rewrites the record's message (arguments included) redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error path
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
