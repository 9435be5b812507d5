"""manage.py import_wordpress FILE… --organisation SLUG (docs/updates.md, "Import")."""

import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groundswell.accounts.models import Organisation
from groundswell.petitions.models import Petition
from groundswell.updates.wordpress import fetch, importer
from groundswell.updates.wordpress.items import BadFile


class Command(BaseCommand):
    help = (
        "Import a WordPress site's posts and pages as press releases (or updates of a "
        "petition): from REST API JSON (one post, a list, several pages of it, or a folder "
        "of them), from a WXR export (Tools → Export), or straight from the site with "
        "--from-url. Running it again updates what changed and leaves the rest alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="JSON or WXR files, or folders of them.")
        parser.add_argument(
            "--organisation", required=True, help="The slug of the organisation to import into."
        )
        parser.add_argument(
            "--from-url",
            metavar="URL",
            help="Download every page of a REST list, e.g. https://site.example/wp-json/wp/v2/posts",
        )
        parser.add_argument(
            "--press-category",
            metavar="NAME",
            help="Only posts in this category or tag (name, slug or id) are press releases; "
            "the others become updates of --petition, or are skipped.",
        )
        parser.add_argument(
            "--petition",
            metavar="SLUG",
            help="Import posts that are not press releases as updates of this petition.",
        )
        parser.add_argument(
            "--salvage",
            action="store_true",
            help="Import what can be read of a damaged (cut off) export: every whole post, "
            "and the broken one as a draft with a warning.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report, write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--timeout", type=float, default=30, help="Seconds per request.")
        parser.add_argument(
            "--max-bytes", type=int, default=20_000_000, help="Largest page --from-url takes."
        )

    def handle(self, *args, files, organisation, from_url, json, **options):
        self.as_json = json
        try:
            report = self._run(files, organisation, from_url, options)
        except BadFile as error:
            self._refuse(str(error))
        self.stdout.write(report.as_json() if json else report.as_text())
        if report.stopped:
            raise CommandError(report.stopped)

    def _run(self, files, organisation, from_url, options) -> importer.Report:
        target = Organisation.objects.filter(slug=organisation).first()
        if target is None:
            raise BadFile(f"There is no organisation with the slug “{organisation}”.")
        run_options = importer.Options(
            press_category=options["press_category"] or "",
            petition=self._petition(options["petition"], target),
            salvage=options["salvage"],
            dry_run=options["dry_run"],
        )
        if bool(files) == bool(from_url):
            raise BadFile("Give either files (or folders) to import, or --from-url, not both.")
        say = (lambda text: self.stderr.write(text)) if options["verbosity"] > 1 else None
        if not from_url:
            return self._import(target, [self._stdin(f) for f in files], run_options, say)
        with tempfile.TemporaryDirectory(prefix="wordpress-") as folder:
            pages = fetch.download(
                from_url,
                Path(folder),
                timeout=options["timeout"],
                max_bytes=options["max_bytes"],
                say=lambda text: self.stderr.write(text),
            )
            return self._import(target, list(pages), run_options, say, names=pages)

    def _import(self, target, paths, run_options, say, names=None):
        return importer.run(
            organisation=target,
            paths=paths,
            options=run_options,
            say=say or (lambda _t: None),
            names=names,
        )

    def _petition(self, slug: str | None, organisation: Organisation) -> Petition | None:
        if not slug:
            return None
        petition = Petition.objects.filter(slug=slug, organisation=organisation).first()
        if petition is None:
            raise BadFile(f"{organisation} has no petition with the slug “{slug}”.")
        return petition

    def _stdin(self, file: str) -> str:
        if file != "-":
            return file
        self._spool = tempfile.NamedTemporaryFile(suffix=".export")  # noqa: SIM115
        self._spool.write(sys.stdin.buffer.read())
        self._spool.flush()
        return self._spool.name

    def _refuse(self, message: str):
        if self.as_json:
            import json

            self.stdout.write(json.dumps({"error": message, "imported": 0}, ensure_ascii=False))
        raise CommandError(message)
