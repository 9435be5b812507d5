"""Letters: open letters co-signed by organisations and people, requests logs, and
write-to-your-official campaigns (docs/letters.md).

An open letter *is* a petition (``Petition.kind == letter``, decision 8): its text,
targets, individual co-signers (double opt-in, dedupe, exact count, the fast path), its
delivery, answer links, reminders and answers are the petitions' and targets' own. What
a petition lacks lives here: the organisations that co-sign (``CoSigner``), the link that
invites them (``Letter``), and requests logs (``RequestsLog``, ``Request``).
"""

import secrets
from datetime import date

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groundswell.core.slugs import unique_slug
from groundswell.petitions.models import Petition
from groundswell.targets.models import Delivery

COSIGNER_CONFIRM_SALT = "letters.confirm-cosigner"


def new_invitation_code() -> str:
    return secrets.token_urlsafe(18)


class Letter(models.Model):
    """What an open letter has beyond its petition row: the partners' invitation link."""

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, primary_key=True, related_name="letter"
    )
    # The secret in the link organisers send partner organisations (/letters/<slug>/join/<code>/).
    invitation_code = models.CharField(max_length=32, unique=True, default=new_invitation_code)

    def __str__(self) -> str:
        return f"letter {self.petition_id}"

    def get_invitation_path(self) -> str:
        return reverse("letters:join", args=[self.petition.slug, self.invitation_code])


class CoSignerQuerySet(models.QuerySet):
    def shown(self):
        return self.filter(status=CoSigner.Status.APPROVED).order_by("approved_at", "pk")

    def awaiting_approval(self):
        return self.filter(status=CoSigner.Status.CONFIRMED).order_by("confirmed_at", "pk")

    def confirmation_claimable(self, now):
        """Owed their confirmation email, and nobody holds a lease on it."""
        from groundswell.core.leases import free

        return self.filter(status=CoSigner.Status.UNCONFIRMED, emailed_at__isnull=True).filter(
            free("email_lease_until", now)
        )


class CoSigner(models.Model):
    """An organisation that co-signs an open letter.

    Unconfirmed until the person signing for it follows the emailed link; then it waits
    for the letter's organiser, who approves it (shown on the page and in the PDF) or
    declines it (never shown).
    """

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for email confirmation")
        CONFIRMED = "confirmed", _("Waiting for the organiser's approval")
        APPROVED = "approved", pgettext_lazy("co-signer", "Approved")
        DECLINED = "declined", pgettext_lazy("co-signer", "Declined")

    SHOWN = {Status.APPROVED}
    DECIDABLE = {Status.CONFIRMED}

    letter = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="cosigners")
    name = models.CharField(_("organisation name"), max_length=150)
    website = models.URLField(_("website"), max_length=300)
    logo = models.ImageField(upload_to="letters/logos/%Y/")
    signed_by = models.CharField(_("your name"), max_length=100)
    email = models.EmailField(_("your email"))
    email_normalised = models.CharField(max_length=254)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNCONFIRMED)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The confirmation email: leased while a worker sends it, dated once the server took it.
    email_lease_until = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = CoSignerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "email_normalised"], name="one_cosigner_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.letter_id}"

    def confirmation_token(self) -> str:
        return signing.TimestampSigner(salt=COSIGNER_CONFIRM_SALT).sign(str(self.pk))

    def get_confirm_path(self) -> str:
        return reverse("letters:confirm_cosigner", args=[self.confirmation_token()])


class RequestsLogQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


class RequestsLog(models.Model):
    """A campaign of many requests (letters, one each) with deadlines, tracked in one table."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="requests_logs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RequestsLogQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("letters:log", args=[self.slug])

    @staticmethod
    def unique_slug(title: str) -> str:
        return unique_slug(RequestsLog.objects, title, fallback="requests")


class Request(models.Model):
    """One request in a log: a letter to one target, whose delivery holds its state.

    Sent, answered or declined (refused), its deadline and its days all come from the
    letter's ``targets.Delivery``; the outcome in the table is derived (``outcome()``).
    """

    class Outcome(models.TextChoices):
        NOT_SENT = "not_sent", _("Not sent yet")
        WAITING = "waiting", _("Waiting, within the deadline")
        NO_ANSWER = "no_answer", _("No answer, past the deadline")
        IN_TIME = "in_time", _("Answered in time")
        LATE = "late", _("Answered late")
        REFUSED = "refused", _("Refused")

    log = models.ForeignKey(RequestsLog, on_delete=models.CASCADE, related_name="requests")
    letter = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="request")
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.reference or f"request {self.pk}"

    @property
    def delivery(self) -> Delivery | None:
        deliveries = list(self.letter.deliveries.all())  # prefetched by the dashboard
        return deliveries[0] if deliveries else None

    def outcome(self, today: date | None = None) -> str:
        delivery = self.delivery
        if delivery is None:
            return self.Outcome.NOT_SENT
        if delivery.status == Delivery.Status.DECLINED:
            return self.Outcome.REFUSED
        if delivery.status == Delivery.Status.ANSWERED:
            late = delivery.deadline and delivery.responded_on > delivery.deadline
            return self.Outcome.LATE if late else self.Outcome.IN_TIME
        return self.Outcome.NO_ANSWER if delivery.is_overdue(today) else self.Outcome.WAITING

    def days(self, today: date | None = None) -> int | None:
        """Days from sending to the answer, or to today while none has come."""
        delivery = self.delivery
        return None if delivery is None else delivery.waiting_days(today)


from groundswell.letters.writing.models import *  # noqa: E402, F403  write to your official
