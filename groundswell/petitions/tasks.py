from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection as database
from django_tasks import task

from groundswell.core import emails

# One run sends at most this many batches, then hands over to a fresh run, so a backlog
# never keeps the worker from other tasks for long.
MAILER_BATCHES_PER_RUN = 50
# Accepted emails are marked sent in one UPDATE per this many, so that a mailer killed
# mid-batch sends at most this many twice (and its lease brings the rest back).
MARK_SENT_EVERY = 20


@task()
def send_signature_emails() -> int:
    """Send the emails signatures are owed: a confirmation link, or a kind note if counted.

    Over ``MAILER_CONNECTIONS`` SMTP sessions at once, each in a thread that leases its
    own batches (``claim_due_emails`` hands each email to one claimant until its lease
    runs out), so that the mail server's replies to one session are awaited while the
    others send. Inside a
    transaction (a caller that holds one, as tests do), the rows owed may not be committed
    yet, and only this thread's database connection sees them: then it sends them itself.
    """
    sessions = 1 if database.in_atomic_block else max(1, settings.MAILER_CONNECTIONS)
    batches = max(1, MAILER_BATCHES_PER_RUN // sessions)
    if sessions == 1:
        sent, more = _send_for_a_while(batches)
    else:
        with ThreadPoolExecutor(sessions, thread_name_prefix="mailer") as pool:
            shares = list(pool.map(_send_in_a_thread, [batches] * sessions))
        sent, more = sum(n for n, _more in shares), any(more for _n, more in shares)
    if more:
        send_signature_emails.enqueue()  # more are waiting
    return sent


def _send_for_a_while(batches: int) -> tuple[int, bool]:
    """Up to ``batches`` claimed batches over one SMTP session: (sent, whether more wait)."""
    from django.core.mail import get_connection

    from groundswell.petitions.actions import claim_due_emails

    sent, connection = 0, get_connection()
    try:
        for _ in range(batches):
            batch = claim_due_emails()
            if not batch:
                return sent, False
            _send_batch(batch, connection)
            sent += len(batch)
    finally:
        connection.close()
    return sent, True


def _send_in_a_thread(batches: int) -> tuple[int, bool]:
    try:
        return _send_for_a_while(batches)
    finally:
        database.close()  # this thread's own connection


def _send_batch(batch, connection) -> None:
    """Send a claimed batch over ``connection``, marking what the mail server accepted as
    it goes (every ``MARK_SENT_EVERY``); what could not be sent is given back."""
    from groundswell.petitions.actions import mark_emails_sent, release_emails
    from groundswell.petitions.models import Signature

    accepted: list = []
    done = 0
    stamps = emails.SignerStamps()  # each email rendered once per petition and language
    try:
        connection.open()  # one SMTP session for this thread's share (a no-op once open)
        for signature in batch:
            if signature.status == Signature.Status.WITHDRAWN:
                pass  # withdrawn after the claim: we no longer hold the address
            elif signature.status == Signature.Status.PENDING:
                emails.signature_confirmation(signature, connection=connection, stamps=stamps)
            else:
                emails.signature_already_counted(signature, connection=connection, stamps=stamps)
            done += 1
            accepted.append(signature)
            if len(accepted) == MARK_SENT_EVERY:
                mark_emails_sent(accepted)
                accepted = []
    except Exception:
        release_emails(batch[done:])  # the next run tries them again
        raise
    finally:
        mark_emails_sent(accepted)


@task()
def purge_expired_signatures() -> int:
    from groundswell.petitions.actions import purge_expired_signatures

    return purge_expired_signatures()


@task()
def close_past_deadline() -> int:
    from groundswell.petitions.actions import close_past_deadline

    return close_past_deadline()


@task()
def send_personal_data(sealed_email: str, language: str = "") -> None:
    """Everything held under an address, to that address ("My data", docs/privacy.md).

    The address arrives encrypted (``personal_data.seal_address``), since task arguments
    are kept in the queue's table. The report is gathered in the language it is sent in:
    its statuses, dates and other apps' sections are words too.
    """
    from django.utils import translation

    from groundswell.petitions.personal_data import open_address, report_for

    with translation.override(language or translation.get_language()):
        emails.personal_data(report_for(open_address(sealed_email)), language=language or None)


@task()
def warn_of_personal_data_removal(petition_id: int) -> int:
    """Tell a closed petition's organisers that its signers' details go in 14 days."""
    from groundswell.petitions.models import Petition

    petition = Petition.objects.select_related("organisation").filter(pk=petition_id).first()
    if petition is None or petition.personal_data_removed_at is not None:
        return 0
    members = petition.organisation.members.filter(is_active=True)
    for user in members:
        emails.personal_data_removal_warning(petition, to=user.email)
    return len(members)


@task()
def remove_expired_personal_data() -> dict:
    from groundswell.petitions.actions import remove_expired_personal_data

    return remove_expired_personal_data()


@task()
def tally_confirmed() -> int:
    """Bring the insights' tallies up to date (petitions/insights.py)."""
    from groundswell.petitions.insights import tally_confirmed

    return tally_confirmed()


# The mailer's periodic run catches any signature whose wake-up was lost with a process.
PERIODIC = [
    (send_signature_emails, 30),
    (purge_expired_signatures, 3600),
    (close_past_deadline, 600),
    (remove_expired_personal_data, 3600),
    (tally_confirmed, 60),
]
