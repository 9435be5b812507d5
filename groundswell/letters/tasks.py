"""Background work for open letters: the co-signing organisations' emails.

Each send leases its row first (``CoSigner.email_lease_until``, core/leases.py) and
dates it (``emailed_at``) once the mail server took the message; a failed send releases
the lease and a dead worker's lease runs out, so the periodic sweep sends it again.
The letter's delivery, answer links, reminders and answers are the targets app's tasks.
"""

from django.utils import timezone
from django_tasks import task

from groundswell.core import emails


@task()
def send_cosigner_confirmation(cosigner_id: int) -> bool:
    from groundswell.letters import actions

    cosigner = actions.claim_cosigner_confirmation(cosigner_id)
    if cosigner is None:
        return False
    try:
        emails.cosigner_confirmation(cosigner)
    except Exception:
        actions.release_cosigner_email(cosigner)
        raise
    actions.mark_cosigner_emailed(cosigner)
    return True


@task()
def tell_organisers_of_cosigner(cosigner_id: int) -> int:
    """The letter's organisers learn that an organisation waits for their approval."""
    from groundswell.accounts.models import User
    from groundswell.letters.models import CoSigner

    cosigner = CoSigner.objects.select_related("letter").get(pk=cosigner_id)
    organisers = User.objects.filter(
        memberships__organisation_id=cosigner.letter.organisation_id, is_active=True
    ).order_by("pk")
    for user in organisers:
        emails.cosigner_waiting(cosigner, to=user.email)
    return len(organisers)


@task()
def resend_cosigner_confirmations() -> int:
    """Confirmation emails never sent, or whose worker died mid-send."""
    from groundswell.letters.models import CoSigner

    due = CoSigner.objects.confirmation_claimable(timezone.now()).values_list("pk", flat=True)
    sent = 0
    for pk in list(due[:500]):
        sent += send_cosigner_confirmation.call(pk)
    return sent


from groundswell.letters.writing.tasks import PERIODIC as WRITING_PERIODIC  # noqa: E402

PERIODIC = [(resend_cosigner_confirmations, 300), *WRITING_PERIODIC]
