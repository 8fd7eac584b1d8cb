"""``fordra person …`` — personal data (GDPR), registered by ``fordra.cli.build_parser``.

- ``fordra person extract ID [--out DIR]``: everything Fordra holds on a person (art. 15) as
  JSON + PDF; the export is logged with who asked.
- ``fordra person pseudonymise [--date D] [--retention-days N]``: pseudonymise the persons whose
  cases have all been closed longer than the retention (run it e.g. weekly beside the daily run).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any, command: Any) -> None:
    from fordra.cli import _iso_date

    person = sub.add_parser("person", help="personal data (GDPR)").add_subparsers(
        dest="action", required=True
    )
    p = command(person, "extract", cmd_person_extract, "everything held on a person (JSON + PDF)")
    p.add_argument("person", help="personnummer, samordningsnummer or organisationsnummer")
    p.add_argument("--out", type=Path, help="folder for the files (default: media/privacy)")
    p = command(
        person, "pseudonymise", cmd_person_pseudonymise, "pseudonymise after the retention period"
    )
    p.add_argument("--date", type=_iso_date, help="the day (default today)")
    p.add_argument("--retention-days", type=int, dest="retention_days")


def cmd_person_extract(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _actor, _now, _today
    from fordra.privacy.services import person_extract

    extract = person_extract(
        person=args.person, actor=_actor(), today=_today(), now=_now(), out_dir=args.out
    )
    out.result(
        extract.as_json(),
        f"Registerutdrag: {extract.pdf_path} and {extract.json_path} ({extract.cases} cases).",
    )


def cmd_person_pseudonymise(args: argparse.Namespace, out: Any) -> None:
    from fordra.cli import _actor, _now, _today
    from fordra.privacy.services import personal_data_pseudonymise

    day = args.date or _today()
    if day > _today():
        from fordra.core.errors import ApplicationError

        raise ApplicationError(f"--date {day.isoformat()} is in the future")
    result = personal_data_pseudonymise(
        today=day, now=_now(), retention_days=args.retention_days, actor=_actor()
    )
    out.result(
        {"date": day.isoformat(), **result.as_json()},
        f"Pseudonymised {result.persons} persons ({result.letters} letters, "
        f"{result.files_deleted} files deleted).",
    )
