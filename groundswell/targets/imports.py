"""Other directories (state legislators, city councils, agency heads) from a CSV file.

``manage.py import_targets FILE`` (docs/letters.md). One row per person; the columns are
``IMPORT_COLUMNS`` (only ``name`` and ``role`` are required). A row with a ``key`` is matched
on it, so a rerun with a newer file updates the entries in place; a row without one is a
new entry each time. An organisation's own address for a person (``TargetContact``) is
never touched. Every row is checked before anything is written: one bad row, nothing
changes, and the error names its line.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction

IMPORT_COLUMNS = (
    "key", "name", "role", "title", "office", "country", "state", "district",
    "email", "website", "contact_form_url", "phone",
)  # fmt: skip
URL_COLUMNS = ("website", "contact_form_url")


class BadRow(ValueError):
    pass


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int


def _check(row: dict, line: int) -> dict:
    fields = {c: (row.get(c) or "").strip() for c in IMPORT_COLUMNS}
    if not fields["name"] or not fields["role"]:
        raise BadRow(f"line {line}: every row needs a name and a role")
    try:
        if fields["email"]:
            EmailValidator()(fields["email"])
        for column in URL_COLUMNS:
            if fields[column]:
                URLValidator(schemes=["http", "https"])(fields[column])
    except ValidationError as error:
        raise BadRow(f"line {line}: {error.messages[0]}") from None
    fields["country"] = fields["country"].upper()[:2]
    for column, limit in (("name", 150), ("role", 200), ("office", 200), ("phone", 40)):
        if len(fields[column]) > limit:
            raise BadRow(f"line {line}: {column} is longer than {limit} characters")
    return fields


@transaction.atomic
def import_targets(path: Path) -> Imported:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        unknown = set(reader.fieldnames or []) - set(IMPORT_COLUMNS)
        if unknown or not {"name", "role"} <= set(reader.fieldnames or []):
            raise BadRow(
                f"the columns must be among {', '.join(IMPORT_COLUMNS)} and include name and role"
            )
        rows = [_check(row, line) for line, row in enumerate(reader, start=2)]
    from groundswell.targets import actions

    return Imported(*actions.save_imported_targets(rows=rows))
