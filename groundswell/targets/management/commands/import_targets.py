from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groundswell.targets.imports import IMPORT_COLUMNS, BadRow, import_targets


class Command(BaseCommand):
    help = (
        "Import decision-makers (state legislators, councillors, agency heads) from a CSV "
        f"file with the columns {', '.join(IMPORT_COLUMNS)}; rows with a key are updated "
        "in place on a rerun. See docs/letters.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            result = import_targets(file)
        except (OSError, UnicodeDecodeError, BadRow) as error:
            raise CommandError(f"{file}: {error}") from error
        self.stdout.write(f"{result.created} new entries, {result.updated} updated.")
