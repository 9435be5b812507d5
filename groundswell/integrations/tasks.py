from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django_tasks import task

from groundswell.core import emails

# One run sends at most this many claimed batches, then hands over to a fresh run.
SENDER_BATCHES_PER_RUN = 50


@task(queue_name="webhooks")
def dispatch_webhook_events() -> int:
    """Outbox rows to deliveries (woken at most once per WEBHOOK_BATCH_SECONDS per process)."""
    from groundswell.integrations.actions import dispatch_events

    return dispatch_events()


@task(queue_name="webhooks")
def send_webhook_deliveries() -> int:
    """Send due deliveries, WEBHOOK_CONNECTIONS at once; record each attempt."""
    from groundswell.integrations import sending
    from groundswell.integrations.actions import claim_due_deliveries, record_attempt

    sent = 0
    with ThreadPoolExecutor(max(1, settings.WEBHOOK_CONNECTIONS)) as pool:
        for _ in range(SENDER_BATCHES_PER_RUN):
            batch = claim_due_deliveries(limit=4 * settings.WEBHOOK_CONNECTIONS)
            if not batch:
                return sent

            def send(delivery):
                endpoint = delivery.endpoint
                return sending.deliver(
                    url=endpoint.url,
                    message_id=delivery.message_id,
                    events_json=delivery.body,
                    secrets=endpoint.signing_secrets(),
                )

            for delivery, result in zip(batch, pool.map(send, batch), strict=True):
                record_attempt(delivery=delivery, claim=delivery.claim, result=result)
                sent += 1
    send_webhook_deliveries.enqueue()  # more are waiting
    return sent


@task()
def tell_owners_endpoint_disabled(endpoint_id: int) -> None:
    from groundswell.accounts.models import Membership
    from groundswell.integrations.models import WebhookEndpoint

    endpoint = (
        WebhookEndpoint.objects.select_related("organisation")
        .filter(pk=endpoint_id, status=WebhookEndpoint.Status.DISABLED)
        .first()
    )
    if endpoint is None:
        return
    owners = Membership.objects.filter(
        organisation=endpoint.organisation, role=Membership.Role.OWNER
    ).select_related("user")
    for membership in owners:
        emails.webhook_endpoint_disabled(endpoint, to=membership.user.email)


# Retries come due on their own; the dispatcher's run catches wake-ups lost with a process.
PERIODIC = [(dispatch_webhook_events, 10), (send_webhook_deliveries, 10)]
