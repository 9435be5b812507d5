"""Background work for deliveries: the emails to targets and organisers, and two periodic jobs.

Every task may run twice (a retry, a second scheduler): each claims its row first and does
nothing if the claim fails. An email is claimed with a lease (``Delivery.email_lease_until``,
``Reminder.lease_until``; groundswell/core/leases.py) and marked sent (``emailed_at``,
``sent_at``) once the mail server took it; a failed send releases the lease, and a lease
whose worker died runs out, so that the next run tries again. ``Answer.announced_at`` is
claimed in the same transaction as the update it posts.
"""

from django_tasks import task

from groundswell.core import emails


def _organisers(petition):
    from groundswell.accounts.models import User

    return User.objects.filter(
        memberships__organisation_id=petition.organisation_id, is_active=True
    ).order_by("pk")


@task()
def send_delivery(delivery_id: int) -> bool:
    """Email the target the PDF, the CSV and a fresh private answer link."""
    from groundswell.targets import actions, documents

    delivery = actions.claim_delivery_email(delivery_id)
    if delivery is None:
        return False
    try:
        petition = delivery.petition
        data = documents.breakdown(petition)
        targets = list(petition.targets.order_by("petitiontarget__position"))
        pdf = documents.delivery_pdf(petition, targets, data, delivery.delivered_at)
        csv = documents.delivery_csv(petition)
        actions.record_signature_count(delivery, data.count)
        link = actions.new_answer_link(delivery)
        emails.delivery_to_target(delivery, link=link, pdf=pdf, csv=csv)
    except BaseException:
        actions.release_delivery_email(delivery)
        raise
    actions.mark_delivery_emailed(delivery)
    return True


@task()
def send_reminder(reminder_id: int) -> bool:
    from groundswell.targets import actions

    reminder = actions.claim_reminder(reminder_id)
    if reminder is None:
        return False
    try:
        link = actions.new_answer_link(reminder.delivery)
        emails.delivery_reminder(reminder, link=link)
    except BaseException:
        actions.release_reminder(reminder)
        raise
    actions.mark_reminder_sent(reminder)
    return True


@task()
def tell_organisers_delivered(delivery_ids: list[int]) -> None:
    from groundswell.targets.models import Delivery

    deliveries = list(
        Delivery.objects.filter(pk__in=delivery_ids).select_related("petition", "target")
    )
    if not deliveries:
        return
    for user in _organisers(deliveries[0].petition):
        emails.petition_delivered(deliveries, to=user.email)


@task()
def tell_organisers_answered(delivery_id: int) -> None:
    from groundswell.targets.models import Delivery

    delivery = (
        Delivery.objects.select_related("petition", "target", "answer")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return
    for user in _organisers(delivery.petition):
        emails.target_answered(delivery, to=user.email)


@task()
def announce_answer(delivery_id: int, email_signers: bool) -> bool:
    from groundswell.targets import actions

    return actions.announce_answer(delivery_id=delivery_id, email_signers=email_signers)


@task()
def deliver_at_threshold() -> int:
    from groundswell.targets import actions

    return actions.deliver_at_threshold()


@task()
def send_due_reminders() -> int:
    from groundswell.targets import actions

    due = actions.schedule_reminders()
    for reminder_id in due:
        send_reminder.enqueue(reminder_id)
    return len(due)


@task()
def resend_abandoned_deliveries() -> int:
    """Delivery emails whose sender died mid-send (its lease ran out): send them again."""
    from groundswell.targets import actions

    abandoned = actions.free_abandoned_delivery_emails()
    for delivery_id in abandoned:
        send_delivery.enqueue(delivery_id)
    return len(abandoned)


# send_due_reminders also sends every reminder not sent yet, one whose sender died included.
PERIODIC = [
    (deliver_at_threshold, 300),
    (send_due_reminders, 3600),
    (resend_abandoned_deliveries, 300),
]
