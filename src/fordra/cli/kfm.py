"""``fordra`` subcommands for the kfm app (registered by ``fordra.cli.build_parser``)."""

from __future__ import annotations

from typing import Any


def register(sub: Any, command: Any) -> None:
    """Add this app's subcommands to the top-level parser sub with command(...)."""
    return None
