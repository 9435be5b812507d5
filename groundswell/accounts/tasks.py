import functools

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from groundswell.core import emails


def in_askers_language(send):
    """The email reads in the language of the page the person asked from (the task's
    ``language``, given by the action); the site's own for a task queued without one."""

    @functools.wraps(send)
    def in_language(*args, language: str = "", **kwargs):
        with translation.override(language or settings.LANGUAGE_CODE):
            return send(*args, **kwargs)

    return in_language


@task()
@in_askers_language
def send_verification_email(user_id: int) -> None:
    from groundswell.accounts.models import User

    user = User.objects.filter(pk=user_id, email_verified_at__isnull=True).first()
    if user is not None:
        emails.email_verification(
            user, reverse("accounts:verify_email", args=[user.verification_token()])
        )


@task()
@in_askers_language
def send_invitation_email(invitation_id: int) -> None:
    from groundswell.accounts.models import Invitation

    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is not None:
        emails.invitation(invitation, invitation.get_accept_path())


@task()
@in_askers_language
def send_unlock_email(user_id: int, generation: int) -> None:
    from groundswell.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        emails.login_unlock(user, reverse("accounts:unlock", args=[user.unlock_token(generation)]))


@task()
@in_askers_language
def send_sign_up_attempt_email(user_id: int) -> None:
    """Someone signed up with an address that has an account: tell its owner, not them.

    An account still waiting for its address to be confirmed gets the link again instead.
    """
    from groundswell.accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    if user.email_verified_at is None:
        send_verification_email.call(user.pk)
    elif user.is_active:
        emails.sign_up_attempt(user, reverse("accounts:login"))


@task()
@in_askers_language
def send_password_reset_email(user_id: int) -> None:
    from groundswell.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        path = reverse("accounts:password_reset_confirm", args=[user.password_reset_token()])
        emails.password_reset(user, path)


@task()
@in_askers_language
def send_email_change_email(user_id: int, new_email: str) -> None:
    """The link goes to the new address; an address another account uses is told so."""
    from groundswell.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    if User.objects.filter(email=new_email).exists():
        emails.email_change_taken(user, new_email)
    else:
        path = reverse("accounts:confirm_email_change", args=[user.email_change_token(new_email)])
        emails.email_change(user, new_email, path)


@task()
@in_askers_language
def send_email_changed_notice(user_id: int, old_email: str) -> None:
    from groundswell.accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        emails.email_changed(user, old_email)


@task()
def purge_expired_sessions() -> None:
    from groundswell.accounts import actions

    actions.purge_expired_sessions()


PERIODIC = [(purge_expired_sessions, 3600)]
