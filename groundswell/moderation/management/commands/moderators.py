"""Grant or revoke moderator powers: `manage.py moderators grant EMAIL --reason WHY`."""

from django.core.management.base import BaseCommand, CommandError

from groundswell.accounts.models import User
from groundswell.moderation import actions
from groundswell.moderation.access import MODERATORS_GROUP


class Command(BaseCommand):
    help = f'Add people to, or remove them from, the "{MODERATORS_GROUP}" group (audited).'

    def add_arguments(self, parser):
        parser.add_argument("change", choices=["grant", "revoke", "list"])
        parser.add_argument("email", nargs="?")
        parser.add_argument("--reason", default="", help="Why: kept in the audit log.")

    def handle(self, *args, change, email, reason, **options):
        group = actions.moderators_group()
        if change == "list":
            for user in group.user_set.order_by("email"):
                self.stdout.write(user.email)
            return
        user = User.objects.filter(email=(email or "").strip().lower()).first()
        if user is None:
            raise CommandError(f"No account with the email address {email!r}.")
        if not reason.strip():
            raise CommandError("Say why with --reason: it goes into the audit log.")
        change_powers = actions.grant_moderator if change == "grant" else actions.revoke_moderator
        change_powers(user=user, by=None, reason=reason.strip())
        self.stdout.write(f"{change}ed: {user.email}")
