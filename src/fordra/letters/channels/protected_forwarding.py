"""Protected forwarding: paper for debtors with protected identity, via Skatteverket.

A person with skyddade personuppgifter (DOMAIN.md §10) has no address Fordra may print, export
or show. Their letters go to Skatteverket, which forwards them; the print service puts each
letter in an envelope marked with the personnummer and sends it to Skatteverket's forwarding.

The mechanics are the print channel's (``print_batch.PdfBatchChannel``): one merged PDF per
day, ``forwarding-YYYY-MM-DD[-N].pdf``, never overwriting a batch, with a manifest beside it::

    letter_id,case_ref,national_id,pages,first_page
    201,K-2026-000201,191212121212,1,1

The manifest carries the letter, the case and the personnummer that Skatteverket forwards on,
plus the page numbers needed to split the batch — never a name with an address, never an
address. As a last guard, an item whose PDF shows any of the recipient's address lines (a
renderer given an address it should not have had) is ``"failed"`` and left out of the batch.

Reachable: a protected identity with a national id.
"""

from __future__ import annotations

from pypdf import PdfReader

from fordra.letters.channels import OutboxItem, Recipient
from fordra.letters.channels.print_batch import PdfBatchChannel

__all__ = ["ProtectedForwardingChannel"]

# Shorter address lines ("1", "A") would match any letter's text.
_ADDRESS_LINE_CHARS_MIN = 4


class ProtectedForwardingChannel(PdfBatchChannel):
    """Letters to protected identities, batched for Skatteverket's forwarding."""

    name: str = "protected_forwarding"
    file_prefix: str = "forwarding"

    def can_reach(self, recipient: Recipient) -> bool:
        return recipient.protected_identity and bool(recipient.national_id.strip())

    def unreachable_detail(self, recipient: Recipient) -> str:
        if not recipient.protected_identity:
            return "recipient has no protected identity (use print)"
        return "protected identity without a national id: Skatteverket cannot forward"

    def manifest_header(self) -> tuple[str, ...]:
        return ("letter_id", "case_ref", "national_id", "pages", "first_page")

    def manifest_row(self, item: OutboxItem, *, pages: int, first_page: int) -> tuple[str, ...]:
        return (str(item.letter_id), item.case_ref, item.recipient.national_id.strip(),
                str(pages), str(first_page))

    def check_letter(self, item: OutboxItem, reader: PdfReader) -> str:
        lines = [_normalised(line) for line in item.recipient.address_lines]
        lines = [line for line in lines if len(line) >= _ADDRESS_LINE_CHARS_MIN]
        if not lines:
            return ""
        text = _normalised(" ".join(page.extract_text() or "" for page in reader.pages))
        if any(line in text for line in lines):
            return "letter PDF shows the protected address: not sent"
        return ""


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()
