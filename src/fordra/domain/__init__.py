"""The pure domain core: money, bank days, identifiers, OCR, interest, fees, allocation.

Plain Python: no Django, no I/O and no clock — every date is an argument. Money is ``int`` öre.
The rules these modules apply are cited in each module's docstring (DOMAIN.md has the sources).
"""
