from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groundswell.targets import congress


class Command(BaseCommand):
    help = (
        "Load or reload the members of Congress and the ZIP → district table "
        "(default: the copy shipped in groundswell/targets/data/us-congress/). Rerunnable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--legislators", type=Path, default=congress.LEGISLATORS)
        parser.add_argument("--zips", type=Path, default=congress.ZIPS)
        parser.add_argument("--edition", default="", help="What the pages show as the edition.")

    def handle(self, *args, legislators, zips, edition, **options):
        try:
            loaded = congress.load(legislators=legislators, zips=zips, edition=edition)
        except (OSError, congress.BadFile) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Loaded {loaded.edition.edition}: {loaded.edition.members} members "
            f"({loaded.created} new, {loaded.updated} updated, {loaded.retired} left Congress), "
            f"{loaded.edition.zip_rows} ZIP rows."
        )
