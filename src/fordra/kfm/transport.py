"""How an application batch reaches Kronofogden (the adapter DOMAIN.md §7 asks for).

Kronofogden's file service for betalningsföreläggande takes XML to an XSD that is handed only to
approved senders, over a channel agreed with them; neither is public. So the batch is written as
Fordra's own structured files (JSON + CSV, ``formats.kfm``) and handed to a ``KfmTransport``:

- ``OutboxTransport`` (the default) puts the batch in ``MEDIA_ROOT/kfm/outbox/`` for a person or
  a job to send — the honest thing to do until the agency has its sender agreement;
- an agency with the XSD and access writes its own transport (XML from the same
  ``formats.kfm.Application`` model, then the upload) and names it in
  ``FORDRA_KFM_TRANSPORT`` (a dotted path); tests use a recording double.

A transport returns a receipt reference it can show for the batch (a file name, an upload id).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class Batch:
    batch_id: str
    sequence: int
    json_bytes: bytes
    csv_bytes: bytes


class KfmTransport(Protocol):
    def submit(self, batch: Batch) -> str:
        """Hand ``batch`` over; return a receipt reference. Raise to refuse (nothing is marked)."""
        ...


class OutboxTransport:
    """The batch's JSON into ``MEDIA_ROOT/kfm/outbox/`` (idempotent: same name, same bytes)."""

    def submit(self, batch: Batch) -> str:
        folder = Path(settings.MEDIA_ROOT) / "kfm" / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{batch.batch_id}.json"
        path.write_bytes(batch.json_bytes)
        return str(path)


def kfm_transport() -> KfmTransport:
    """The configured transport (``FORDRA_KFM_TRANSPORT``), else the outbox."""
    path = getattr(settings, "FORDRA_KFM_TRANSPORT", "") or ""
    if not path:
        return OutboxTransport()
    module, _, name = path.rpartition(".")
    transport: KfmTransport = getattr(importlib.import_module(module), name)()
    return transport
