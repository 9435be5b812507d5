"""Every write in the help programme goes through here.

Seekers' words are sealed before they reach a model; no function here logs, audits or
enqueues anything a seeker wrote. Tasks receive row ids only.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from groundswell.accounts import actions as accounts
from groundswell.accounts.models import Organisation, User
from groundswell.core.errors import ActionError, LinkInvalid
from groundswell.core.slugs import unique_slug
from groundswell.core.tasks import enqueue_on_commit
from groundswell.moderation import actions as moderation
from groundswell.support import crypto, tasks
from groundswell.support.matching import candidates
from groundswell.support.models import (
    AdviserKey,
    AdviserProfile,
    AuditEntry,
    HelpRequest,
    Match,
    Message,
    Programme,
    SeekerSession,
    employer_hash,
)


class Conflict(ActionError):
    """Someone else (or another tab) changed this first."""

    status = 409


def _today():
    return timezone.now().date()


def audit(*, actor: User | None, programme: Programme | None, action: str, detail: str = ""):
    """Record a coordinator's read or change. ``detail`` names people and fields, never
    anything a seeker wrote, and never a request."""
    AuditEntry.objects.create(programme=programme, actor=actor, action=action, detail=detail[:300])


# --- Programmes -----------------------------------------------------------------------------


# Paths of the help programme's own pages, which a programme's slug must not shadow.
RESERVED_SLUGS = {"return", "receipt", "request", "adviser", "coordinate"}


def _unique_slug(name: str) -> str:
    return unique_slug(Programme.objects, name, fallback="help", reserved=RESERVED_SLUGS)


@transaction.atomic
def create_programme(
    *,
    organisation: Organisation,
    by: User,
    name: str,
    description: str,
    languages: list[str],
    intake_questions: str = "",
    unmatched_days: int = 30,
    inactive_days: int = 90,
) -> Programme:
    programme = Programme.objects.create(
        organisation=organisation,
        name=name.strip(),
        slug=_unique_slug(name),
        description=description.strip(),
        intake_questions=intake_questions.strip(),
        languages=languages,
        unmatched_days=unmatched_days,
        inactive_days=inactive_days,
    )
    audit(actor=by, programme=programme, action="programme.created", detail=programme.name)
    return programme


PROGRAMME_FIELDS = (
    "name",
    "description",
    "intake_questions",
    "languages",
    "unmatched_days",
    "inactive_days",
    "status",
)


@transaction.atomic
def update_programme(*, programme: Programme, by: User, **changes) -> Programme:
    changed = [name for name in PROGRAMME_FIELDS if name in changes]
    changed = [name for name in changed if getattr(programme, name) != changes[name]]
    for name in changed:
        setattr(programme, name, changes[name])
    programme.save()
    audit(actor=by, programme=programme, action="programme.changed", detail=", ".join(changed))
    return programme


# --- Advisers: invitation, vetting, enrolment -----------------------------------------------


ADVISER_FIELDS = (
    "display_name",
    "qualifications",
    "skills",
    "sectors",
    "languages",
    "time_zone",
    "capacity",
    "ties",
    "vetting_note",
)


@transaction.atomic
def invite_adviser(*, programme: Programme, by: User, email: str, **profile) -> AdviserProfile:
    """The coordinator has vetted this person (``vetting_note`` says how) and invites them."""
    email = email.strip().lower()
    try:
        with transaction.atomic():
            adviser = AdviserProfile.objects.create(
                programme=programme, email=email, vetted_by=by, **profile
            )
    except IntegrityError:
        raise ActionError(
            _("%(email)s is already an adviser in this programme.") % {"email": email}
        ) from None
    audit(actor=by, programme=programme, action="adviser.invited", detail=email)
    moderation.record(
        actor=by,
        action=moderation.Action.ADVISER_VETTED,
        subject=f"adviser {email} in {programme.name}",
        reason=adviser.vetting_note,
    )
    enqueue_on_commit(tasks.send_adviser_invitation, adviser.pk)
    return adviser


@transaction.atomic
def update_adviser(*, adviser: AdviserProfile, by: User, **changes) -> AdviserProfile:
    status = changes.pop("status", adviser.status)
    changed = [n for n in ADVISER_FIELDS if n in changes and getattr(adviser, n) != changes[n]]
    for name in changed:
        setattr(adviser, name, changes[name])
    if status != adviser.status:
        if status == AdviserProfile.Status.ACTIVE and adviser.status == adviser.Status.INVITED:
            raise ActionError(_("An adviser becomes active by finishing their own set-up."))
        changed.append(f"status {adviser.status}→{status}")
        adviser.status = status
    adviser.save()
    if adviser.status == AdviserProfile.Status.REMOVED:
        for match in adviser.matches.filter(status__in=Match.LIVE).select_related("request"):
            _withdraw(match)
    audit(
        actor=by,
        programme=adviser.programme,
        action="adviser.changed",
        detail=f"{adviser.email}: {', '.join(changed) or 'nothing'}",
    )
    if changed:
        moderation.record(
            actor=by,
            action=moderation.Action.ADVISER_CHANGED,
            subject=f"adviser {adviser.email} in {adviser.programme.name}",
            reason=", ".join(changed),
        )
    enqueue_on_commit(tasks.propose_for_waiting, adviser.programme_id)
    return adviser


def adviser_from_token(token: str) -> AdviserProfile:
    try:
        pk = signing.loads(
            token, salt=AdviserProfile.INVITE_SALT, max_age=AdviserProfile.INVITE_MAX_AGE
        )
    except signing.SignatureExpired:
        raise LinkInvalid(
            _("This invitation has expired. Ask the coordinator for a new one.")
        ) from None
    except signing.BadSignature:
        raise LinkInvalid(_("This invitation link is not valid.")) from None
    adviser = AdviserProfile.objects.select_related("programme").filter(pk=pk).first()
    if adviser is None or adviser.user_id is not None:
        raise LinkInvalid(_("This invitation has already been used or was withdrawn."))
    return adviser


@dataclass
class Enrolment:
    user: User
    private_key: bytes
    recovery_code: str = ""  # only for a new key: shown once
    needs_two_factor: bool = True


def _new_adviser_key(user: User, password: str) -> tuple[bytes, str]:
    pair, recovery_code = crypto.new_keypair(), crypto.new_code()
    key = AdviserKey(user=user, public_key=pair.public)
    key.wrap_with_password(pair.private, password)
    key.wrap_with_recovery(pair.private, recovery_code)
    key.save()
    return pair.private, recovery_code


@transaction.atomic
def join_as_adviser(*, token: str, password: str, name: str = "") -> Enrolment:
    """Accept an invitation: an account (or the existing one, by its password), a key pair
    wrapped under the password and a recovery code, and a two-factor device to confirm."""
    adviser = adviser_from_token(token)
    user = User.objects.filter(email=adviser.email).first()
    if user is None:
        if not name.strip():
            raise ActionError(_("Please tell us your name."), status=422)
        user = accounts.create_verified_account(email=adviser.email, password=password, name=name)
    elif not user.check_password(password):
        raise ActionError(_("That is not the password of your account."), status=422)
    key = AdviserKey.objects.filter(user=user).first()
    if key is None:
        private_key, recovery_code = _new_adviser_key(user, password)
    else:
        private_key, recovery_code = _unwrap(key, password), ""
    adviser.user = user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if confirmed:
        adviser.status = AdviserProfile.Status.ACTIVE
        enqueue_on_commit(tasks.propose_for_waiting, adviser.programme_id)
    adviser.save(update_fields=["user", "status"])
    return Enrolment(user, private_key, recovery_code, needs_two_factor=not confirmed)


def two_factor_device(user: User) -> TOTPDevice:
    """The device being set up: one unconfirmed TOTP device per user."""
    return accounts.two_factor_device(user=user, name="Help programme")


def confirm_two_factor(*, user: User, code: str) -> TOTPDevice:
    device = accounts.new_authenticator_accepting(user=user, code=code)
    with transaction.atomic():
        accounts.confirm_authenticator(device=device)
        invited = user.adviser_profiles.filter(status=AdviserProfile.Status.INVITED)
        for programme_id in set(invited.values_list("programme_id", flat=True)):
            enqueue_on_commit(tasks.propose_for_waiting, programme_id)
        invited.update(status=AdviserProfile.Status.ACTIVE)
    return device


def _unwrap(key: AdviserKey, password: str) -> bytes:
    try:
        return key.unwrap_with_password(password)
    except crypto.Unreadable:
        raise ActionError(
            _(
                "Your adviser key does not open with this password (was the password changed "
                "elsewhere?). Use your recovery code on the recovery page."
            ),
            status=422,
        ) from None


@dataclass
class AdviserLogin:
    user: User
    device: TOTPDevice | None  # None while two-factor set-up is unfinished
    private_key: bytes
    recovery_code: str = ""


WRONG_LOGIN = _("The email address, password or code is not right.")


def _authenticate_adviser(email: str, password: str) -> User:
    user = authenticate(username=email.strip().lower(), password=password)
    if user is None or not user.is_active:
        raise ActionError(WRONG_LOGIN, status=422)
    if not user.adviser_profiles.filter(
        status__in={*AdviserProfile.CAN_WORK, AdviserProfile.Status.INVITED}
    ).exists():
        raise ActionError(WRONG_LOGIN, status=422)
    return user


def _verified_device(user: User, code: str) -> TOTPDevice | None:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        if user.adviser_profiles.filter(status=AdviserProfile.Status.INVITED).exists():
            return None  # still setting up: the next page asks them to finish
        raise ActionError(WRONG_LOGIN, status=422)
    if not device.verify_token(code):
        raise ActionError(WRONG_LOGIN, status=422)
    return device


def log_in_adviser(*, email: str, password: str, code: str) -> AdviserLogin:
    """Password and a TOTP code; the password also unwraps the adviser's private key."""
    user = _authenticate_adviser(email, password)
    key = AdviserKey.objects.filter(user=user).first()
    device = _verified_device(user, code)
    if key is None:
        raise ActionError(WRONG_LOGIN, status=422)
    return AdviserLogin(user, device, _unwrap(key, password))


@transaction.atomic
def recover_adviser_key(*, email: str, password: str, code: str, recovery_code: str):
    """Rewrap the adviser's key under their current password, with a new recovery code."""
    user = _authenticate_adviser(email, password)
    device = _verified_device(user, code)
    key = AdviserKey.objects.select_for_update().filter(user=user).first()
    if key is None:
        raise ActionError(WRONG_LOGIN, status=422)
    try:
        private_key = key.unwrap_with_recovery(recovery_code)
    except crypto.Unreadable:
        raise ActionError(_("This recovery code does not open your key."), status=422) from None
    new_code = crypto.new_code()
    key.wrap_with_password(private_key, password)
    key.wrap_with_recovery(private_key, new_code)
    key.save()
    return AdviserLogin(user, device, private_key, new_code)


# --- Seekers: intake and return -------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    sector: str
    region: str
    language: str
    situation: str
    skills: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)
    employer: str = ""
    contact: str = ""
    notify_email: str = ""
    page_language: str = ""


@dataclass
class NewRequest:
    request: HelpRequest
    receipt: str
    key: bytes


@transaction.atomic
def submit_request(*, programme: Programme, intake: Intake) -> NewRequest:
    """Seal a new request; the receipt is returned once and never stored."""
    if not programme.accepts_requests:
        raise Conflict(_("This programme is not taking new requests at the moment."))
    receipt, salt, cost = crypto.new_code(), crypto.new_salt(), crypto.kdf_cost()
    key, pair = crypto.derive_key(receipt, salt, cost), crypto.new_keypair()
    story = {
        "situation": intake.situation,
        "answers": [list(pair_) for pair_ in intake.answers],
        "employer": intake.employer,
    }
    notify = crypto.notification_keypair().public
    help_request = HelpRequest.objects.create(
        programme=programme,
        receipt_hash=crypto.receipt_hash(receipt),
        public_key=pair.public,
        key_salt=salt,
        key_cost=list(cost),
        wrapped_key=crypto.lock(key, pair.private),
        sealed_story=crypto.seal_json(pair.public, story),
        locked_contact=crypto.lock_json(key, intake.contact) if intake.contact else None,
        sealed_notify_address=(
            crypto.seal(notify, intake.notify_email.encode()) if intake.notify_email else None
        ),
        sector=intake.sector,
        skills=intake.skills,
        region=intake.region,
        language=intake.language,
        page_language=intake.page_language,
        availability=intake.availability,
        employer_hash=employer_hash(intake.employer),
        created_on=_today(),
        active_on=_today(),
    )
    _propose(help_request)
    return NewRequest(help_request, receipt, key)


UNKNOWN_RECEIPT = _("We do not recognise this receipt code. Check it and try again.")


def open_request(*, receipt: str) -> tuple[HelpRequest, bytes]:
    """The request this receipt belongs to, and the key derived from it."""
    if not crypto.looks_like_code(receipt):
        raise ActionError(
            _("A receipt code has 28 letters and digits, in seven groups of four."), status=422
        )
    help_request = HelpRequest.objects.filter(receipt_hash=crypto.receipt_hash(receipt)).first()
    if help_request is None:
        raise ActionError(UNKNOWN_RECEIPT, status=422)
    key = help_request.derive_key(receipt)
    try:
        help_request.private_key(key)
    except crypto.Unreadable:
        raise ActionError(UNKNOWN_RECEIPT, status=422) from None
    return help_request, key


# --- Matching -------------------------------------------------------------------------------


def _propose(help_request: HelpRequest) -> Match | None:
    """Offer a waiting request without a live match to the best adviser, if there is one."""
    if help_request.status not in HelpRequest.UNMATCHED or help_request.live_match():
        return None
    for adviser in candidates(help_request):
        match = Match.objects.create(request=help_request, adviser=adviser)
        enqueue_on_commit(tasks.notify_adviser, match.pk, "offer")
        return match
    return None


def propose_for_waiting(*, programme_id: int | None = None) -> int:
    """Try again for waiting requests that have nobody offered (new advisers, freed capacity)."""
    waiting = HelpRequest.objects.filter(status__in=HelpRequest.UNMATCHED).exclude(
        matches__status__in=Match.LIVE
    )
    if programme_id is not None:
        waiting = waiting.filter(programme_id=programme_id)
    proposed = 0
    for help_request in waiting.select_related("programme"):
        with transaction.atomic():
            proposed += _propose(help_request) is not None
    return proposed


def _move(match: Match, allowed: set, to: str, **fields) -> None:
    updated = Match.objects.filter(pk=match.pk, status__in=allowed).update(status=to, **fields)
    if not updated:
        raise Conflict(
            _("This has changed in the meantime. Reload the page to see where it stands.")
        )
    match.refresh_from_db()


# Clearing these takes every key away from the adviser of a match that ended.
ADVISER_KEYS = {
    "adviser_conversation_key": None,
    "adviser_request_key": None,
    "adviser_contact": None,
}


def _touch(help_request: HelpRequest, **fields) -> None:
    HelpRequest.objects.filter(pk=help_request.pk).update(active_on=_today(), **fields)


def _withdraw(match: Match) -> None:
    """The adviser leaves (removed by the coordinator): the request looks for someone else."""
    if match.status == Match.Status.ACCEPTED:
        _move(match, {Match.Status.ACCEPTED}, Match.Status.HANDED_BACK, **ADVISER_KEYS)
        _touch(match.request, status=HelpRequest.Status.WAITING)
    else:
        _move(match, Match.ADVISER_CAN_ANSWER, Match.Status.DECLINED)


@transaction.atomic
def accept_offer(*, match: Match) -> Match:
    """The adviser can take this request; the seeker decides next."""
    _move(match, {Match.Status.OFFERED}, Match.Status.PROPOSED)
    enqueue_on_commit(tasks.notify_seeker, match.request_id)
    return match


@transaction.atomic
def decline_offer(*, match: Match) -> Match:
    _move(match, Match.ADVISER_CAN_ANSWER, Match.Status.DECLINED)
    _propose(HelpRequest.objects.get(pk=match.request_id))
    return match


@transaction.atomic
def accept_adviser(*, match: Match, seeker_key: bytes) -> Match:
    """The seeker accepts: the request's key and a new conversation key are sealed to the
    adviser; the conversation key is also locked for the seeker."""
    help_request = match.request
    request_key = help_request.private_key(seeker_key)
    adviser_public = bytes(match.adviser.user.adviser_key.public_key)
    conversation = crypto.new_keypair()
    _move(
        match,
        Match.SEEKER_CAN_CHOOSE,
        Match.Status.ACCEPTED,
        conversation_public_key=conversation.public,
        seeker_conversation_key=crypto.lock(seeker_key, conversation.private),
        adviser_conversation_key=crypto.seal(adviser_public, conversation.private),
        adviser_request_key=crypto.seal(adviser_public, request_key),
    )
    _touch(help_request, status=HelpRequest.Status.MATCHED)
    enqueue_on_commit(tasks.notify_adviser, match.pk, "accepted")
    return match


@transaction.atomic
def ask_for_another(*, match: Match) -> Match:
    _move(match, Match.SEEKER_CAN_CHOOSE, Match.Status.PASSED)
    _propose(HelpRequest.objects.get(pk=match.request_id))
    return match


@transaction.atomic
def hand_back(*, match: Match) -> Match:
    """The adviser ends an accepted match; they lose the keys, the seeker keeps the history."""
    _move(match, {Match.Status.ACCEPTED}, Match.Status.HANDED_BACK, **ADVISER_KEYS)
    _touch(match.request, status=HelpRequest.Status.WAITING)
    _propose(HelpRequest.objects.get(pk=match.request_id))
    enqueue_on_commit(tasks.notify_seeker, match.request_id)
    return match


@transaction.atomic
def set_page_language(*, help_request: HelpRequest, language: str) -> HelpRequest:
    """The seeker switched the language of their pages: their notices follow it."""
    if language not in dict(settings.LANGUAGES):
        raise ActionError(_("This site is not available in that language."), status=422)
    HelpRequest.objects.filter(pk=help_request.pk).update(page_language=language)
    help_request.page_language = language
    return help_request


# --- Conversation ---------------------------------------------------------------------------


@transaction.atomic
def send_message(*, match: Match, author: str, body: str) -> Message:
    if match.status not in Match.READABLE:
        raise Conflict(_("This conversation has ended."))
    sent = {"body": body, "at": timezone.now().isoformat(timespec="minutes")}
    message = Message.objects.create(
        match=match,
        author=author,
        sealed=crypto.seal_json(bytes(match.conversation_public_key), sent),
    )
    _touch(match.request)
    if author == Message.Author.SEEKER:
        enqueue_on_commit(tasks.notify_adviser, match.pk, "message")
    else:
        enqueue_on_commit(tasks.notify_seeker, match.request_id)
    return message


@transaction.atomic
def reveal_contact(*, match: Match, seeker_key: bytes, contact: str) -> Match:
    """Seal the seeker's contact details to this adviser. It cannot be taken back."""
    if match.contact_revealed:
        raise Conflict(_("You have already shared your contact details with this adviser."))
    contact = contact.strip()
    if not contact:
        raise ActionError(_("Write the contact details you want to share."), status=422)
    adviser_public = bytes(match.adviser.user.adviser_key.public_key)
    _move(
        match,
        Match.READABLE,
        Match.Status.ACCEPTED,
        adviser_contact=crypto.seal_json(adviser_public, contact),
    )
    HelpRequest.objects.filter(pk=match.request_id).update(
        locked_contact=crypto.lock_json(seeker_key, contact)
    )
    return match


@transaction.atomic
def close_request(*, help_request: HelpRequest) -> HelpRequest:
    """The seeker is done. The adviser loses access; retention deletes the rest later."""
    for match in help_request.matches.filter(status__in=Match.LIVE):
        _move(match, Match.LIVE, Match.Status.ENDED, **ADVISER_KEYS)
    _touch(help_request, status=HelpRequest.Status.CLOSED)
    help_request.refresh_from_db()
    return help_request


# --- Deletion -------------------------------------------------------------------------------


@contextmanager
def _overwriting_deletes():
    """On SQLite, deleted rows are overwritten with zeros rather than left in free pages."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {int(before)}")


def _delete(requests) -> int:
    programme_ids = set(requests.values_list("programme_id", flat=True))
    with _overwriting_deletes(), transaction.atomic():
        count = requests.count()
        requests.delete()  # cascades: matches, messages, seeker sessions
        for programme_id in programme_ids:
            enqueue_on_commit(tasks.propose_for_waiting, programme_id)
    return count


def delete_request(*, help_request: HelpRequest) -> None:
    """Everything now: the row, its keys, ciphertexts, matches, messages and sessions."""
    _delete(HelpRequest.objects.filter(pk=help_request.pk))


def purge_expired(*, today=None) -> int:
    """Retention: delete the requests past their programme's periods; drop old sessions."""
    deleted = _delete(HelpRequest.objects.due_for_deletion(today))
    SeekerSession.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


# --- Seekers' visits: keyring.py holds the keys, these write the rows --------------------


def open_seeker_session(
    *, help_request: HelpRequest, token_hash: str, locked: bytes, expires_at: datetime
) -> SeekerSession:
    """A seeker's visit: ``locked`` is readable only with the key in their cookie."""
    return SeekerSession.objects.create(
        request=help_request, token_hash=token_hash, locked=locked, expires_at=expires_at
    )


def relock_seeker_session(*, session: SeekerSession, locked: bytes) -> None:
    session.locked = locked
    session.save(update_fields=["locked"])


def close_seeker_session(*, token_hash: str) -> None:
    SeekerSession.objects.filter(token_hash=token_hash).delete()
