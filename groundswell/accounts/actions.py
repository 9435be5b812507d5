from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.accounts import tasks
from groundswell.accounts.models import (
    VERIFY_MAX_AGE,
    VERIFY_SALT,
    Invitation,
    Membership,
    Organisation,
    User,
)
from groundswell.core.errors import ActionError, LinkInvalid
from groundswell.core.tasks import enqueue_on_commit
from groundswell.moderation import actions as moderation


def _normalise(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def sign_up(*, name: str, email: str, password: str, organisation_name: str) -> User:
    """Create an inactive account and its organisation; mail the verification link."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                _normalise(email), password, name=name.strip(), is_active=False
            )
    except IntegrityError:
        raise ActionError(
            "An account with this email address already exists. Log in instead."
        ) from None
    create_organisation(name=organisation_name, owner=user)
    enqueue_on_commit(tasks.send_verification_email, user.pk)
    return user


def create_organisation(*, name: str, owner: User) -> Organisation:
    organisation = Organisation.objects.create(
        name=name.strip(), slug=Organisation.unique_slug(name)
    )
    Membership.objects.create(user=owner, organisation=organisation, role=Membership.Role.OWNER)
    return organisation


@transaction.atomic
def verify_email(*, token: str) -> User:
    try:
        pk = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkInvalid("This link has expired. Sign up again to get a new one.") from None
    except signing.BadSignature:
        raise LinkInvalid("This link is not valid. Check that you copied all of it.") from None
    user = User.objects.select_for_update().filter(pk=pk).first()
    if user is None:
        raise LinkInvalid("This account no longer exists.")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.is_active = True
        user.save(update_fields=["email_verified_at", "is_active"])
    return user


@transaction.atomic
def invite_member(
    *, organisation: Organisation, email: str, role: str, invited_by: User
) -> Invitation:
    email = _normalise(email)
    if organisation.memberships.filter(user__email=email).exists():
        raise ActionError(f"{email} is already a member of {organisation}.")
    invitation = Invitation.objects.create(
        organisation=organisation, email=email, role=role, invited_by=invited_by
    )
    moderation.record(
        actor=invited_by,
        action=moderation.Action.MEMBER_INVITED,
        subject=f"{email} to {organisation} as {role}",
    )
    enqueue_on_commit(tasks.send_invitation_email, invitation.pk)
    return invitation


def invitation_from_token(token: str) -> Invitation:
    try:
        pk = signing.loads(token, salt=Invitation.SALT, max_age=Invitation.MAX_AGE)
    except signing.SignatureExpired:
        raise LinkInvalid("This invitation has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise LinkInvalid("This invitation link is not valid.") from None
    invitation = Invitation.objects.select_related("organisation").filter(pk=pk).first()
    if invitation is None or invitation.accepted_at is not None:
        raise LinkInvalid("This invitation has already been used or was withdrawn.")
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    invitation = invitation_from_token(token)
    if user.email != invitation.email:
        raise ActionError(
            f"This invitation was sent to {invitation.email}. Log in with that address to accept."
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    if created:
        moderation.record(
            actor=user,
            action=moderation.Action.MEMBER_JOINED,
            subject=f"{user.email} in {invitation.organisation} as {membership.role}",
            reason=f"invited by {invitation.invited_by.email}",
        )
    return membership


@transaction.atomic
def sign_up_from_invitation(*, token: str, name: str, password: str) -> User:
    """The invitation link proved the address, so the new account is active at once."""
    invitation = invitation_from_token(token)
    if User.objects.filter(email=invitation.email).exists():
        raise ActionError("An account with this email address exists: log in to accept.")
    user = User.objects.create_user(
        invitation.email, password, name=name.strip(), email_verified_at=timezone.now()
    )
    accept_invitation(token=token, user=user)
    return user
