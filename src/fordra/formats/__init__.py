"""Pure parsers and writers, one module per external file format (DESIGN.md §1).

Nothing here imports Django or reads the clock; the only project import is ``fordra.domain``.
"""
