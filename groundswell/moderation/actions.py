"""Every write of the moderation app: the audit log, decisions, reports, hiding, invalidations.

Other apps call ``record`` for the actions of theirs that change what the public sees or
what data leaves the site (docs/moderation.md lists them). Petitions, updates and
signatures are changed through their own apps' actions, never here.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.accounts import actions as accounts
from groundswell.accounts.models import User
from groundswell.core.errors import ActionError
from groundswell.core.tasks import enqueue_on_commit
from groundswell.moderation import rules, tasks
from groundswell.moderation.access import ALL_POWERS, MODERATORS_GROUP
from groundswell.moderation.middleware import current_network
from groundswell.moderation.models import (
    AuditEntry,
    Hiding,
    Invalidation,
    InvalidationOutcome,
    Kind,
    Reason,
    Report,
    ReviewDecision,
)
from groundswell.petitions.models import Petition, Signature

Action = AuditEntry.Action

# --- The audit log ----------------------------------------------------------------------------


def record(
    *,
    actor: User | None,
    action: str,
    subject: str = "",
    petition: Petition | None = None,
    reason: str = "",
    network: str | None = None,
) -> AuditEntry:
    """Append one entry: who, what, when, from which network (of this request), and why."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.email if actor is not None and actor.pk else "the system"),
        action=action,
        subject=subject[:200],
        petition=petition,
        reason=reason[:300],
        network=current_network.get() if network is None else network,
    )


def about(petition: Petition) -> str:
    return f"petition {petition.pk}: {petition.title}"


def purge_audit_log(now: datetime | None = None) -> int:
    """Delete entries past ``AUDIT_RETENTION_DAYS``: the one way an entry ever leaves."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    table = AuditEntry._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The trigger of migration 0002 lets a DELETE through only with this set.
            cursor.execute("SET LOCAL groundswell.audit_purge = 'on'")
        cursor.execute(f"DELETE FROM {table} WHERE created_at < %s", [cutoff])  # noqa: S608
        return cursor.rowcount


# --- Moderators -----------------------------------------------------------------------------


def moderators_group() -> Group:
    """The "Moderators" group with every staff power (made by migration 0001; made again
    here if someone deleted it)."""
    group, created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    if created or not group.permissions.exists():
        codenames = [name.split(".", 1)[1] for name in ALL_POWERS]
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="moderation", codename__in=codenames)
        )
    return group


@transaction.atomic
def grant_moderator(*, user: User, by: User | None, reason: str) -> None:
    accounts.add_to_group(user=user, group=moderators_group())
    record(actor=by, action=Action.MODERATOR_GRANTED, subject=user.email, reason=reason)


@transaction.atomic
def revoke_moderator(*, user: User, by: User | None, reason: str) -> None:
    accounts.remove_from_group(user=user, group=moderators_group())
    record(actor=by, action=Action.MODERATOR_REVOKED, subject=user.email, reason=reason)


# --- Review decisions -----------------------------------------------------------------------


def note_decision(
    *, petition: Petition, decision: str, by: User, reason: str = "", note: str = ""
) -> ReviewDecision:
    """Keep a decision for the organiser's history, and email them (petitions.actions calls)."""
    decided = ReviewDecision.objects.create(
        petition=petition, decision=decision, reason=reason, note=note, decided_by=by
    )
    action = (
        Action.PETITION_APPROVED
        if decision == ReviewDecision.Decision.APPROVED
        else Action.PETITION_REJECTED
    )
    why = f"{Reason(reason).label}: {note}" if reason else note
    record(actor=by, action=action, subject=about(petition), petition=petition, reason=why)
    enqueue_on_commit(tasks.tell_organisers_of_decision, decided.pk)
    return decided


def claim_decision_email(decision_id: int) -> ReviewDecision | None:
    """The decision to email about, once: None if another run has it already."""
    claimed = ReviewDecision.objects.filter(pk=decision_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return None
    return ReviewDecision.objects.select_related("petition", "decided_by").get(pk=decision_id)


def release_decision_email(decision_id: int) -> None:
    ReviewDecision.objects.filter(pk=decision_id).update(emailed_at=None)


# --- Reports --------------------------------------------------------------------------------


def reported_item(kind: str, object_id: int):
    """(the item, its petition) if it can be reported now: public, and not hidden already."""
    from groundswell.updates.models import Update

    if kind == Kind.PETITION:
        petition = Petition.objects.public().filter(pk=object_id).first()
        return (petition, petition) if petition else (None, None)
    if kind == Kind.UPDATE:
        update = (
            Update.objects.select_related("petition")
            .filter(pk=object_id, status=Update.Status.PUBLISHED, petition__isnull=False)
            .first()
        )
        ok = update is not None and update.petition.is_public
        return (update, update.petition) if ok else (None, None)
    if kind == Kind.COMMENT:
        signature = (
            Signature.objects.select_related("petition")
            .confirmed()
            .exclude(comment="")
            .filter(pk=object_id, comment_hidden_at__isnull=True)
            .first()
        )
        ok = signature is not None and signature.petition.is_public
        return (signature, signature.petition) if ok else (None, None)
    return None, None


def report_item(*, kind: str, object_id: int, why: str, details: str = "") -> Report:
    """Anyone may report; nothing about the reporter is kept (the view rate limits)."""
    item, petition = reported_item(kind, object_id)
    if item is None:
        raise ActionError(_("There is nothing to report here any more."), status=404)
    return Report.objects.create(
        kind=kind, object_id=object_id, petition=petition, why=why, details=details.strip()
    )


@transaction.atomic
def dismiss_reports(*, kind: str, object_id: int, by: User, note: str = "") -> int:
    open_reports = Report.objects.filter(kind=kind, object_id=object_id, status=Report.Status.OPEN)
    petition = open_reports.values_list("petition", flat=True).first()
    n = open_reports.update(
        status=Report.Status.DISMISSED, handled_by=by, handled_at=timezone.now()
    )
    if not n:
        raise ActionError(_("These reports were handled already."), status=409)
    record(
        actor=by,
        action=Action.REPORTS_DISMISSED,
        subject=f"{kind} {object_id} ({n} reports)",
        petition=Petition.objects.filter(pk=petition).first(),
        reason=note,
    )
    return n


# --- Hiding ---------------------------------------------------------------------------------


def _hide(kind: str, item, by: User) -> str:
    """Hide ``item`` through its own app; returns the status to go back to."""
    from groundswell.petitions import actions as petitions
    from groundswell.updates import actions as updates

    if kind == Kind.PETITION:
        return petitions.hide_petition(petition=item)
    if kind == Kind.UPDATE:
        return updates.hide_update(update=item)
    return petitions.hide_comment(signature=item)


def _subject(kind: str, item) -> str:
    if kind == Kind.PETITION:
        return about(item)
    if kind == Kind.UPDATE:
        return f"update {item.pk}: {item.title}"
    return f"comment of signature {item.pk} on petition {item.petition_id}"


def hideable_item(kind: str, object_id: int):
    """(item, petition) for an item staff may hide, or (None, None)."""
    from groundswell.updates.models import Update

    if kind == Kind.PETITION:
        petition = Petition.objects.filter(pk=object_id, status__in=Petition.HIDEABLE).first()
        return petition, petition
    if kind == Kind.UPDATE:
        update = Update.objects.select_related("petition").filter(pk=object_id).first()
        return (update, update.petition) if update and update.petition_id else (None, None)
    if kind == Kind.COMMENT:
        signature = Signature.objects.select_related("petition").filter(pk=object_id).first()
        return (signature, signature.petition) if signature else (None, None)
    return None, None


@transaction.atomic
def hide_item(*, kind: str, object_id: int, by: User, reason: str, note: str) -> Hiding:
    if reason not in Reason.values:
        raise ActionError(_("Choose a reason from the list."))
    item, petition = hideable_item(kind, object_id)
    if item is None:
        raise ActionError(_("There is nothing here that can be hidden."), status=404)
    if Hiding.objects.filter(kind=kind, object_id=object_id, restored_at__isnull=True).exists():
        raise ActionError(_("This is hidden already."), status=409)
    previous = _hide(kind, item, by)
    hiding = Hiding.objects.create(
        kind=kind,
        object_id=object_id,
        petition=petition,
        reason=reason,
        note=note.strip(),
        previous_status=previous,
        hidden_by=by,
    )
    Report.objects.filter(kind=kind, object_id=object_id, status=Report.Status.OPEN).update(
        status=Report.Status.ACTED_ON, handled_by=by, handled_at=timezone.now()
    )
    record(
        actor=by,
        action=Action.ITEM_HIDDEN,
        subject=_subject(kind, item),
        petition=petition,
        reason=f"{Reason(reason).label}: {note.strip()}",
    )
    return hiding


@transaction.atomic
def restore_item(*, hiding: Hiding, by: User, note: str = "") -> Hiding:
    """Show a hidden item again, as it was before."""
    from groundswell.petitions import actions as petitions
    from groundswell.updates import actions as updates
    from groundswell.updates.models import Update

    claimed = Hiding.objects.filter(pk=hiding.pk, restored_at__isnull=True).update(
        restored_at=timezone.now(), restored_by=by
    )
    if not claimed:
        raise ActionError(_("This is shown already."), status=409)
    if hiding.kind == Kind.PETITION:
        item = Petition.objects.get(pk=hiding.object_id)
        petitions.show_petition(petition=item, status=hiding.previous_status)
    elif hiding.kind == Kind.UPDATE:
        item = Update.objects.get(pk=hiding.object_id)
        updates.show_update(update=item, status=hiding.previous_status)
    else:
        item = Signature.objects.get(pk=hiding.object_id)
        petitions.show_comment(signature=item)
    record(
        actor=by,
        action=Action.ITEM_RESTORED,
        subject=_subject(hiding.kind, item),
        petition=hiding.petition,
        reason=note,
    )
    hiding.refresh_from_db()
    return hiding


def current_hiding(petition: Petition) -> Hiding | None:
    return Hiding.objects.filter(
        kind=Kind.PETITION, object_id=petition.pk, restored_at__isnull=True
    ).first()


# --- Invalidations --------------------------------------------------------------------------

# Rows gone through per transaction: small enough that signing never waits long for a
# counter shard, large enough that 1,000,000 rows take a few hundred round trips.
INVALIDATION_BATCH = 5000


@transaction.atomic
def start_invalidation(
    *, rule: rules.Rule, petition: Petition | None, by: User, note: str, matched: int
) -> Invalidation:
    if not note.strip():
        raise ActionError(_("Say why these signatures are invalid."))
    invalidation = Invalidation.objects.create(
        rule=rule.kind,
        parameters=rule.parameters,
        description=rule.describe(),
        petition=petition,
        note=note.strip(),
        matched=matched,
        created_by=by,
    )
    enqueue_on_commit(tasks.run_invalidation, invalidation.pk)
    return invalidation


def run_invalidation(invalidation_id: int) -> int:
    """Apply a queued invalidation, batch by batch; signing goes on meanwhile.

    Each batch is one transaction of ``petitions.actions.invalidate_signatures``: the
    rows' status and the counter move together, so the count equals the confirmed rows
    at every commit.
    """
    from groundswell.petitions import actions as petitions

    claimed = Invalidation.objects.filter(
        pk=invalidation_id, status=Invalidation.Status.QUEUED
    ).update(status=Invalidation.Status.RUNNING)
    if not claimed:
        return 0
    invalidation = Invalidation.objects.get(pk=invalidation_id)
    rule = rules.Rule.from_stored(invalidation.rule, invalidation.parameters)
    scope = rules.scope(invalidation.petition_id)
    matching = scope.filter(rule.condition(scope))
    total = 0
    for low, high in rules.pk_ranges(matching, INVALIDATION_BATCH):
        batch = matching.filter(pk__gte=low, pk__lt=high)
        n, removed = petitions.invalidate_signatures(
            invalidation_id=invalidation_id, signatures=batch
        )
        total += n
        _note_progress(invalidation_id, n, removed)
    for petition_id in InvalidationOutcome.objects.filter(
        invalidation_id=invalidation_id, removed__gt=0
    ).values_list("petition_id", flat=True):
        petitions.refresh_insights(petition_id=petition_id)
    Invalidation.objects.filter(pk=invalidation_id).update(
        status=Invalidation.Status.APPLIED, applied_at=timezone.now()
    )
    invalidation.refresh_from_db()
    record(
        actor=invalidation.created_by,
        action=Action.INVALIDATION_APPLIED,
        subject=f"invalidation {invalidation.pk}: {invalidation.description} "
        f"({total} signatures, {invalidation.removed} of them counted)",
        petition=invalidation.petition,
        reason=invalidation.note,
        network="",  # run by the worker: the network is that of the request that started it
    )
    return total


def _note_progress(invalidation_id: int, n: int, removed: Counter) -> None:
    with transaction.atomic():
        Invalidation.objects.filter(pk=invalidation_id).update(
            processed=F("processed") + n, removed=F("removed") + sum(removed.values())
        )
        for petition_id, count in removed.items():
            outcome, _created = InvalidationOutcome.objects.get_or_create(
                invalidation_id=invalidation_id, petition_id=petition_id
            )
            InvalidationOutcome.objects.filter(pk=outcome.pk).update(removed=F("removed") + count)


@transaction.atomic
def revert_invalidation(*, invalidation: Invalidation, by: User, note: str) -> Invalidation:
    if not note.strip():
        raise ActionError(_("Say why this invalidation is reverted."))
    moved = Invalidation.objects.filter(
        pk=invalidation.pk, status__in=Invalidation.REVERTIBLE
    ).update(status=Invalidation.Status.REVERTING, reverted_by=by)
    if not moved:
        raise ActionError(_("Only an applied invalidation can be reverted."), status=409)
    record(
        actor=by,
        action=Action.INVALIDATION_REVERTED,
        subject=f"invalidation {invalidation.pk}: {invalidation.description}",
        petition=invalidation.petition,
        reason=note.strip(),
    )
    enqueue_on_commit(tasks.run_revert, invalidation.pk)
    invalidation.refresh_from_db()
    return invalidation


def run_revert(invalidation_id: int) -> int:
    """Put the signatures back in batches, then recount each petition exactly."""
    from groundswell.petitions import actions as petitions

    if not Invalidation.objects.filter(
        pk=invalidation_id, status=Invalidation.Status.REVERTING
    ).exists():
        return 0
    total, touched = 0, set()
    while True:
        n, petition_ids = petitions.restore_invalidated(
            invalidation_id=invalidation_id, limit=INVALIDATION_BATCH
        )
        total += n
        touched |= petition_ids
        if n < INVALIDATION_BATCH:
            break
    touched |= set(
        InvalidationOutcome.objects.filter(invalidation_id=invalidation_id).values_list(
            "petition_id", flat=True
        )
    )
    for petition_id in sorted(touched):
        petitions.recount(petition_id=petition_id)
        petitions.refresh_insights(petition_id=petition_id)
    Invalidation.objects.filter(pk=invalidation_id).update(
        status=Invalidation.Status.REVERTED, reverted_at=timezone.now()
    )
    return total


def public_invalidations(petition_id: int) -> list[dict]:
    """What the petition page says: N signatures removed as invalid, and when."""
    return list(
        InvalidationOutcome.objects.filter(
            petition_id=petition_id,
            removed__gt=0,
            invalidation__status=Invalidation.Status.APPLIED,
        )
        .order_by("invalidation__applied_at")
        .values("removed", applied_at=F("invalidation__applied_at"))
    )
