"""The demo logins' current two-factor code, for `make run` (DEBUG only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from groundswell.petitions.management.commands.seed_demo import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo logins (seed_demo's published key)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code is for the local demo only (DEBUG=1).")
        self.stdout.write(f"{totp(DEMO_TOTP_KEY):06d}")
