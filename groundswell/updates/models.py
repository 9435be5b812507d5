"""Updates on a petition, press releases of an organisation, the mailings that carry
updates to signers, and the milestones a petition's count has passed."""

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation
from groundswell.core.translated import Translatable
from groundswell.petitions.models import Petition, Signature

UNSUBSCRIBE_SALT = "updates.unsubscribe"


class UpdateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Update.Status.PUBLISHED)

    def public(self):
        """Published, and about a public petition if about one at all."""
        return self.published().filter(
            Q(petition__isnull=True) | Q(petition__status__in=Petition.PUBLIC)
        )

    def press_releases(self):
        return self.filter(kind=Update.Kind.PRESS_RELEASE)

    def due(self, now: datetime | None = None):
        """Scheduled updates whose publishing time has come."""
        return self.filter(status=Update.Status.SCHEDULED, publish_at__lte=now or timezone.now())

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def with_links(self):
        """What get_absolute_url() needs, in the same query."""
        return self.select_related("petition", "organisation")


class Update(Translatable, models.Model):
    """A campaign update on a petition, or a press release of an organisation.

    Written in Markdown and rendered once, on save, to sanitised ``body_html``; imported
    posts arrive as HTML and are sanitised the same way (``body`` stays empty).
    """

    class Kind(models.TextChoices):
        UPDATE = "update", _("Campaign update")
        PRESS_RELEASE = "press_release", _("Press release")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        # Taken down by moderators (groundswell/moderation); only they show it again.
        HIDDEN = "hidden", _("Hidden by moderators")

    class Origin(models.TextChoices):
        WRITTEN = "written", _("Written here")
        AUTOMATIC = "automatic", _("Posted automatically")
        IMPORTED = "imported", _("Imported from WordPress")

    # The organiser's words that may have a Spanish version (core/translated.py).
    TRANSLATED_FIELDS = ("title", "body", "body_html")

    PUBLISHABLE = {Status.DRAFT, Status.SCHEDULED}
    WITHDRAWABLE = {Status.SCHEDULED, Status.PUBLISHED}
    # Imported posts are edited on their own site and imported again.
    EDITABLE_ORIGINS = {Origin.WRITTEN, Origin.AUTOMATIC}

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="updates")
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, null=True, blank=True, related_name="updates"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.UPDATE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.WRITTEN)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20000, blank=True, help_text=_("Markdown."))
    body_html = models.TextField(blank=True, editable=False)
    summary = models.TextField(max_length=1000, blank=True)
    title_es = models.CharField(max_length=200, blank=True, default="", db_default="")
    body_es = models.TextField(max_length=20000, blank=True, default="", db_default="")
    body_html_es = models.TextField(blank=True, default="", db_default="", editable=False)
    # For a scheduled update: mail it to signers when it is published.
    email_signers = models.BooleanField(default=False)
    publish_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)
    test_sent_at = models.DateTimeField(null=True, blank=True)
    # Where an imported post came from: the WordPress post's id, its link, and its guid
    # (or its link when the export carries none), which is what a later import matches on.
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    source_guid = models.CharField(max_length=500, blank=True)
    # Set on a post salvaged from a damaged export: what did not arrive. Shown to organisers
    # until a whole copy is imported.
    import_warning = models.TextField(blank=True)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source_guid"],
                condition=~Q(source_guid=""),
                name="one_update_per_source_guid",
            ),
            models.CheckConstraint(
                condition=Q(kind="press_release") | Q(petition__isnull=False),
                name="a_campaign_update_has_a_petition",
            ),
        ]
        indexes = [
            models.Index(fields=["petition", "status", "published_at"]),
            models.Index(fields=["organisation", "kind", "status", "published_at"]),
            models.Index(fields=["status", "publish_at"]),
            models.Index(fields=["organisation", "source_url"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.PRESS_RELEASE:
            return reverse("updates:press_release", args=[self.organisation.slug, self.pk])
        return reverse("updates:petition_update", args=[self.petition.slug, self.pk])

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and (
            self.petition_id is None or self.petition.is_public
        )

    @property
    def is_editable(self) -> bool:
        return self.origin in self.EDITABLE_ORIGINS

    @property
    def can_be_mailed(self) -> bool:
        return self.petition_id is not None

    @property
    def needs_test_send(self) -> bool:
        """True until the organiser has mailed themselves the words as they now stand."""
        return self.test_sent_at is None or self.test_sent_at < self.modified_at


class ImportedPermalink(models.Model):
    """An address an imported post had on its old site; a visit to it here is redirected.

    Only requests that would otherwise be a 404 are looked up
    (``updates.middleware.OldPermalinkMiddleware``), so no page of this site is shadowed.
    """

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="old_permalinks")
    host = models.CharField(max_length=255)
    path = models.CharField(max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "path"], name="one_post_per_old_permalink")
        ]
        indexes = [models.Index(fields=["path"])]

    def __str__(self) -> str:
        return f"{self.host}{self.path}"


class Mailing(models.Model):
    """One update emailed to a petition's signers who asked for updates.

    A fan-out task creates one MailingRecipient per signer; one small task per recipient
    sends and records the time, so nobody is mailed twice (docs/architecture.md).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the mailing limit")
        STARTED = "started", _("Sending")

    update = models.OneToOneField(Update, on_delete=models.CASCADE, related_name="mailing")
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="mailings")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    starts_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["petition", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"mailing of {self.update_id}"


class MailingRecipient(models.Model):
    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="recipients")
    # Erasing a signature erases its row here too.
    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="+")
    # Set once the mail server accepted the copy; until then a sender holds a lease on it
    # (groundswell/core/leases.py) that another may take when it runs out.
    sent_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailing", "signature"], name="one_mail_per_signer")
        ]

    def __str__(self) -> str:
        return f"{self.signature_id} in mailing {self.mailing_id}"


class Milestone(models.Model):
    """A rung of the goal ladder (100, 500, 1,000, ...) that a petition's count passed."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="milestones")
    rung = models.PositiveIntegerField()
    reached_at = models.DateTimeField(default=timezone.now)
    update = models.ForeignKey(
        Update, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["rung"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "rung"], name="one_milestone_per_rung")
        ]

    def __str__(self) -> str:
        return f"{self.rung} on {self.petition_id}"


class UpdateSettings(models.Model):
    """What the organiser chose for a petition's automatic updates."""

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, primary_key=True, related_name="update_settings"
    )
    milestone_updates = models.BooleanField(
        "post an update when a milestone is reached", default=False
    )
    email_milestones = models.BooleanField(
        "also email milestone updates to signers (within the mailing limit)", default=False
    )

    def __str__(self) -> str:
        return f"update settings of {self.petition_id}"


# --- Unsubscribe links ----------------------------------------------------------------------


def unsubscribe_token(signature: Signature) -> str:
    """A signed, non-expiring token naming one signature; nothing secret is stored."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(signature.ref_code)


def unsubscribe_path(signature: Signature) -> str:
    return reverse("updates:unsubscribe", args=[unsubscribe_token(signature)])
