import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from groundswell.accounts.models import Organisation
from groundswell.core.slugs import unique_slug
from groundswell.core.translated import Translatable

# The goal a petition shows is the next rung above its count (1, 5, 10, 50, ... from 100).
_RUNG_FACTORS = (1, 5)


def goal_for(count: int) -> int:
    """The smallest rung of 100, 500, 1,000, 5,000, 10,000, ... that ``count`` has not reached."""
    scale = 100
    while True:
        for factor in _RUNG_FACTORS:
            if count < factor * scale:
                return factor * scale
        scale *= 10


class PetitionQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status__in=Petition.PUBLIC)

    def petitions(self):
        """Petitions proper: open letters (groundswell/letters) share the table, not the lists."""
        return self.filter(kind=Petition.Kind.PETITION)

    def letters(self):
        return self.filter(kind=Petition.Kind.LETTER)

    def for_signing(self):
        """Only the fields signing needs (no organisation, no targets): the hottest read."""
        return self.only("id", "slug", "title", "status", "closes_on")

    def open(self):
        return self.filter(status=Petition.Status.OPEN)

    def in_review(self):
        return self.filter(status=Petition.Status.IN_REVIEW)

    def with_targets(self):
        """Prefetch targets in the order the organiser named them."""
        target_model = self.model._meta.get_field("targets").related_model
        ordered = target_model.objects.order_by("petitiontarget__position")
        return self.prefetch_related(models.Prefetch("targets", queryset=ordered))


# Organisers are warned this long before signers' personal data is removed.
RETENTION_NOTICE = timedelta(days=14)

# Paths under /p/ and /letters/ that are not petitions or letters (their urls.py).
RESERVED_SLUGS = {"new", "review", "confirm", "withdraw", "logs", "cosigners"}


class Petition(Translatable, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        WON = "won", _("Won")
        # Moderation (groundswell/moderation): a rejected petition may be edited and
        # submitted again; a hidden one was public and may be shown again.
        REJECTED = "rejected", _("Rejected")
        HIDDEN = "hidden", _("Hidden by moderators")

    # The organiser's words that may have a Spanish version (core/translated.py).
    TRANSLATED_FIELDS = ("title", "demand", "reasons_html")

    class Kind(models.TextChoices):
        PETITION = "petition", "Petition"
        # An open letter (groundswell/letters, decision 8): signed, counted, delivered and
        # answered as a petition is, shown at /letters/<slug>/ and kept out of petition lists.
        LETTER = "letter", "Open letter"

    SIGNABLE = {Status.OPEN}
    PUBLIC = {Status.OPEN, Status.CLOSED, Status.WON}
    # Not shown, but their address says so and why (moderation/templates/moderation/removed.html).
    REMOVED = {Status.REJECTED, Status.HIDDEN}
    EDITABLE = {Status.DRAFT, Status.REJECTED}
    HIDEABLE = {Status.OPEN, Status.CLOSED, Status.WON}
    CLOSABLE = {Status.OPEN}
    # May be delivered to its targets, and may have its outcome (won, or closed) recorded.
    DELIVERABLE = {Status.OPEN, Status.CLOSED}
    DECIDABLE = {Status.OPEN, Status.CLOSED, Status.WON}
    # No longer takes signatures, for good: the retention clock runs from closed_at.
    CLOSED_FOR_GOOD = {Status.CLOSED, Status.WON}

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="petitions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.PETITION, db_default=Kind.PETITION
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=150)
    demand = models.TextField("what we ask", max_length=1000)
    reasons = models.TextField(max_length=10000, blank=True, help_text=_("Markdown."))
    reasons_html = models.TextField(blank=True, editable=False)
    title_es = models.CharField(
        "title in Spanish", max_length=150, blank=True, default="", db_default=""
    )
    demand_es = models.TextField(
        "what we ask, in Spanish", max_length=1000, blank=True, default="", db_default=""
    )
    reasons_es = models.TextField(max_length=10000, blank=True, default="", db_default="")
    reasons_html_es = models.TextField(blank=True, default="", db_default="", editable=False)
    image = models.ImageField(upload_to="petitions/%Y/", blank=True)
    closes_on = models.DateField(null=True, blank=True)
    # The number the organiser aims for first; after it the goal climbs the ladder (goal_for).
    first_goal = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    targets = models.ManyToManyField(
        "targets.Target", through="PetitionTarget", related_name="petitions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Delivered to its targets automatically once this many signatures are confirmed
    # (groundswell.targets.tasks.deliver_at_threshold).
    delivery_threshold = models.PositiveIntegerField(null=True, blank=True)
    # What the organiser says about how it ended: won, or closed (groundswell.targets.actions).
    outcome_note = models.TextField(max_length=2000, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # Retention (docs/privacy.md): organisers were warned that signers' personal data would
    # be removed, and when it was.
    retention_warned_at = models.DateTimeField(null=True, blank=True)
    personal_data_removed_at = models.DateTimeField(null=True, blank=True)
    # The organiser may show the public how the petition grew and where signers are
    # (petitions/insights.py); never who signed, nor where they came from.
    insights_public = models.BooleanField("show insights publicly", default=False)

    objects = PetitionQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.LETTER:
            return reverse("letters:letter", args=[self.slug])
        return reverse("petitions:detail", args=[self.slug])

    @property
    def is_letter(self) -> bool:
        return self.kind == self.Kind.LETTER

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC

    def is_signable(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in self.SIGNABLE and (self.closes_on is None or today <= self.closes_on)

    @property
    def signature_count(self) -> int:
        from groundswell.petitions.counting import confirmed_count

        return confirmed_count(self.pk)

    @property
    def goal(self) -> int:
        """The organiser's first goal until it is reached, then the ladder's next rung."""
        count = self.signature_count
        if self.first_goal and count < self.first_goal:
            return self.first_goal
        return goal_for(count)

    @property
    def progress_percent(self) -> int:
        return min(100, self.signature_count * 100 // self.goal)

    @staticmethod
    def unique_slug(title: str) -> str:
        return unique_slug(Petition.objects, title, fallback="petition", reserved=RESERVED_SLUGS)

    def personal_data_removal_at(self, now=None):
        """When signers' names, emails, postcodes and comments go (None: not scheduled).

        The organisation's months after closing, but never sooner than 14 days after the
        organisers were warned (or from ``now``, if they have not been yet).
        """
        if (
            self.status not in self.CLOSED_FOR_GOOD
            or self.closed_at is None
            or self.personal_data_removed_at is not None
        ):
            return None
        scheduled = add_months(self.closed_at, self.organisation.signer_retention_months)
        warned = self.retention_warned_at or now or timezone.now()
        return max(scheduled, warned + RETENTION_NOTICE)


def add_months(when, months: int):
    """The same day ``months`` later, or the month's last day if it is shorter."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    for day in range(when.day, 27, -1):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return when.replace(year=year, month=month, day=min(when.day, 28))


class PetitionTarget(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE)
    target = models.ForeignKey("targets.Target", on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "target"], name="target_once_per_petition")
        ]

    def __str__(self) -> str:
        return f"{self.target} ({self.petition_id})"


class SignatureQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Signature.Status.CONFIRMED)

    def pending(self):
        return self.filter(status=Signature.Status.PENDING)

    def expired(self, now=None):
        """Pending signatures whose confirmation window has passed."""
        return self.pending().filter(created_at__lt=Signature.confirmation_cutoff(now))

    def per_day(self):
        """(day, confirmed signatures) pairs, oldest first."""
        return (
            self.confirmed()
            .annotate(day=TruncDate("confirmed_at"))
            .values_list("day")
            .annotate(n=Count("id"))
            .order_by("day")
        )

    def top_referrers(self, limit: int = 10):
        """The signatures whose referral links recruited the most confirmed signers."""
        return (
            self.confirmed()
            .filter(referred_by__isnull=False)
            .values("referred_by", "referred_by__name")
            .annotate(recruits=Count("id"))
            .order_by("-recruits", "referred_by")[:limit]
        )

    def recent_public(self, limit: int = 10):
        return self.confirmed().filter(show_name=True).order_by("-confirmed_at")[:limit]

    def recent_comments(self, limit: int = 10):
        return (
            self.confirmed()
            .exclude(comment="")
            .filter(comment_hidden_at__isnull=True)
            .order_by("-confirmed_at")[:limit]
        )

    def email_due(self):
        """Signatures owed an email (a confirmation link, a reminder, a kind note)."""
        return self.filter(emails_sent__lt=F("emails_owed"))

    def email_claimable(self, now):
        """Owed an email that nobody holds a lease on: never claimed, or the lease ran out."""
        return self.email_due().filter(
            Q(email_lease_until__isnull=True) | Q(email_lease_until__lt=now)
        )


CONFIRM_SALT = "petitions.confirm-signature"
WITHDRAW_SALT = "petitions.withdraw-signature"


def new_ref_code() -> str:
    return secrets.token_urlsafe(9)


class Signature(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for email confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        # The signer took it back: it no longer counts, and holds no personal data.
        WITHDRAWN = "withdrawn", _("Withdrawn by the signer")
        # Removed by a fraud rule (groundswell/moderation); a revert puts it back.
        INVALID = "invalid", _("Removed as invalid")

    COUNTED = {Status.CONFIRMED}
    WITHDRAWABLE = {Status.PENDING, Status.CONFIRMED}
    INVALIDATABLE = {Status.PENDING, Status.CONFIRMED}

    # No index of its own: the constraint and indexes below all start with petition, and
    # every index is one more write for each signature in a surge.
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signatures", db_index=False
    )
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    # The address folded for deduplication (groundswell.core.email_address).
    email_normalised = models.CharField(max_length=254)
    postcode = models.CharField("ZIP or postcode", max_length=16)
    country = CountryField()
    comment = models.TextField(max_length=500, blank=True)
    show_name = models.BooleanField("show my name", default=False)
    wants_updates = models.BooleanField("email me updates", default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Public: the signer's referral link carries it (?ref=...).
    ref_code = models.CharField(max_length=16, default=new_ref_code)  # unique: see Meta
    referred_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="recruits"
    )
    # The share channel or widget the signer came through (?src=..., sharing.SOURCES),
    # or "" when the link carried none.
    source = models.CharField(max_length=16, blank=True, default="", db_default="")
    # The language the person signed in ("es"), so that every email to them is in it;
    # "" for the site's own (English).
    language = models.CharField(max_length=8, blank=True, default="", db_default="")
    # The outbox: signing asks for an email by raising emails_owed (in the signing
    # transaction, at most MAX_SIGNATURE_EMAILS); the mailer sends while sent < owed.
    emails_owed = models.PositiveSmallIntegerField(default=0)
    emails_sent = models.PositiveSmallIntegerField(default=0)
    # A mailer that claims the next owed email holds it until then (MAIL_LEASE_SECONDS);
    # emails_sent moves only once the mail server has accepted it.
    email_lease_until = models.DateTimeField(null=True, blank=True)
    # When the signer stopped update emails (updates.actions.unsubscribe), for "my data".
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The US state read from the ZIP code, kept when the postcode is removed (retention,
    # erasure) so that the tallies by state survive (targets/documents.py).
    us_state = models.CharField(max_length=2, blank=True, db_default="")  # not in the fast INSERT
    # Set once its name, email, postcode and comment were removed (retention or erasure).
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # A keyed hash of the /24 or /48 the signer came from, never the address
    # (groundswell/core/network.py); for fraud rules. Deleted with the row.
    network_hash = models.CharField(max_length=32, blank=True, default="", db_default="")
    # The invalidation (moderation.Invalidation) that removed it: a plain id, so that the
    # signing table does not depend on the moderation app.
    invalidation_id = models.BigIntegerField(null=True, blank=True)
    comment_hidden_at = models.DateTimeField(null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_normalised"], name="one_signature_per_person"
            ),
            # A constraint rather than unique=True, which on PostgreSQL adds a second
            # index for LIKE queries nobody makes.
            models.UniqueConstraint(fields=["ref_code"], name="one_ref_code"),
        ]
        indexes = [
            models.Index(fields=["petition", "status", "confirmed_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(
                fields=["id"],
                name="signature_email_due",
                condition=Q(emails_sent__lt=F("emails_owed")),
            ),
            # Written only for invalidated rows: what a revert looks for.
            models.Index(
                fields=["invalidation_id"],
                name="signature_invalidation",
                condition=Q(invalidation_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.petition_id}"

    @staticmethod
    def confirmation_cutoff(now=None):
        days = settings.GROUNDSWELL["CONFIRMATION_DAYS"]
        return (now or timezone.now()) - timedelta(days=days)

    def is_expired(self, now=None) -> bool:
        return self.status == self.Status.PENDING and self.created_at < self.confirmation_cutoff(
            now
        )

    def confirmation_token(self) -> str:
        return signing.TimestampSigner(salt=CONFIRM_SALT).sign(self.ref_code)

    def get_confirm_path(self) -> str:
        return reverse("petitions:confirm", args=[self.confirmation_token()])

    def withdraw_token(self) -> str:
        return signing.TimestampSigner(salt=WITHDRAW_SALT).sign(self.ref_code)

    def get_withdraw_path(self) -> str:
        return reverse("petitions:withdraw", args=[self.withdraw_token()])

    def get_referral_path(self) -> str:
        return f"{self.petition.get_absolute_url()}?ref={self.ref_code}"

    @property
    def public_name(self) -> str:
        return self.name if self.show_name else "A supporter"


class CounterShard(models.Model):
    """One of a petition's counters of confirmed signatures; their sum is the count.

    A confirmation adds one to a shard chosen at random in the same transaction, so
    concurrent confirmations rarely queue on the same row (docs/signing.md, "Counting").
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="counter_shards")
    shard = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "shard"], name="one_row_per_shard")
        ]

    def __str__(self) -> str:
        return f"shard {self.shard} of {self.petition_id}: {self.count}"


class TallyMark(models.Model):
    """How far the worker has tallied a petition's confirmed signatures (insights.py)."""

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, primary_key=True, related_name="tally_mark"
    )
    # Confirmations with confirmed_at before this are in the tallies.
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.petition_id} tallied until {self.until}"


class HourlyTally(models.Model):
    """Confirmed signatures of a petition in one hour (UTC), kept by the worker."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "hour"], name="one_tally_per_hour")
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.hour:%Y-%m-%d %H}h: {self.count}"


class Tally(models.Model):
    """Confirmed signatures of a petition by one key of a kind, kept by the worker."""

    class Kind(models.TextChoices):
        COUNTRY = "country"  # key: ISO 3166 code
        US_STATE = "us_state"  # key: two-letter code, from the ZIP code's first digits
        SOURCE = "source"  # key: Signature.source, or "" for none
        REFERRER = "referrer"  # key: the recruiting signature's pk
        REFERRED = "referred"  # key: "", all who came through a signer's referral link

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=24, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "kind", "key"], name="one_tally_per_key")
        ]
        # The top referrers: the biggest tallies of a kind first.
        indexes = [models.Index(fields=["petition", "kind", "-count"], name="tally_biggest")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} {self.key}: {self.count}"
