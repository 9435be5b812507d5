"""Write-to-your-official campaigns, the supporters who write, their letters and the answers.

A ``Writer`` is one supporter's visit: who they are, where they live and their personal
paragraph; they confirm by email (double opt-in) before anything goes out. Each of their
``OfficialLetter`` rows is one letter to one official, and the database lets a supporter
(by normalised email) write to an official only once per campaign. An office answers a
campaign once (``OfficeAnswer``), through a private link that came with a letter.
"""

import secrets
from datetime import date, timedelta

from django.core import signing
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.slugs import unique_slug
from groundswell.targets.models import hash_token

__all__ = ["OfficeAnswer", "OfficeAnswerLink", "OfficialLetter", "Writer", "WritingCampaign"]

CONFIRM_SALT = "letters.writing.confirm"


def new_ref() -> str:
    return secrets.token_urlsafe(16)


# Paths under /write/ that are not campaigns (letters/writing/urls.py).
RESERVED_SLUGS = {"new", "answer"}


def _count_of(queryset) -> Coalesce:
    """A count per campaign as a subquery: two joined counts would multiply each other."""
    counted = queryset.filter(campaign=OuterRef("pk")).order_by().values("campaign")
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
    )


class WritingCampaignQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status__in=WritingCampaign.PUBLIC)

    def of_member(self, user):
        """The campaigns of every organisation ``user`` belongs to, drafts included."""
        return self.filter(organisation__memberships__user=user)

    def with_counts(self):
        """Each campaign's confirmed writers and counted letters, in the same query."""
        return self.annotate(
            confirmed_writers=_count_of(Writer.objects.filter(status=Writer.Status.CONFIRMED)),
            counted_letters=_count_of(OfficialLetter.objects.counted()),
        )


class WritingCampaign(models.Model):
    """A suggested letter that supporters send to their own officials."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    PUBLIC = {Status.OPEN, Status.CLOSED}
    WRITABLE = {Status.OPEN}
    # The organiser's moves: a draft or a closed campaign opens; an open one closes. A
    # draft never closes (closed is public); back to draft only before anyone has written.
    OPENS_FROM = {Status.DRAFT, Status.CLOSED}
    CLOSES_FROM = {Status.OPEN}

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="writing_campaigns"
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=150)
    summary = models.TextField(max_length=2000, blank=True)
    subject = models.CharField(max_length=150)
    letter = models.TextField(
        max_length=10000, help_text=_("The suggested letter; each supporter may add a paragraph.")
    )
    asks_for_address = models.BooleanField(
        default=True, help_text=_("Ask for a street address and city (many offices require it).")
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WritingCampaignQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("letters:writing:campaign", args=[self.slug])

    def is_writable(self) -> bool:
        return self.status in self.WRITABLE

    @staticmethod
    def unique_slug(title: str) -> str:
        return unique_slug(
            WritingCampaign.objects, title, fallback="write", reserved=RESERVED_SLUGS
        )


class Writer(models.Model):
    """One supporter writing for one campaign: pending until they confirm by email."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for email confirmation")
        CONFIRMED = "confirmed", _("Confirmed")

    EXPIRES_AFTER = timedelta(days=7)

    campaign = models.ForeignKey(WritingCampaign, on_delete=models.CASCADE, related_name="writers")
    ref = models.CharField(max_length=32, unique=True, default=new_ref)
    name = models.CharField(max_length=150)
    email = models.EmailField()
    # The address folded as signers' are (core/email_address.py): "My data" and erasure
    # find a person's writers by it. Emptied with the rest when their details go.
    email_normalised = models.CharField(max_length=254, blank=True, db_index=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    us_state = models.CharField(max_length=2)
    us_district = models.PositiveSmallIntegerField()
    paragraph = models.TextField(max_length=2000, blank=True)
    # The language of the page they wrote on ("es"): their confirmation email and the
    # links in it read in it. Empty for writers from before it was kept: the site's own.
    language = models.CharField(max_length=8, blank=True, default="", db_default="")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The confirmation email: sent at least once by the worker, under a lease.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmation_lease_until = models.DateTimeField(null=True, blank=True)
    # Set once their name, email, address and paragraph were removed (erasure, retention).
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["confirmation_sent_at", "confirmation_lease_until"])]

    def __str__(self) -> str:
        return f"{self.name} for {self.campaign_id}"

    def confirm_token(self) -> str:
        return signing.TimestampSigner(salt=CONFIRM_SALT).sign(self.ref)

    def get_confirm_path(self) -> str:
        return reverse("letters:writing:confirm", args=[self.campaign.slug, self.confirm_token()])

    def get_letters_path(self) -> str:
        return reverse("letters:writing:handoff", args=[self.campaign.slug, self.ref])


class OfficialLetterQuerySet(models.QuerySet):
    def counted(self):
        return self.filter(status__in=OfficialLetter.COUNTED)


class OfficialLetter(models.Model):
    """One supporter's letter to one official. Its text is written once, when it goes out."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the writer to confirm")
        QUEUED = "queued", _("Being emailed")
        SENT = "sent", _("Emailed")
        HANDED_OFF = "handed_off", _("Ready for the writer to send")
        REPORTED = "reported", _("Sent by the writer (self-reported)")

    class Method(models.TextChoices):
        EMAIL = "email", _("email")
        WEB_FORM = "web_form", _("web contact form")
        PHONE = "phone", _("phone")

    COUNTED = {Status.SENT, Status.REPORTED}
    OUT = {Status.QUEUED, Status.SENT, Status.HANDED_OFF, Status.REPORTED}

    campaign = models.ForeignKey(WritingCampaign, on_delete=models.CASCADE, related_name="letters")
    writer = models.ForeignKey(Writer, on_delete=models.CASCADE, related_name="letters")
    target = models.ForeignKey("targets.Target", on_delete=models.PROTECT, related_name="+")
    # The writer's normalised address, copied here so that the database itself refuses a
    # second letter from the same person to the same official in the same campaign.
    email_normalised = models.CharField(max_length=254)
    method = models.CharField(max_length=8, choices=Method.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Frozen when the letter goes out (the writer confirmed): later edits of the suggested
    # letter or of the directory entry never change what was sent.
    subject = models.CharField(max_length=150, blank=True)
    body = models.TextField(blank=True)
    to_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    email_lease_until = models.DateTimeField(null=True, blank=True)

    objects = OfficialLetterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "target", "email_normalised"],
                name="one_letter_per_writer_official_and_campaign",
            )
        ]
        indexes = [
            models.Index(fields=["status", "email_lease_until"]),
            models.Index(fields=["campaign", "status", "target"]),
        ]

    def __str__(self) -> str:
        return f"letter {self.pk} to {self.target_id}"


class OfficeAnswer(models.Model):
    """What an office answered to a campaign: once per office and campaign."""

    campaign = models.ForeignKey(WritingCampaign, on_delete=models.CASCADE, related_name="answers")
    target = models.ForeignKey("targets.Target", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=20000)
    received_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "target"], name="one_answer_per_office")
        ]

    def __str__(self) -> str:
        return f"answer of {self.target_id} to {self.campaign_id}"


class OfficeAnswerLink(models.Model):
    """A private link an office answers a campaign with; only a hash of its token is kept.

    Each emailed letter carries a fresh one (as ``targets.AnswerLink`` does for
    deliveries). Any of them answers for the office, once: a second answer is refused.
    """

    DAYS = 120

    campaign = models.ForeignKey(WritingCampaign, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey("targets.Target", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"answer link of {self.target_id} for {self.campaign_id}"

    @classmethod
    def mint(cls, *, campaign_id: int, target_id: int) -> str:
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        cls.objects.create(
            campaign_id=campaign_id,
            target_id=target_id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=cls.DAYS),
        )
        return token

    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


def days_between(start: date, end: date) -> int:
    return max(0, (end - start).days)
