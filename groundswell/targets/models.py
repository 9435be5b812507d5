"""Decision-makers, the deliveries of petitions to them, and their answers.

A ``Delivery`` is one petition sent to one target. Its ``status`` is stored as sent,
answered or declined; *overdue* is derived from the deadline (see ``Delivery``).
The target answers through an ``AnswerLink``: a private, single-purpose, expiring link of
which only a hash is kept.
"""

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from groundswell.petitions.models import Petition, PetitionTarget


class TargetQuerySet(models.QuerySet):
    def public(self):
        """Targets of at least one public campaign: a draft's targets are the team's secret."""
        addressed = PetitionTarget.objects.filter(petition__status__in=Petition.PUBLIC)
        return self.filter(pk__in=addressed.values("target_id"))


class Chamber(models.TextChoices):
    SENATE = "senate", _("Senate")
    HOUSE = "house", _("House of Representatives")


class ContactMethod(models.TextChoices):
    """How a letter reaches an office, best first; derived from the entry, never stored."""

    EMAIL = "email", _("email")
    WEB_FORM = "web_form", _("web contact form")
    PHONE = "phone", _("phone")
    NONE = "none", _("no contact on file")


class Target(models.Model):
    """A decision-maker a campaign is addressed to: a named person and their office.

    ``name`` and ``role`` are what the petition form asks for and what a petition page
    shows ("Jordan Blake, Director, Immigration and Customs Enforcement"); the other
    fields complete the directory entry. Two entries may share a name and role: a petition
    picks its entry by id or makes a new one, never by matching the words (decision 5).

    ``email`` is the directory's contact address, kept by staff. An organisation that
    delivers elsewhere sets its own ``TargetContact``, which only its deliveries use.
    """

    name = models.CharField(max_length=150)
    role = models.CharField(
        max_length=200, help_text=_('e.g. "Director, Immigration and Customs Enforcement"')
    )
    title = models.CharField(max_length=150, blank=True, help_text=_('e.g. "Director"'))
    office = models.CharField(
        "office or organisation",
        max_length=200,
        blank=True,
        help_text=_('e.g. "Immigration and Customs Enforcement"'),
    )
    country = CountryField(blank=True)
    state = models.CharField("state or region", max_length=100, blank=True)
    district = models.CharField(
        max_length=100, blank=True, help_text=_("Where it applies, e.g. a congressional district.")
    )
    email = models.EmailField(
        "public contact email",
        blank=True,
        help_text=_(
            "Kept by staff. Deliveries go here unless the petition's organisation set "
            "its own address for this person. It is shown on the target's page."
        ),
    )
    website = models.URLField(blank=True)
    photo = models.ImageField(upload_to="targets/%Y/", blank=True)
    # How else the office takes letters: members of Congress publish these, not email.
    contact_form_url = models.URLField("web contact form", max_length=500, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Filled by `manage.py load_us_congress` for members of Congress (docs/letters.md);
    # a member who left Congress keeps the row (letters point at it) with chamber "".
    chamber = models.CharField(max_length=6, choices=Chamber.choices, blank=True)
    bioguide_id = models.CharField(max_length=10, unique=True, null=True, blank=True)
    party = models.CharField(max_length=40, blank=True)
    # A stable key from an imported directory ("ca-assembly:12"), so that a rerun of
    # `manage.py import_targets` updates the entry instead of adding another.
    source_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    us_state = models.CharField("US state code", max_length=2, blank=True)
    us_district = models.PositiveSmallIntegerField(
        "congressional district", null=True, blank=True, help_text="0 for an at-large seat."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["chamber", "us_state", "us_district"])]

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"

    def get_absolute_url(self) -> str:
        return reverse("targets:target", args=[self.pk])

    def contact_method(self, email: str | None = None) -> str:
        """email, web_form, phone or none: the best way this office takes a letter.

        ``email`` is the address a given organisation delivers to (its ``TargetContact``),
        when it has one; otherwise the directory's.
        """
        if email or self.email:
            return ContactMethod.EMAIL
        if self.contact_form_url:
            return ContactMethod.WEB_FORM
        if self.phone:
            return ContactMethod.PHONE
        return ContactMethod.NONE

    @property
    def jurisdiction(self) -> str:
        """ "District 7, Texas, United States": the parts that are known, smallest first."""
        parts = [self.district, self.state, self.country.name if self.country else ""]
        return ", ".join(p for p in parts if p)


class TargetContact(models.Model):
    """The address one organisation delivers to for one target; only its own deliveries use it.

    An organisation cannot change the directory's address (``Target.email``), which every
    other campaign may rely on; it can say where its own petitions go. No other organisation
    sees or uses this row.
    """

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="contacts")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="target_contacts"
    )
    email = models.EmailField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "organisation"], name="one_contact_per_target_and_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}'s address for {self.target_id}"


class DeliveryPlan(models.Model):
    """How an organiser wants a petition delivered: the deadline it asks for and reminders.

    The threshold for automatic delivery is ``Petition.delivery_threshold``; these two are
    copied onto each delivery when it is made (the reminder interval can be changed later).
    """

    petition = models.OneToOneField(
        "petitions.Petition", on_delete=models.CASCADE, related_name="delivery_plan"
    )
    answer_within_days = models.PositiveSmallIntegerField(null=True, blank=True)
    remind_every_days = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"delivery plan of {self.petition_id}"


class DeliveryQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(status__in=Delivery.WAITING)

    def overdue(self, today: date | None = None):
        return self.waiting().filter(deadline__lt=today or timezone.localdate())

    def for_display(self):
        return self.select_related("target", "answer").order_by("delivered_at", "pk")


class Delivery(models.Model):
    """One petition delivered to one target, and where their answer stands.

    ``status`` holds what happened: sent (waiting for an answer), answered or declined.
    *Overdue* is not stored: ``state()`` derives it, since a delivery is overdue exactly
    when it is still waiting and today is past its deadline. Stored, it would need a job
    to flip it at midnight, would be wrong between the deadline and that job, and could
    contradict the deadline it was derived from; derived, it is exact at every instant and
    nothing has to run for it to change. ``Status.OVERDUE`` exists so that the API and the
    pages name the four states with one vocabulary; a constraint keeps it out of the table.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined to answer")
        OVERDUE = "overdue", _("Overdue")  # derived by state(); never stored

    class Method(models.TextChoices):
        EMAIL = "email", _("by email")
        POST = "post", _("by post")
        HAND = "hand", _("by hand")

    # Only email deliveries carry an answer link and reminders; the others are recorded by
    # the organiser so the silence that follows a letter is counted too.
    RECORDED = {Method.POST, Method.HAND}

    STORED = {Status.SENT, Status.ANSWERED, Status.DECLINED}
    WAITING = {Status.SENT}
    RESPONDED = {Status.ANSWERED, Status.DECLINED}

    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="deliveries"
    )
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="deliveries")
    method = models.CharField(max_length=5, choices=Method.choices, default=Method.EMAIL)
    # The address it went to (email deliveries): the directory entry may change afterwards.
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    delivered_at = models.DateTimeField(default=timezone.now)
    # Who pressed "deliver"; empty when the threshold delivered it automatically.
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(null=True, blank=True)
    remind_every_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # The count in the PDF the target received (set when the email is built).
    signature_count = models.PositiveIntegerField(null=True, blank=True)
    # Set once the mail server accepted the delivery email; until then a sender holds a
    # lease on it (groundswell/core/leases.py) that another may take when it runs out.
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_lease_until = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "target"], name="delivered_once_per_target"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["sent", "answered", "declined"]),
                name="delivery_status_stored",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.petition_id} to {self.target}"

    @property
    def delivered_on(self) -> date:
        return timezone.localdate(self.delivered_at)

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in self.WAITING and self.deadline is not None and today > self.deadline

    def state(self, today: date | None = None) -> str:
        """sent, answered, declined or overdue."""
        return self.Status.OVERDUE if self.is_overdue(today) else self.Status(self.status)

    @property
    def state_label(self) -> str:
        return self.Status(self.state()).label

    def waiting_days(self, today: date | None = None) -> int:
        """Days since delivery, until today or until the answer came."""
        if self.status in self.RESPONDED and self.responded_on:
            end = self.responded_on
        else:
            end = today or timezone.localdate()
        return max(0, (end - self.delivered_on).days)

    def days_overdue(self, today: date | None = None) -> int:
        if not self.is_overdue(today):
            return 0
        return ((today or timezone.localdate()) - self.deadline).days

    @property
    def responded_on(self) -> date | None:
        answer = getattr(self, "answer", None)
        if answer is not None:
            return answer.received_on
        return timezone.localdate(self.responded_at) if self.responded_at else None


class Answer(models.Model):
    """What a target said (``delivery.status`` answered) or why they declined (declined)."""

    class Source(models.TextChoices):
        LINK = "link", _("Through the private response link")
        LETTER = "letter", _("By letter")
        EMAIL = "email", _("By email")
        PRESS = "press", _("In a press statement")
        MEETING = "meeting", _("At a meeting")
        OTHER = "other", _("Another way")

    # What an organiser may record for an answer that did not come through the link.
    OUTSIDE = {Source.LETTER, Source.EMAIL, Source.PRESS, Source.MEETING, Source.OTHER}

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="answer")
    text = models.TextField(max_length=20000, blank=True)
    attachment = models.FileField(upload_to="answers/%Y/", blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LINK)
    received_on = models.DateField(default=timezone.localdate)
    recorded_at = models.DateTimeField(default=timezone.now)
    # The organiser who recorded an outside answer; empty when the target answered.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set once the answer has been posted as an update for the signers.
    announced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"answer to {self.delivery}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AnswerLinkQuerySet(models.QuerySet):
    def for_token(self, token: str):
        return self.filter(token_hash=hash_token(token))


class AnswerLink(models.Model):
    """A private link with which a target's office answers one delivery, once, without an account.

    The token (256 random bits) goes out in the email and is never stored: the table
    holds its SHA-256, so a copy of the database answers nothing. Each delivery email and
    each reminder carries a fresh link; answering through any of them ends the others too,
    because only a delivery that is still waiting takes an answer.
    """

    MIN_DAYS = 60  # a link outlives the deadline it announces by at least 30 days

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = AnswerLinkQuerySet.as_manager()

    def __str__(self) -> str:
        return f"answer link for {self.delivery_id}"

    @classmethod
    def mint(cls, delivery: Delivery) -> tuple["AnswerLink", str]:
        """A new link for ``delivery`` and its token (which only the email will hold)."""
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        days = cls.MIN_DAYS
        if delivery.deadline:
            days = max(days, (delivery.deadline - timezone.localdate(now)).days + 30)
        link = cls.objects.create(
            delivery=delivery,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        return link, token

    def get_path(self, token: str) -> str:
        return reverse("targets:respond", args=[self.delivery.petition.slug, token])

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class Reminder(models.Model):
    """The n-th reminder to a target who has not answered; ``sent_at`` once it went out."""

    MAX_PER_DELIVERY = 10  # after that the platform stops writing; the counter keeps going

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="reminders")
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)  # while a sender holds it

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_reminder_per_number")
        ]

    def __str__(self) -> str:
        return f"reminder {self.number} for {self.delivery_id}"


class ZipDistrict(models.Model):
    """One ZIP code tabulation area in one congressional district (0: at large).

    A ZIP that crosses a district (or state) line has one row per district. Loaded, and
    replaced whole, by ``manage.py load_us_congress``.
    """

    zcta = models.CharField(max_length=5, db_index=True)
    state = models.CharField(max_length=2)
    district = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["zcta", "state", "district"], name="one_row_per_zip_district"
            )
        ]

    def __str__(self) -> str:
        return f"{self.zcta} in {self.state}-{self.district}"


class DirectoryEdition(models.Model):
    """Which edition of a public directory was loaded, and when: shown where it is used."""

    US_CONGRESS = "us-congress"

    directory = models.CharField(max_length=40)
    edition = models.CharField(max_length=300)
    loaded_at = models.DateTimeField(default=timezone.now)
    members = models.PositiveIntegerField(default=0)
    zip_rows = models.PositiveIntegerField(default=0)

    class Meta:
        get_latest_by = "loaded_at"

    def __str__(self) -> str:
        return f"{self.directory} {self.edition}"

    @classmethod
    def current(cls, directory: str = US_CONGRESS) -> "DirectoryEdition | None":
        return cls.objects.filter(directory=directory).order_by("-loaded_at", "-pk").first()
