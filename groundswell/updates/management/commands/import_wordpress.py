"""manage.py import_wordpress FILE --organisation SLUG"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groundswell.accounts.models import Organisation
from groundswell.updates import wordpress
from groundswell.updates.actions import import_press_releases


class Command(BaseCommand):
    help = (
        "Import posts from the JSON a WordPress site's REST API returns (/wp-json/wp/v2/posts: "
        "a list, or one post) as press releases of an organisation. Running it again updates "
        "the posts it imported before. All or nothing: a bad post imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file, or - for standard input.")
        parser.add_argument(
            "--organisation", required=True, help="The slug of the organisation to import into."
        )

    def handle(self, *args, file: str, organisation: str, **options):
        target = Organisation.objects.filter(slug=organisation).first()
        if target is None:
            raise CommandError(f"There is no organisation with the slug “{organisation}”.")
        try:
            posts = wordpress.parse(self._read(file))
        except wordpress.BadFile as error:
            raise CommandError(f"{file}: {error} Nothing was imported.") from None
        created, updated = import_press_releases(organisation=target, posts=posts)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(posts)} post{'s' if len(posts) != 1 else ''} into {target}: "
                f"{created} new, {updated} updated."
            )
        )

    def _read(self, file: str) -> str:
        if file == "-":
            return sys.stdin.read()
        try:
            return Path(file).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
