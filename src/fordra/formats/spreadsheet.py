"""Free text in the CSV files Fordra writes, made safe to open in a spreadsheet.

OWASP's CSV-injection rule: a cell that starts with ``=``, ``+``, ``-``, ``@``, a TAB or a
carriage return is read by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(…)``,
``+cmd|' /C calc'!A0``, ``@SUM(…)``). Such a value gets a leading apostrophe, which spreadsheets
show as text and hide. Only free text goes through :func:`spreadsheet_text` — names, addresses,
descriptions, reasons —, never amounts, dates or phone numbers, whose leading ``-`` or ``+`` is
meaning, not a formula.

>>> spreadsheet_text("=HYPERLINK(\\"http://x\\")"), spreadsheet_text("Tolvan Tolvansson")
('\\'=HYPERLINK("http://x")', 'Tolvan Tolvansson')
>>> spreadsheet_text("  @SUM(A1)")
"'  @SUM(A1)"

A file Fordra reads back (the Kronofogden outcomes CSV) undoes it with :func:`spreadsheet_value`.
"""

from __future__ import annotations

from typing import Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def _runs(text: str) -> bool:
    return text.lstrip(" ").startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS)


def spreadsheet_text(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would run it as a formula (or when
    it starts with an apostrophe itself, so that :func:`spreadsheet_value` can tell them apart)."""
    if _runs(text) or text.startswith("'"):
        return "'" + text
    return text


def spreadsheet_value(cell: str) -> str:
    """The text :func:`spreadsheet_text` was given, from the cell it wrote."""
    if cell.startswith("'") and (_runs(cell[1:]) or cell[1:].startswith("'")):
        return cell[1:]
    return cell
