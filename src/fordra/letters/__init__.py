"""Letters: letter content rendered to PDF and HTML from text files, and the outbox.

``fordra.letters.rendering`` renders ``fordra.domain.letters.LetterContent`` with the texts in
``texts/`` and the layout in ``templates/letters/``; ``fordra.letters.bench`` measures it. The
package is also the Django app for stored letters and their delivery (models, services,
channels): keep this module free of imports (no Django at import time).
"""
