"""Trust and safety: the audit log, review decisions, reports, hidden items, invalidations.

Staff powers are the permissions declared on ``AuditEntry`` below, granted through the
"Moderators" group (migration 0001; docs/moderation.md). Every check goes through
``groundswell/moderation/access.py``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.petitions.models import Petition


class Reason(models.TextChoices):
    """Why staff reject or hide something: a fixed list, shown to the public."""

    DUPLICATE = "duplicate", _("Duplicate of another petition")
    OFFENSIVE = "offensive", _("Offensive or abusive")
    NOT_OURS = "not_ours", _("Not this organisation's to make")
    OUTSIDE_RULES = "outside_rules", _("Outside the site's rules")
    SPAM = "spam", _("Spam or advertising")


# What the public page of a rejected or hidden petition says for each reason.
REASON_EXPLANATIONS = {
    Reason.DUPLICATE: "There is already a petition asking for the same thing.",
    Reason.OFFENSIVE: "It contained language or content that is offensive or abusive.",
    Reason.NOT_OURS: "It asks for something the organisation running it cannot ask for.",
    Reason.OUTSIDE_RULES: "It did not follow the site's rules for petitions.",
    Reason.SPAM: "It was spam or advertising.",
}


class AuditQuerySet(models.QuerySet):
    """Append-only from the application: no bulk update, no bulk delete (except the purge)."""

    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only: entries leave only by the purge.")

    def older_than(self, cutoff):
        return self.filter(created_at__lt=cutoff)


class AuditEntry(models.Model):
    """Who did what, when, from which network (the /24 or /48, never the address), and why.

    Rows are written by ``moderation.actions.record`` and never changed: ``save`` refuses
    an existing row, ``delete`` refuses, and on PostgreSQL a trigger refuses UPDATE and
    DELETE outright (migration 0002) except for the retention purge.
    """

    class Action(models.TextChoices):
        PETITION_APPROVED = "petition.approved", _("Petition approved")
        PETITION_REJECTED = "petition.rejected", _("Petition rejected")
        PETITION_DELETED = "petition.deleted", _("Petition deleted")
        ITEM_HIDDEN = "item.hidden", _("Item hidden")
        ITEM_RESTORED = "item.restored", _("Item shown again")
        REPORTS_DISMISSED = "reports.dismissed", _("Reports dismissed")
        INVALIDATION_APPLIED = "invalidation.applied", _("Signatures invalidated")
        INVALIDATION_REVERTED = "invalidation.reverted", _("Invalidation reverted")
        SIGNERS_EXPORTED = "signers.exported", _("Signers exported")
        SIGNERS_READ_WITH_TOKEN = "signers.read_with_token", _("Signers read with an API token")
        MEMBER_INVITED = "member.invited", _("Member invited with a role")
        MEMBER_JOINED = "member.joined", _("Member joined with a role")
        MODERATOR_GRANTED = "moderator.granted", _("Moderator powers granted")
        MODERATOR_REVOKED = "moderator.revoked", _("Moderator powers revoked")
        ADVISER_VETTED = "adviser.vetted", _("Adviser vetted and invited")
        ADVISER_CHANGED = "adviser.changed", _("Adviser's vetting changed")
        COUNT_DRIFT = "count.drift", _("Count drift repaired")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # No database constraint and nothing done on delete: an entry is never updated, so it
    # keeps the id of an account or a petition deleted since (and the labels say who/what).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    # Kept as it was at the time, so that the entry still reads after the account is gone.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices, db_index=True)
    subject = models.CharField(max_length=200, blank=True)  # e.g. "petition 12: Free buses"
    petition = models.ForeignKey(
        Petition,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(max_length=300, blank=True)
    network = models.CharField(max_length=50, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"
        permissions = [
            ("review_petitions", "Approve and reject petitions"),
            ("handle_reports", "Dismiss reports, hide and show content"),
            ("invalidate_signatures", "Invalidate signatures by rule, and revert"),
            ("view_audit_log", "Read the audit log"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only: entries leave only by the purge.")


class ReviewDecision(models.Model):
    """One staff decision on a submitted petition: its organiser sees every one."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.decision} {self.petition_id}"


class Kind(models.TextChoices):
    """What can be reported and hidden."""

    PETITION = "petition", _("Petition")
    UPDATE = "update", _("Update")
    COMMENT = "comment", _("Comment")


class Report(models.Model):
    """Someone (no account needed) says an item breaks the rules. No address is kept."""

    class Why(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        OFFENSIVE = "offensive", _("Offensive, hateful or abusive")
        PERSONAL = "personal", _("Shares someone's personal information")
        MISLEADING = "misleading", _("False or misleading")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        DISMISSED = "dismissed", _("Dismissed")
        ACTED_ON = "acted_on", _("Item hidden")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    why = models.CharField(max_length=12, choices=Why.choices)
    details = models.TextField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "kind", "object_id"])]

    def __str__(self) -> str:
        return f"report of {self.kind} {self.object_id}"


class Hiding(models.Model):
    """An item staff hid, with why; ``restored_at`` once shown again."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(max_length=2000, blank=True)
    # The status the item had, to go back to when it is shown again.
    previous_status = models.CharField(max_length=20, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    hidden_at = models.DateTimeField(default=timezone.now)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-hidden_at", "-pk"]

    def __str__(self) -> str:
        return f"hidden {self.kind} {self.object_id}"

    @property
    def is_current(self) -> bool:
        return self.restored_at is None


class Invalidation(models.Model):
    """A fraud rule and its run: which signatures it removed, and whether it was reverted."""

    class Rule(models.TextChoices):
        EMAIL_DOMAIN = "email_domain", _("Email domain")
        NETWORK = "network", _("Network (IP /24 or /48, or a wider block)")
        TIME_WINDOW = "time_window", _("Time window")
        POSTCODE_COUNTRY = "postcode_country", _("Postcode that does not match its country")
        BURST = "burst", _("Many signatures from one network in a minute")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to run")
        RUNNING = "running", _("Running")
        APPLIED = "applied", _("Applied")
        REVERTING = "reverting", _("Reverting")
        REVERTED = "reverted", _("Reverted")

    REVERTIBLE = {Status.APPLIED}

    rule = models.CharField(max_length=20, choices=Rule.choices)
    parameters = models.JSONField(default=dict)
    description = models.CharField(max_length=300)
    # None: every petition.
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    matched = models.PositiveIntegerField(default=0)  # at the preview
    processed = models.PositiveIntegerField(default=0)  # rows gone through so far
    removed = models.PositiveIntegerField(default=0)  # confirmed signatures removed
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def progress_percent(self) -> int:
        if not self.matched:
            return 100 if self.status == self.Status.APPLIED else 0
        return min(100, self.processed * 100 // self.matched)


class InvalidationOutcome(models.Model):
    """How many confirmed signatures of one petition an invalidation removed: the public record."""

    invalidation = models.ForeignKey(
        Invalidation, on_delete=models.CASCADE, related_name="outcomes"
    )
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    removed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invalidation", "petition"], name="one_outcome")
        ]

    def __str__(self) -> str:
        return f"{self.removed} removed from {self.petition_id}"
