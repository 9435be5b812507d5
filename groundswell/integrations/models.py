"""API tokens and webhooks: how an organisation's other tools read from and hear from us.

docs/api.md describes them from the outside.
"""

import hashlib
import json
import secrets
from base64 import b64encode
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation


class Scope(models.TextChoices):
    PETITIONS_READ = "petitions:read", _("petitions:read: the organisation's petitions, drafts too")
    SIGNATURES_READ = "signatures:read", _("signatures:read: signers' names and addresses")
    SIGNATURES_WRITE = (
        "signatures:write",
        _("signatures:write: add signers (they confirm by email)"),
    )
    WEBHOOKS_MANAGE = "webhooks:manage", _("webhooks:manage: register and change webhook endpoints")


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now: datetime | None = None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token an organisation's tool sends. Only its SHA-256 digest is kept.

    The token is 32 random bytes, so a fast digest is as good as a slow password hash:
    there is nothing to guess. ``hint`` (its first characters) lets the owner tell tokens
    apart on the settings page.
    """

    PREFIX = "gs_"

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def new_secret(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    def status(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class PersonalDataRead(models.Model):
    """A token read signers' personal data: who, what and how many rows, never the data.

    Stands in for the moderation app's audit log until the two are joined
    (groundswell/api/audit.py).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, null=True, related_name="+")
    what = models.CharField(max_length=200)
    count = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.token_id} read {self.count} of {self.what}"


class EventType(models.TextChoices):
    SIGNATURE_CONFIRMED = "signature.confirmed", _("signature.confirmed: a signer confirmed")
    PETITION_MILESTONE = "petition.milestone", _("petition.milestone: a petition passed a goal")
    PETITION_ANSWERED = "petition.answered", _("petition.answered: a target answered")
    UPDATE_PUBLISHED = "update.published", _("update.published: an update was published")


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DISABLED = "disabled", _("Disabled")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=64, default=new_webhook_secret)
    # After a rotation deliveries are signed with both secrets until this time, so that
    # the receiver can switch over without losing any (the spec allows several signatures).
    previous_secret = models.CharField(max_length=64, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The first failure since the last success; 24 hours of failures disable the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def signing_secrets(self, now: datetime | None = None) -> list[str]:
        until = self.previous_secret_until
        if self.previous_secret and until and until > (now or timezone.now()):
            return [self.secret, self.previous_secret]
        return [self.secret]


class WebhookEvent(models.Model):
    """The outbox: events written in the transaction that caused them, not yet sent.

    Only for organisations with an endpoint that wants the type. One row can carry many
    events of one type (``data["items"]``): a batch of confirmations is one INSERT. The
    dispatcher (tasks.dispatch_webhook_events) turns rows into deliveries and deletes
    them in the same transaction.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40, choices=EventType.choices)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.type} for {self.organisation_id}"


class WebhookDelivery(models.Model):
    """One signed POST to one endpoint carrying up to WEBHOOK_BATCH_SIZE events.

    Claimed with a lease (``lease_until``, ``claim``): a worker that dies mid-send leaves
    a lease that runs out, and the next run takes the delivery again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The payload's events as the JSON array text that is sent: written once when
    # dispatched, never parsed or re-encoded by the worker (docs/api.md, "How the worker
    # sends").
    body = models.TextField()
    event_count = models.PositiveIntegerField()
    event_types = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} to {self.endpoint_id} ({self.status})"

    @property
    def events(self) -> list[dict]:
        return json.loads(self.body)

    @property
    def message_id(self) -> str:
        """The ``webhook-id`` header: the same on every retry of this delivery."""
        return f"msg_{self.pk}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"attempt on {self.delivery_id} at {self.at}"
