from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from groundswell.accounts import tasks, throttle, tokens
from groundswell.accounts.models import (
    EMAIL_CHANGE_MAX_AGE,
    RESET_MAX_AGE,
    VERIFY_MAX_AGE,
    AccountSession,
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
def sign_up(*, name: str, email: str, password: str, organisation_name: str) -> User | None:
    """Create an inactive account and its organisation; mail the verification link.

    For an address that already has an account the answer is the same (nothing here says
    which happened) and its owner is told by email instead: None is returned.
    """
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                _normalise(email), password, name=name.strip(), is_active=False
            )
    except IntegrityError:
        existing = User.objects.get(email=_normalise(email))
        enqueue_on_commit(
            tasks.send_sign_up_attempt_email, existing.pk, language=translation.get_language()
        )
        return None
    create_organisation(name=organisation_name, owner=user)
    enqueue_on_commit(tasks.send_verification_email, user.pk, language=translation.get_language())
    return user


def create_organisation(*, name: str, owner: User, slug: str = "") -> Organisation:
    """``slug``: a fixed address (the demo data's); otherwise one made from the name."""
    organisation = Organisation.objects.create(
        name=name.strip(), slug=slug or Organisation.unique_slug(name)
    )
    Membership.objects.create(user=owner, organisation=organisation, role=Membership.Role.OWNER)
    return organisation


@transaction.atomic
def verify_email(*, token: str) -> User:
    """Activate the account the link names. The link works once: it is not a login link."""
    payload = tokens.read(token, "verify", VERIFY_MAX_AGE)
    user = User.objects.select_for_update().filter(pk=payload["u"]).first()
    if user is None:
        raise LinkInvalid(_("This account no longer exists."))
    tokens.check_unused(
        payload,
        "verify",
        user.verification_state(),
        used=_("This link has already been used: your address is confirmed. Log in instead."),
    )
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
    enqueue_on_commit(
        tasks.send_invitation_email, invitation.pk, language=translation.get_language()
    )
    return invitation


def invitation_from_token(token: str) -> Invitation:
    try:
        pk = signing.loads(token, salt=Invitation.SALT, max_age=Invitation.MAX_AGE)
    except signing.SignatureExpired:
        raise LinkInvalid(_("This invitation has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise LinkInvalid(_("This invitation link is not valid.")) from None
    invitation = Invitation.objects.select_related("organisation").filter(pk=pk).first()
    if invitation is None or invitation.accepted_at is not None:
        raise LinkInvalid(_("This invitation has already been used or was withdrawn."))
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    invitation = invitation_from_token(token)
    if user.email != invitation.email:
        raise ActionError(
            _("This invitation was sent to %(email)s. Log in with that address to accept.")
            % {"email": invitation.email}
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
        raise ActionError(_("An account with this email address exists: log in to accept."))
    user = create_verified_account(email=invitation.email, password=password, name=name)
    accept_invitation(token=token, user=user)
    return user


def create_verified_account(
    *, email: str, password: str, name: str, is_staff: bool = False
) -> User:
    """An active account for an address already proven by a link we sent (an invitation,
    an adviser's enrolment) or made up for the demo data."""
    return User.objects.create_user(
        email, password, name=name.strip(), email_verified_at=timezone.now(), is_staff=is_staff
    )


# --- Login locks (accounts/throttle.py) ------------------------------------------------------


def offer_unlock(*, email: str, generation: int) -> None:
    """Mail an unlock link to the owner of a locked account, if there is one."""
    user = User.objects.filter(email=_normalise(email), is_active=True).first()
    if user is not None:
        enqueue_on_commit(
            tasks.send_unlock_email, user.pk, generation, language=translation.get_language()
        )


def unlock_login(*, token: str) -> User:
    """Follow an unlock link: the account's failure counts start again. Works once."""
    payload = tokens.read(token, "unlock", settings.GROUNDSWELL["LOGIN_LOCK_SECONDS"])
    user = User.objects.filter(pk=payload["u"], is_active=True).first()
    if user is None:
        raise LinkInvalid(_("This account no longer exists."))
    gen = throttle.generation(throttle.account_key(user.email))
    tokens.check_unused(
        payload, "unlock", str(gen), used=_("This link has already been used: log in now.")
    )
    throttle.unlock(user.email, gen)
    return user


# --- Two-factor login ------------------------------------------------------------------------

RECOVERY_CODES = 10
WRONG_CODE = gettext_lazy("That code did not match. Check your app's clock and try the new code.")


def two_factor_device(*, user: User, name: str = "Authenticator") -> TOTPDevice:
    """The authenticator being set up: one unconfirmed TOTP device per user."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=name, confirmed=False)


@transaction.atomic
def confirm_two_factor(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """The first code from the new authenticator: it is confirmed, with ten recovery codes."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(code.strip().replace(" ", "")):
        raise ActionError(WRONG_CODE, status=422)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, new_recovery_codes(user=user)


@transaction.atomic
def new_recovery_codes(*, user: User) -> list[str]:
    """Ten single-use codes for when the authenticator is lost; any earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def turn_off_two_factor(*, user: User) -> None:
    """Only for those who may go without: staff and exporters keep theirs."""
    if user.needs_two_factor():
        raise ActionError(
            _(
                "Your account needs two-factor login: it can download supporters' details, "
                "coordinate help or act as staff."
            ),
            status=403,
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def check_second_factor(*, user: User, code: str):
    """The device that accepts ``code`` (an authenticator code, or a recovery code, which is
    used up), or ActionError."""
    code = code.strip().replace(" ", "").replace("-", "").lower()
    device = match_token(user, code) if code else None
    if device is None:
        raise ActionError(_("That code is not right. Try the newest code, or a recovery code."))
    return device


# --- Sessions ------------------------------------------------------------------------------

SESSION_RECORD = "accounts.session"  # the session's AccountSession id, kept in the session


def record_session(*, user: User, session_key: str, user_agent: str, ip: str | None) -> int:
    record = AccountSession.objects.create(
        user=user, session_key=session_key, user_agent=user_agent[:200], ip=ip or None
    )
    return record.pk


def _end_sessions(records) -> int:
    keys = list(records.values_list("session_key", flat=True))
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        session_store(session_key=key).delete()
    records.delete()
    return len(keys)


def revoke_session(*, user: User, record_id: int) -> None:
    """Log one of the user's browsers out (at its next request, at the latest)."""
    records = AccountSession.objects.filter(user=user, pk=record_id)
    if not records.exists():
        raise ActionError(_("That session has already ended."), status=404)
    _end_sessions(records)


def end_other_sessions(*, user: User, keep: int | None) -> int:
    return _end_sessions(AccountSession.objects.filter(user=user).exclude(pk=keep))


@transaction.atomic
def change_password(*, user: User, password: str, current_session: int | None) -> None:
    """A new password ends every other session (the view keeps the current one)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    end_other_sessions(user=user, keep=current_session)


def purge_expired_sessions() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return AccountSession.objects.filter(last_seen_at__lt=cutoff).delete()[0]


# --- Password reset and email change ---------------------------------------------------------


def request_password_reset(*, email: str) -> None:
    """Mail a reset link if the address has an account; the caller answers the same anyway."""
    user = User.objects.filter(email=_normalise(email), is_active=True).first()
    if user is not None:
        enqueue_on_commit(
            tasks.send_password_reset_email, user.pk, language=translation.get_language()
        )


def user_for_password_reset(token: str) -> User:
    payload = tokens.read(token, "reset", RESET_MAX_AGE)
    user = User.objects.filter(pk=payload["u"], is_active=True).first()
    if user is None:
        raise LinkInvalid(_("This account no longer exists."))
    tokens.check_unused(
        payload,
        "reset",
        user.password_reset_state(),
        used=_("This link has already been used. Ask for a new one if you need it."),
    )
    return user


@transaction.atomic
def reset_password(*, token: str, password: str) -> User:
    """Set the new password; every session ends, and any login lock on the account too
    (the link proved the mailbox). Two-factor is still asked at the next login."""
    user = user_for_password_reset(token)
    user.set_password(password)
    user.save(update_fields=["password"])
    end_other_sessions(user=user, keep=None)
    key = throttle.account_key(user.email)
    throttle.unlock(user.email, throttle.generation(key))
    return user


def request_email_change(*, user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address. Nothing changes until it is followed."""
    new_email = _normalise(new_email)
    if new_email == user.email:
        raise ActionError(_("That is already your address."), status=422)
    enqueue_on_commit(
        tasks.send_email_change_email, user.pk, new_email, language=translation.get_language()
    )


@transaction.atomic
def change_email(*, token: str) -> User:
    payload = tokens.read(token, "email", EMAIL_CHANGE_MAX_AGE)
    user = User.objects.select_for_update().filter(pk=payload["u"], is_active=True).first()
    if user is None:
        raise LinkInvalid(_("This account no longer exists."))
    tokens.check_unused(payload, "email", user.email)
    old, new = user.email, payload.get("new", "")
    if User.objects.filter(email=new).exists():
        raise ActionError(_("Another account uses that address now, so it cannot be yours."))
    user.email, user.email_verified_at = new, timezone.now()
    user.save(update_fields=["email", "email_verified_at"])
    enqueue_on_commit(
        tasks.send_email_changed_notice, user.pk, old, language=translation.get_language()
    )
    return user


def set_signer_retention(*, organisation: Organisation, months: int) -> Organisation:
    """How long signers' personal data is kept after a petition closes (docs/privacy.md)."""
    if not 1 <= months <= 60:
        raise ActionError(_("Choose between 1 and 60 months."))
    organisation.signer_retention_months = months
    organisation.save(update_fields=["signer_retention_months"])
    return organisation


def forget_session_record(*, record: AccountSession) -> None:
    """The browser logged out, or another account logged in over it."""
    record.delete()


def touch_session_record(*, record: AccountSession, session_key: str, now) -> None:
    """The browser was seen (``last_seen_at``), perhaps under a new session key."""
    AccountSession.objects.filter(pk=record.pk).update(last_seen_at=now, session_key=session_key)


# --- Groups (the moderation app's "Moderators", the demo data) ---------------------------


def add_to_group(*, user: User, group: Group) -> None:
    user.groups.add(group)


def remove_from_group(*, user: User, group: Group) -> None:
    user.groups.remove(group)


# --- Authenticators set up elsewhere (the help programme's advisers, the demo data) -------


def new_authenticator_accepting(*, user: User, code: str) -> TOTPDevice:
    """The authenticator being set up, if ``code`` is its current code; ActionError if not.

    Call it outside a transaction that a wrong code rolls back: django-otp counts failures
    on the device, and that count must stay.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(code):
        raise ActionError(WRONG_CODE, status=422)
    return device


def confirm_authenticator(*, device: TOTPDevice) -> TOTPDevice:
    """Log in with it from now on (no recovery codes: ``confirm_two_factor`` adds those)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def add_confirmed_authenticator(*, user: User, name: str, key: str) -> TOTPDevice:
    """An authenticator whose key is already known: the demo data's published one."""
    return TOTPDevice.objects.create(user=user, name=name, key=key, confirmed=True)
