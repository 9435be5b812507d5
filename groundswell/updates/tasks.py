from django_tasks import task


@task()
def fan_out_mailing(mailing_id: int) -> int:
    """One recipient row and one send task per signer who wants updates; safe to run twice."""
    from groundswell.updates.actions import fan_out_mailing

    return fan_out_mailing(mailing_id)


@task()
def send_update_to_signer(recipient_id: int) -> bool:
    """Mail one recipient of a mailing, unless they were mailed already or unsubscribed."""
    from groundswell.updates.actions import send_to_recipient

    return send_to_recipient(recipient_id)


@task()
def send_test_update(update_id: int, email: str) -> None:
    from groundswell.core import emails
    from groundswell.updates.models import Update

    update = Update.objects.with_links().filter(pk=update_id).first()
    if update is not None:
        emails.petition_update_test(update, to=email)


@task()
def publish_due_updates() -> int:
    from groundswell.updates.actions import publish_due_updates

    return publish_due_updates()


@task()
def start_due_mailings() -> int:
    from groundswell.updates.actions import start_due_mailings

    return start_due_mailings()


@task()
def record_milestones() -> int:
    from groundswell.updates.actions import record_milestones

    return record_milestones()


@task()
def resend_abandoned_copies() -> int:
    """Copies of a mailing whose sender died mid-send (its lease ran out): send them again."""
    from groundswell.updates.actions import resend_abandoned_copies

    return resend_abandoned_copies()


PERIODIC = [
    (publish_due_updates, 60),
    (start_due_mailings, 60),
    (record_milestones, 60),
    (resend_abandoned_copies, 300),
]
