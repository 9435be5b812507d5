"""Every write to API tokens, webhook endpoints, events and deliveries goes through here.

Other apps call ``record_signatures_confirmed`` and ``record_event`` inside the
transactions that confirm, answer or publish; nothing is written when no endpoint of
the organisation wants the event (docs/api.md, "Batching").
"""

import json
import secrets
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation, User
from groundswell.core.cache import Kept
from groundswell.core.errors import ActionError
from groundswell.core.tasks import enqueue_on_commit, wake_on_commit
from groundswell.integrations import tasks
from groundswell.integrations.models import (
    ApiToken,
    DeliveryAttempt,
    EventType,
    PersonalDataRead,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    new_webhook_secret,
)
from groundswell.integrations.sending import Result


class TokenRefused(ActionError):
    status = 401


# --- Tokens ---------------------------------------------------------------------------------


def create_token(
    *,
    organisation: Organisation,
    created_by: User | None,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown once and never stored."""
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ActionError(
            _("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(sorted(unknown))}, status=422
        )
    if not scopes:
        raise ActionError(_("Choose at least one scope."), status=422)
    if expires_at is not None and expires_at <= timezone.now():
        raise ActionError(_("Choose an expiry in the future, or none."), status=422)
    raw = ApiToken.new_secret()
    token = ApiToken.objects.create(
        organisation=organisation,
        created_by=created_by,
        name=name.strip()[:100] or "API token",
        scopes=[s for s in Scope.values if s in scopes],
        digest=ApiToken.digest_of(raw),
        hint=raw[: len(ApiToken.PREFIX) + 6],
        expires_at=expires_at,
    )
    return token, raw


def revoke_token(*, token: ApiToken) -> ApiToken:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def authenticate_token(raw: str, now: datetime | None = None) -> ApiToken:
    """The token ``raw`` names, if it may be used now; TokenRefused (401) otherwise."""
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("organisation")
        .filter(digest=ApiToken.digest_of(raw.strip()))
        .first()
    )
    if token is None:
        raise TokenRefused("This API token is not valid.")
    status = token.status(now)
    if status == ApiToken.Status.REVOKED:
        raise TokenRefused("This API token has been revoked.")
    if status == ApiToken.Status.EXPIRED:
        raise TokenRefused("This API token has expired.")
    # Written at most once a minute per token, not on every request.
    if token.last_used_at is None or token.last_used_at < now - timedelta(seconds=60):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def record_personal_data_read(*, token: ApiToken, what: str, count: int) -> PersonalDataRead:
    return PersonalDataRead.objects.create(
        organisation_id=token.organisation_id, token=token, what=what[:200], count=count
    )


# --- Endpoints ------------------------------------------------------------------------------


def _check_events(events: list[str]) -> list[str]:
    unknown = set(events) - set(EventType.values)
    if unknown:
        raise ActionError(
            _("Unknown event type: %(events)s.") % {"events": ", ".join(sorted(unknown))},
            status=422,
        )
    if not events:
        raise ActionError(_("Choose at least one event."), status=422)
    return [e for e in EventType.values if e in events]


def create_endpoint(
    *,
    organisation: Organisation,
    created_by: User | None,
    url: str,
    events: list[str],
    description: str = "",
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        created_by=created_by,
        url=url,
        events=_check_events(events),
        description=description.strip()[:200],
    )
    _forget_listeners()
    return endpoint


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()
    _forget_listeners()


def rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one keeps signing too for WEBHOOK_OLD_SECRET_HOURS."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + timedelta(
        hours=settings.WEBHOOK_OLD_SECRET_HOURS
    )
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint


def enable_endpoint(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        status=WebhookEndpoint.Status.ACTIVE, disabled_at=None, failing_since=None
    )
    endpoint.refresh_from_db()
    _forget_listeners()
    return endpoint


# --- Events: called by other apps inside their transactions ----------------------------------


def _forget_listeners() -> None:
    LISTENERS.forget()
    transaction.on_commit(LISTENERS.forget)


LISTENERS = Kept(
    "webhook-listeners",
    seconds="WEBHOOK_LISTENERS_SECONDS",
    forgotten_by="a change to an endpoint, then again on its commit",
)


def organisations_listening(event_type: str) -> frozenset[int]:
    """Organisations with an active endpoint for ``event_type``.

    Read once per WEBHOOK_LISTENERS_SECONDS per process (one small query), so that a
    confirmation for an organisation without endpoints costs a dictionary look-up.
    """
    return LISTENERS.get("by type", _listeners_by_type).get(event_type, frozenset())


def _listeners_by_type() -> dict[str, frozenset[int]]:
    by_type: dict[str, set[int]] = defaultdict(set)
    active = WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE)
    for organisation_id, types in active.values_list("organisation_id", "events"):
        for event_type in types:
            by_type[event_type].add(organisation_id)
    return {k: frozenset(v) for k, v in by_type.items()}


def _wake_dispatcher() -> None:
    wake_on_commit(tasks.dispatch_webhook_events, window=settings.WEBHOOK_BATCH_SECONDS)


def record_signatures_confirmed(*, confirmed: list[tuple[int, int, int]], at: datetime) -> None:
    """``signature.confirmed`` for each (signature id, petition id, organisation id).

    The signing hot path: nothing is written for organisations without an endpoint that
    wants it, and at most one row per organisation for the whole batch otherwise.
    """
    listening = organisations_listening(EventType.SIGNATURE_CONFIRMED)
    if not listening:
        return
    items: dict[int, list] = defaultdict(list)
    for signature_id, petition_id, organisation_id in confirmed:
        if organisation_id in listening:
            items[organisation_id].append([signature_id, petition_id])
    if not items:
        return
    WebhookEvent.objects.bulk_create(
        WebhookEvent(
            organisation_id=organisation_id,
            type=EventType.SIGNATURE_CONFIRMED,
            data={"at": at.isoformat(), "items": batch},
        )
        for organisation_id, batch in items.items()
    )
    _wake_dispatcher()


def record_event(
    *, organisation_id: int, type: str, id: str, data: dict | Callable[[], dict]
) -> None:
    """One low-volume event (a milestone, an answer, a published update); ``id`` is stable,
    so that a receiver can tell a redelivery from a new event. ``data`` may be a function,
    called only when an endpoint wants the event."""
    if organisation_id not in organisations_listening(type):
        return
    if callable(data):
        data = data()
    event = {"id": id, "type": type, "timestamp": timezone.now().isoformat(), "data": data}
    WebhookEvent.objects.create(
        organisation_id=organisation_id, type=type, data={"events": [event]}
    )
    _wake_dispatcher()


# --- Dispatching: events to deliveries -----------------------------------------------------


# One confirmation's event as JSON text, written by formatting rather than by building and
# encoding a dictionary: the dispatcher writes thousands a second in a surge. The values
# are integers and JSON strings (json.dumps, once per outbox row).
_CONFIRMED = (
    '{"id":"evt_sig_%d","type":"signature.confirmed","timestamp":%s,'
    '"data":{"signature_id":%d,"petition":%s}}'
)


def _expand(rows: list[WebhookEvent]) -> list[tuple[int, str, str]]:
    """(organisation id, type, event as JSON text) for every event the rows carry."""
    from groundswell.petitions.models import Petition

    petition_ids = {
        petition_id
        for row in rows
        if row.type == EventType.SIGNATURE_CONFIRMED
        for _signature_id, petition_id in row.data["items"]
    }
    slugs = {
        pk: json.dumps(slug)
        for pk, slug in Petition.objects.filter(pk__in=petition_ids).values_list("pk", "slug")
    }
    events = []
    for row in rows:
        organisation_id, type_ = row.organisation_id, str(row.type)
        if type_ != EventType.SIGNATURE_CONFIRMED:
            events.extend(
                (organisation_id, type_, json.dumps(event, separators=(",", ":")))
                for event in row.data["events"]
            )
            continue
        at = json.dumps(row.data["at"])
        events.extend(
            (organisation_id, type_, _CONFIRMED % (sid, at, sid, slugs.get(pid, "null")))
            for sid, pid in row.data["items"]
        )
    return events


def dispatch_events(limit: int = 1000) -> int:
    """Turn up to ``limit`` outbox rows into deliveries; returns the deliveries made.

    Each endpoint gets its events in deliveries of at most WEBHOOK_BATCH_SIZE, so the
    number of requests grows with events / WEBHOOK_BATCH_SIZE, not with events. The rows
    are deleted in the same transaction: each event is dispatched once.
    """
    size = settings.WEBHOOK_BATCH_SIZE
    with transaction.atomic():
        rows = list(WebhookEvent.objects.order_by("pk").select_for_update(skip_locked=True)[:limit])
        if not rows:
            return 0
        endpoints = WebhookEndpoint.objects.filter(
            organisation_id__in={row.organisation_id for row in rows},
            status=WebhookEndpoint.Status.ACTIVE,
        )
        events = _expand(rows)
        deliveries = []
        for endpoint in endpoints:
            wanted = [
                (type_, text)
                for organisation_id, type_, text in events
                if organisation_id == endpoint.organisation_id and type_ in endpoint.events
            ]
            for start in range(0, len(wanted), size):
                chunk = wanted[start : start + size]
                deliveries.append(
                    WebhookDelivery(
                        endpoint=endpoint,
                        body="[" + ",".join(text for _type, text in chunk) + "]",
                        event_count=len(chunk),
                        event_types=sorted({type_ for type_, _text in chunk}),
                    )
                )
        WebhookDelivery.objects.bulk_create(deliveries)
        WebhookEvent.objects.filter(pk__in=[row.pk for row in rows]).delete()
        if deliveries:
            enqueue_on_commit(tasks.send_webhook_deliveries)
        if len(rows) == limit:
            enqueue_on_commit(tasks.dispatch_webhook_events)  # more are waiting
    return len(deliveries)


# --- Sending: claims with leases, attempts, retries -----------------------------------------


def claim_due_deliveries(limit: int = 20, now: datetime | None = None) -> list[WebhookDelivery]:
    """Lease up to ``limit`` due deliveries to one worker for WEBHOOK_LEASE_SECONDS.

    A worker that dies before recording its attempt leaves a lease that runs out; the
    next run takes the delivery again (at-least-once: receivers dedupe by ``webhook-id``).
    """
    now = now or timezone.now()
    claim = secrets.token_hex(8)
    with transaction.atomic():
        due = (
            WebhookDelivery.objects.filter(
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at__lte=now,
                endpoint__status=WebhookEndpoint.Status.ACTIVE,
            )
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=ids).update(
            lease_until=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS), claim=claim
        )
    return list(
        WebhookDelivery.objects.filter(pk__in=ids, claim=claim)
        .select_related("endpoint")
        .order_by("pk")
    )


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 10 s, 20 s, 40 s, ... doubling, at most 4 hours."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 4 * 3600))


def record_attempt(
    *, delivery: WebhookDelivery, claim: str, result: Result, now: datetime | None = None
) -> bool:
    """Keep what happened; schedule the retry or give up. False if the lease was lost."""
    now = now or timezone.now()
    give_up_after = timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    with transaction.atomic():
        current = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery.pk, claim=claim, status=WebhookDelivery.Status.PENDING)
            .defer("body")  # neither read nor written again
            .first()
        )
        if current is None:  # the lease ran out and another run took it
            return False
        DeliveryAttempt.objects.create(
            delivery=current,
            at=now,
            succeeded=result.succeeded,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
        current.attempts += 1
        current.last_status_code = result.status_code
        current.lease_until, current.claim = None, ""
        if result.succeeded:
            current.status, current.delivered_at = WebhookDelivery.Status.SUCCEEDED, now
            WebhookEndpoint.objects.filter(
                pk=current.endpoint_id, failing_since__isnull=False
            ).update(failing_since=None)
        else:
            if now - current.created_at >= give_up_after:
                current.status = WebhookDelivery.Status.FAILED
            else:
                current.next_attempt_at = now + retry_delay(current.attempts)
            _note_failure(current.endpoint_id, now)
        current.save(
            update_fields=[
                "attempts", "last_status_code", "lease_until", "claim", "status",
                "delivered_at", "next_attempt_at",
            ]
        )  # fmt: skip
    return True


def _note_failure(endpoint_id: int, now: datetime) -> None:
    """Failing for WEBHOOK_DISABLE_AFTER_HOURS without a success: disable, tell the owners."""
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(
        failing_since=now
    )
    cutoff = now - timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint_id, status=WebhookEndpoint.Status.ACTIVE, failing_since__lte=cutoff
    ).update(status=WebhookEndpoint.Status.DISABLED, disabled_at=now)
    if disabled:
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id, status=WebhookDelivery.Status.PENDING
        ).update(status=WebhookDelivery.Status.FAILED, lease_until=None, claim="")
        _forget_listeners()
        enqueue_on_commit(tasks.tell_owners_endpoint_disabled, endpoint_id)


def redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's events again, as a new delivery (the event ids stay the same)."""
    if not delivery.endpoint.is_active:
        raise ActionError(_("This endpoint is disabled: enable it first."), status=409)
    again = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        body=delivery.body,
        event_count=delivery.event_count,
        event_types=delivery.event_types,
        redelivery_of=delivery,
    )
    enqueue_on_commit(tasks.send_webhook_deliveries)
    return again
