"""Background work of the help programme. Tasks take row ids only: a task's arguments are
stored in the task queue's table, so nothing a seeker wrote may ever be one."""

from django.conf import settings
from django.utils import translation
from django_tasks import task

from groundswell.core import emails

ADVISER_NOTICES = {
    "offer": emails.support_adviser_new_offer,
    "accepted": emails.support_adviser_accepted,
    "message": emails.support_adviser_new_message,
}


@task()
def send_adviser_invitation(adviser_id: int) -> None:
    from groundswell.support.models import AdviserProfile

    adviser = (
        AdviserProfile.objects.select_related("programme", "vetted_by")
        .filter(pk=adviser_id, user__isnull=True)
        .first()
    )
    if adviser is not None:
        with translation.override(settings.LANGUAGE_CODE):
            emails.support_adviser_invitation(adviser, adviser.get_join_path())


@task()
def notify_adviser(match_id: int, event: str) -> None:
    """A content-free notice: something is waiting for the adviser. Nothing more."""
    from groundswell.support.models import Match

    match = Match.objects.select_related("adviser__user", "adviser__programme").filter(
        pk=match_id, status__in=Match.LIVE
    )
    match = match.first()
    if match is not None and match.adviser.user is not None:
        # Advisers have no stored language yet: the site's, never the seeker's whose
        # request happened to enqueue this (the immediate backend runs it in that request).
        with translation.override(settings.LANGUAGE_CODE):
            ADVISER_NOTICES[event](match.adviser.user, match.adviser.programme)


@task()
def notify_seeker(request_id: int) -> None:
    """Only for a seeker who chose to leave an address: opened here, at sending time, with
    the server's notification key (docs/privacy.md explains the trade-off). In the language
    of the seeker's pages, stored with the request."""
    from groundswell.support import crypto
    from groundswell.support.models import HelpRequest

    help_request = (
        HelpRequest.objects.filter(pk=request_id, sealed_notify_address__isnull=False)
        .select_related("programme")
        .first()
    )
    if help_request is None:
        return
    private = crypto.notification_keypair().private
    try:
        address = crypto.open_sealed(private, help_request.sealed_notify_address).decode()
    except crypto.Unreadable:
        return  # the pepper changed: the address can no longer be read, by anyone
    with translation.override(help_request.page_language_or_default()):
        emails.support_seeker_notice(address)


@task()
def propose_for_waiting(programme_id: int | None = None) -> int:
    from groundswell.support.actions import propose_for_waiting

    return propose_for_waiting(programme_id=programme_id)


@task()
def purge_expired_help_requests() -> int:
    """Daily: retention, then another try at matching requests that are still waiting."""
    from groundswell.support.actions import propose_for_waiting, purge_expired

    deleted = purge_expired()
    propose_for_waiting()
    return deleted


PERIODIC = [(purge_expired_help_requests, 24 * 3600)]
