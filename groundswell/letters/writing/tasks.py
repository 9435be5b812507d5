"""The worker's part: confirmation emails to writers and letters to offices, in batches.

Both are drained from their rows (the rows are the queue, ``core.tasks.wake_on_commit``),
over one SMTP session per run, each batch leased first (core/leases.py) and marked sent
only after the mail server accepted it. A worker that dies mid-batch leaves leases that run
out, and the periodic run sends those again: every email at least once.
"""

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection as database
from django_tasks import task

BATCHES_PER_RUN = 50


def _drain(claim, send, mark, release) -> tuple[int, bool]:
    """Over ``MAILER_CONNECTIONS`` SMTP sessions at once, a thread each that claims its own
    batches, as the signature mailer does (petitions/tasks.py); inside a transaction (tests)
    the rows may not be committed, so this thread sends them itself."""
    sessions = 1 if database.in_atomic_block else max(1, settings.MAILER_CONNECTIONS)
    if sessions == 1:
        return _drain_one_session(claim, send, mark, release)
    with ThreadPoolExecutor(sessions, thread_name_prefix="letters-mailer") as pool:
        shares = [
            pool.submit(_in_a_thread, claim, send, mark, release) for _session in range(sessions)
        ]
        results = [share.result() for share in shares]
    return sum(n for n, _more in results), any(more for _n, more in results)


def _in_a_thread(claim, send, mark, release) -> tuple[int, bool]:
    try:
        return _drain_one_session(claim, send, mark, release)
    finally:
        database.close()  # this thread's own connection


def _drain_one_session(claim, send, mark, release) -> tuple[int, bool]:
    from django.core.mail import get_connection

    sent, connection = 0, get_connection()
    try:
        for _ in range(max(1, BATCHES_PER_RUN // max(1, settings.MAILER_CONNECTIONS))):
            batch = claim()
            if not batch:
                return sent, False
            accepted = []
            try:
                connection.open()
                for item in batch:
                    send(item, connection)
                    accepted.append(item)
            except Exception:
                release([_row(i) for i in batch[len(accepted) :]])
                raise
            finally:
                mark([_row(i) for i in accepted])
            sent += len(batch)
    finally:
        connection.close()
    return sent, True


def _row(item):
    return item[0] if isinstance(item, tuple) else item


@task()
def send_writer_confirmations() -> int:
    from groundswell.letters.writing import actions, emails

    sent, more = _drain(
        actions.claim_confirmations,
        lambda writer, connection: emails.writer_confirmation(writer, connection=connection),
        actions.mark_confirmations_sent,
        actions.release_confirmations,
    )
    if more:
        send_writer_confirmations.enqueue()
    return sent


@task()
def send_official_letters() -> int:
    from groundswell.letters.writing import actions, emails

    def send(item, connection):
        letter, token = item
        emails.letter_to_office(letter, token=token, connection=connection)

    sent, more = _drain(
        actions.claim_letter_emails, send, actions.mark_letters_sent, actions.release_letters
    )
    if more:
        send_official_letters.enqueue()
    return sent


@task()
def purge_unconfirmed_writers() -> int:
    from groundswell.letters.writing import actions

    return actions.purge_unconfirmed_writers()


# The periodic runs catch a wake-up lost with a process, and leases that ran out.
PERIODIC = [
    (send_writer_confirmations, 60),
    (send_official_letters, 60),
    (purge_unconfirmed_writers, 3600),
]
