"""The confidential help programme: programmes, advisers, sealed requests, their matches.

What is stored in clear is only what matching needs (coarse answers from fixed lists) and
what the system runs on (statuses, dates to the day). Everything a seeker writes is sealed
(groundswell.support.crypto); docs/privacy.md says who can open what.
"""

import secrets
from datetime import timedelta

from django.conf import global_settings, settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation
from groundswell.support import crypto

# --- The coarse vocabulary seekers and advisers share (fixed lists: nothing free-form) -------

SECTORS = [
    ("administration", _("Public administration and policy")),
    ("enforcement", _("Enforcement, security and investigations")),
    ("legal", _("Law and compliance")),
    ("it", _("IT and data")),
    ("operations", _("Logistics and operations")),
    ("finance", _("Finance and accounting")),
    ("people", _("HR, training and management")),
    ("care", _("Health and social care")),
    ("other", _("Something else")),
]
SKILLS = [
    ("cv", _("CV and applications")),
    ("interviews", _("Interview practice")),
    ("career_change", _("Changing career")),
    ("networking", _("Introductions to employers")),
    ("offers", _("Salary and job offers")),
    ("training", _("Training and qualifications")),
    ("leaving", _("Leaving safely: notice, references, rights")),
]
# (code, label, a typical UTC offset in hours): the region is all a seeker says about place.
REGIONS = [
    ("americas-west", _("North America: Pacific and Mountain time"), -7),
    ("americas-east", _("North America: Central and Eastern time"), -5),
    ("latin-america", _("Latin America and the Caribbean"), -4),
    ("europe-africa", _("Europe and Africa"), 1),
    ("middle-east", _("Middle East and Central Asia"), 4),
    ("south-asia", _("South Asia"), 5.5),
    ("east-asia", _("East and South-East Asia"), 8),
    ("oceania", _("Australia and the Pacific"), 10),
]
REGION_CHOICES = [(code, label) for code, label, _ in REGIONS]
REGION_OFFSETS = {code: offset for code, _, offset in REGIONS}
AVAILABILITY = [
    ("weekday-day", _("Weekday daytime")),
    ("weekday-evening", _("Weekday evenings")),
    ("weekend", _("Weekends")),
]


def labels(choices, codes) -> list[str]:
    names = dict(choices)
    return [names.get(code, code) for code in codes]


# The languages people can talk in are not only those the site is translated into: Django's
# full list (named in the reader's language by Django's own catalogue).
SPOKEN_LANGUAGES = global_settings.LANGUAGES


def language_name(code: str) -> str:
    name = dict(SPOKEN_LANGUAGES).get(code)
    return translation.gettext(name) if name else code


def spoken_language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code, _name in SPOKEN_LANGUAGES]


def page_language_for(talk_language: str) -> str:
    """The language a seeker's pages, receipt and notices are in: the one they chose to
    talk in when the site is translated into it, otherwise the one they read the form in."""
    site_languages = dict(settings.LANGUAGES)
    if talk_language in site_languages:
        return talk_language
    return translation.get_supported_language_variant(
        translation.get_language() or settings.LANGUAGE_CODE
    )


def new_designation() -> str:
    return "".join(secrets.choice(crypto.ALPHABET) for _ in range(8))


# --- Programmes -----------------------------------------------------------------------------


class Programme(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Taking requests")
        PAUSED = "paused", _("Not taking new requests")

    ACCEPTS_REQUESTS = {Status.OPEN}

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="help_programmes"
    )
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(max_length=5000)
    intake_questions = models.TextField(
        max_length=3000, blank=True, help_text="One question per line."
    )
    languages = models.JSONField(default=list)
    unmatched_days = models.PositiveSmallIntegerField(default=30)
    inactive_days = models.PositiveSmallIntegerField(default=90)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("support:programme", args=[self.slug])

    @property
    def accepts_requests(self) -> bool:
        return self.status in self.ACCEPTS_REQUESTS

    def questions(self) -> list[str]:
        return [line.strip() for line in self.intake_questions.splitlines() if line.strip()]

    def language_choices(self) -> list[tuple[str, str]]:
        return [(code, language_name(code)) for code in self.languages]


# --- Advisers -------------------------------------------------------------------------------


class AdviserKey(models.Model):
    """An adviser's key pair. The private key exists here only wrapped: under a key derived
    from their password (and the server's pepper), and under their recovery code. Nobody
    else, administrators included, holds a copy."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adviser_key"
    )
    public_key = models.BinaryField()
    password_salt = models.BinaryField()
    password_cost = models.JSONField()
    wrapped_by_password = models.BinaryField()
    recovery_salt = models.BinaryField()
    recovery_cost = models.JSONField()
    wrapped_by_recovery = models.BinaryField()

    def __str__(self) -> str:
        return f"adviser key of user {self.user_id}"

    @staticmethod
    def password_key(password: str, salt: bytes, cost) -> bytes:
        return crypto.peppered(crypto.derive_key(password, salt, tuple(cost)))

    def wrap_with_password(self, private_key: bytes, password: str) -> None:
        self.password_salt, self.password_cost = crypto.new_salt(), list(crypto.kdf_cost())
        key = self.password_key(password, self.password_salt, self.password_cost)
        self.wrapped_by_password = crypto.lock(key, private_key)

    def wrap_with_recovery(self, private_key: bytes, code: str) -> None:
        self.recovery_salt, self.recovery_cost = crypto.new_salt(), list(crypto.kdf_cost())
        key = crypto.derive_key(crypto.normalise_code(code), self.recovery_salt, self.recovery_cost)
        self.wrapped_by_recovery = crypto.lock(key, private_key)

    def unwrap_with_password(self, password: str) -> bytes:
        key = self.password_key(password, bytes(self.password_salt), self.password_cost)
        return crypto.unlock(key, self.wrapped_by_password)

    def unwrap_with_recovery(self, code: str) -> bytes:
        key = crypto.derive_key(
            crypto.normalise_code(code), bytes(self.recovery_salt), tuple(self.recovery_cost)
        )
        return crypto.unlock(key, self.wrapped_by_recovery)


class AdviserQuerySet(models.QuerySet):
    def matchable(self):
        return self.filter(status__in=AdviserProfile.MATCHABLE, user__adviser_key__isnull=False)

    def with_load(self):
        """Annotate ``load``: the matches that count against the adviser's capacity."""
        return self.annotate(load=Count("matches", filter=Q(matches__status__in=Match.LIVE)))


class AdviserProfile(models.Model):
    """A vetted volunteer in one programme. The coordinator fills it in when inviting."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited, setting up")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused: no new requests")
        REMOVED = "removed", _("Removed")

    MATCHABLE = {Status.ACTIVE}
    CAN_WORK = {Status.ACTIVE, Status.PAUSED}

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="advisers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adviser_profiles",
    )
    email = models.EmailField()
    display_name = models.CharField(max_length=60, help_text="What seekers see, e.g. a first name.")
    qualifications = models.CharField(max_length=300, help_text="Shown to seekers.")
    skills = models.JSONField(default=list)
    sectors = models.JSONField(default=list)
    languages = models.JSONField(default=list)
    time_zone = models.CharField(max_length=64, default="UTC")
    capacity = models.PositiveSmallIntegerField(default=2)
    ties = models.TextField(
        blank=True, help_text="Employers the adviser has ties to, one per line: never matched."
    )
    vetting_note = models.TextField(max_length=2000)
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdviserQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "email"], name="adviser_once_per_programme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.programme_id})"

    INVITE_SALT = "support.adviser-invitation"
    INVITE_MAX_AGE = 14 * 24 * 3600

    def invitation_token(self) -> str:
        from django.core import signing

        return signing.dumps(self.pk, salt=self.INVITE_SALT)

    def get_join_path(self) -> str:
        return reverse("support:adviser_join", args=[self.invitation_token()])

    def language_labels(self) -> list[str]:
        return [language_name(code) for code in self.languages]

    def skill_labels(self) -> list[str]:
        return labels(SKILLS, self.skills)

    def tie_hashes(self) -> set[str]:
        return {employer_hash(line) for line in self.ties.splitlines() if line.strip()}

    def utc_offset_hours(self) -> float:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            offset = timezone.now().astimezone(ZoneInfo(self.time_zone)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError):
            return 0.0
        return offset.total_seconds() / 3600 if offset else 0.0


def employer_hash(name: str) -> str:
    """A keyed hash of an employer's name, folded, so ties can be checked without storing it."""
    folded = "".join(ch for ch in name.casefold() if ch.isalnum())
    return crypto.keyed_hash("employer", folded) if folded else ""


# --- Requests -------------------------------------------------------------------------------


class HelpRequestQuerySet(models.QuerySet):
    def due_for_deletion(self, today=None):
        """Unmatched requests past their programme's unmatched period; matched or closed ones
        past its inactivity period (a new message moves ``active_on``)."""
        today = today or timezone.now().date()
        due = Q(pk__in=[])
        for programme in Programme.objects.only("pk", "unmatched_days", "inactive_days"):
            unmatched_before = today - timedelta(days=programme.unmatched_days)
            inactive_before = today - timedelta(days=programme.inactive_days)
            due |= Q(programme=programme) & (
                Q(status__in=HelpRequest.UNMATCHED, active_on__lt=unmatched_before)
                | (~Q(status__in=HelpRequest.UNMATCHED) & Q(active_on__lt=inactive_before))
            )
        return self.filter(due)


class HelpRequest(models.Model):
    """One person's request. Dates are kept to the day, on purpose."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for an adviser")
        MATCHED = "matched", _("Matched with an adviser")
        CLOSED = "closed", _("Closed")

    UNMATCHED = {Status.WAITING}
    OPEN = {Status.WAITING, Status.MATCHED}

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    receipt_hash = models.CharField(max_length=64, unique=True)
    # The request's key pair: the private key wrapped under a key derived from the receipt.
    public_key = models.BinaryField()
    key_salt = models.BinaryField()
    key_cost = models.JSONField()
    wrapped_key = models.BinaryField()
    # Sealed to the request's public key: the situation and answers to intake questions.
    sealed_story = models.BinaryField()
    # Locked under the receipt-derived key: only the seeker can open it (and reveal it).
    locked_contact = models.BinaryField(null=True)
    # Optional, opt-in: sealed to the server's notification key (docs/privacy.md).
    sealed_notify_address = models.BinaryField(null=True)
    # Coarse, from fixed lists, for matching.
    sector = models.CharField(max_length=20, choices=SECTORS)
    skills = models.JSONField(default=list)
    region = models.CharField(max_length=20, choices=REGION_CHOICES)
    language = models.CharField(max_length=10)
    # The site language of the seeker's pages and notices (settings.LANGUAGES): shared by
    # everyone who reads that language, so it says no more about them than ``language``.
    page_language = models.CharField(max_length=10, blank=True)
    availability = models.JSONField(default=list)
    employer_hash = models.CharField(max_length=64, blank=True)
    created_on = models.DateField()
    active_on = models.DateField()

    objects = HelpRequestQuerySet.as_manager()

    def __str__(self) -> str:
        return f"help request {self.pk}"

    def derive_key(self, receipt: str) -> bytes:
        return crypto.derive_key(
            crypto.normalise_code(receipt), bytes(self.key_salt), tuple(self.key_cost)
        )

    def private_key(self, seeker_key: bytes) -> bytes:
        return crypto.unlock(seeker_key, self.wrapped_key)

    def page_language_or_default(self) -> str:
        return self.page_language or settings.LANGUAGE_CODE

    def live_match(self):
        return self.matches.filter(status__in=Match.LIVE).select_related("adviser").first()

    def coarse_profile(self) -> dict:
        return {
            "sector": dict(SECTORS).get(self.sector, self.sector),
            "skills": labels(SKILLS, self.skills),
            "region": dict(REGION_CHOICES).get(self.region, self.region),
            "language": language_name(self.language),
            "availability": labels(AVAILABILITY, self.availability),
        }


class Match(models.Model):
    """A request offered to one adviser; ``code`` is the only name the adviser sees."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered to the adviser")
        PROPOSED = "proposed", _("Adviser is ready; waiting for the seeker")
        ACCEPTED = "accepted", _("Accepted by the seeker")
        DECLINED = "declined", _("Declined by the adviser")
        PASSED = "passed", _("The seeker asked for another adviser")
        HANDED_BACK = "handed_back", _("Handed back by the adviser")
        ENDED = "ended", _("Ended: the request was closed")

    LIVE = {Status.OFFERED, Status.PROPOSED, Status.ACCEPTED}
    READABLE = {Status.ACCEPTED}
    ADVISER_CAN_ANSWER = {Status.OFFERED, Status.PROPOSED}
    SEEKER_CAN_CHOOSE = {Status.PROPOSED}
    FINISHED = {Status.DECLINED, Status.PASSED, Status.HANDED_BACK, Status.ENDED}

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="matches")
    adviser = models.ForeignKey(AdviserProfile, on_delete=models.CASCADE, related_name="matches")
    code = models.CharField(max_length=8, unique=True, default=new_designation)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OFFERED)
    # Set when the seeker accepts: the conversation's key pair, its private key wrapped for
    # the seeker (receipt key) and sealed to the adviser, and the request's key sealed to
    # the adviser. Cleared when the match ends, so a former adviser cannot open anything.
    conversation_public_key = models.BinaryField(null=True)
    seeker_conversation_key = models.BinaryField(null=True)
    adviser_conversation_key = models.BinaryField(null=True)
    adviser_request_key = models.BinaryField(null=True)
    # Contact details the seeker chose to reveal, sealed to this adviser's public key.
    adviser_contact = models.BinaryField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["offered", "proposed", "accepted"]),
                name="one_live_match_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"Request {self.designation}"

    def get_absolute_url(self) -> str:
        return reverse("support:adviser_match", args=[self.code])

    @property
    def designation(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    @property
    def is_readable(self) -> bool:
        return self.status in self.READABLE

    @property
    def contact_revealed(self) -> bool:
        return self.adviser_contact is not None


class Message(models.Model):
    """Sealed to the conversation's public key; its time is inside the ciphertext."""

    class Author(models.TextChoices):
        SEEKER = "seeker", _("The seeker")
        ADVISER = "adviser", _("The adviser")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=10, choices=Author.choices)
    sealed = models.BinaryField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"message {self.pk}"


class SeekerSession(models.Model):
    """A seeker's sign-in after they gave their receipt. The row holds the receipt-derived
    key encrypted under a key that lives only in the seeker's cookie."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    locked = models.BinaryField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"seeker session {self.pk}"


class AuditEntry(models.Model):
    """What a coordinator looked at or changed. Never content, never a request."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, null=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id}"
