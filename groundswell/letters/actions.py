"""Every write to open letters, their co-signing organisations and requests logs.

A letter's own text, targets, individual co-signers, delivery and answers are written by
the petitions' and targets' actions (decision 8); these add what a petition lacks.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.models import Organisation, User
from groundswell.core.email_address import normalise_email
from groundswell.core.errors import ActionError, LinkInvalid
from groundswell.core.leases import new_lease
from groundswell.core.tasks import enqueue_on_commit
from groundswell.letters import tasks
from groundswell.letters.models import (
    COSIGNER_CONFIRM_SALT,
    CoSigner,
    Letter,
    Request,
    RequestsLog,
)
from groundswell.petitions import actions as petitions
from groundswell.petitions.actions import TargetInput
from groundswell.petitions.models import Petition
from groundswell.targets import actions as targets
from groundswell.targets.models import Delivery

CONFIRMATION_DAYS = 7
MAX_DEADLINE_DAYS = 365


def _check_deadline(days: int | None) -> None:
    if days is None or days < 1:
        raise ActionError(
            _("Give the target at least one day to answer: a deadline in the past cannot be met."),
            status=422,
        )
    if days > MAX_DEADLINE_DAYS:
        raise ActionError(_("Ask for an answer within a year at most."), status=422)


# --- Open letters ---------------------------------------------------------------------------


@transaction.atomic
def create_letter(
    *,
    organisation: Organisation,
    created_by: User,
    title: str,
    summary: str,
    text: str,
    targets: list[TargetInput],
    answer_within_days: int,
    remind_every_days: int | None = None,
    closes_on: date | None = None,
    image=None,
    title_es: str = "",
    summary_es: str = "",
    text_es: str = "",
) -> Petition:
    """A draft open letter: a petition of kind letter, its invitation link and its deadline.

    It goes through review like a petition; once open, people and organisations co-sign.
    """
    _check_deadline(answer_within_days)
    petition = petitions.create_petition(
        organisation=organisation,
        created_by=created_by,
        title=title,
        demand=summary,
        reasons=text,
        targets=targets,
        image=image,
        closes_on=closes_on,
        kind=Petition.Kind.LETTER,
        title_es=title_es,
        demand_es=summary_es,
        reasons_es=text_es,
    )
    Letter.objects.create(petition=petition)
    targets_plan(petition, answer_within_days, remind_every_days)
    return petition


def targets_plan(petition: Petition, answer_within_days: int, remind_every_days: int | None):
    """The deadline and reminders are the targets app's delivery plan, as for a petition."""
    return targets.save_delivery_plan(
        petition=petition,
        delivery_threshold=None,
        answer_within_days=answer_within_days,
        remind_every_days=remind_every_days,
    )


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    website: str
    signed_by: str
    email: str


@transaction.atomic
def cosign_as_organisation(*, letter: Letter, organisation: OrganisationInput, logo: ContentFile):
    """A partner organisation co-signs: it waits for its email confirmation, then approval.

    ``logo`` has been decoded and written anew (core/images.py) by the form.
    """
    petition = Petition.objects.select_for_update().get(pk=letter.petition_id)
    if not petition.is_signable():
        raise ActionError(_("This letter no longer takes co-signers."), status=409)
    email = organisation.email.strip()
    normalised = normalise_email(email)
    if CoSigner.objects.filter(letter=petition, email_normalised=normalised).exists():
        raise ActionError(
            _("This address has already co-signed this letter for an organisation."), status=409
        )
    cosigner = CoSigner(
        letter=petition,
        name=organisation.name.strip(),
        website=organisation.website,
        signed_by=organisation.signed_by.strip(),
        email=email,
        email_normalised=normalised,
    )
    cosigner.logo.save(logo.name, logo, save=False)
    try:
        with transaction.atomic():
            cosigner.save()
    except IntegrityError:  # the same address at the same instant
        raise ActionError(
            _("This address has already co-signed this letter for an organisation."), status=409
        ) from None
    enqueue_on_commit(tasks.send_cosigner_confirmation, cosigner.pk)
    return cosigner


def _cosigner_in(token: str) -> int:
    try:
        value = signing.TimestampSigner(salt=COSIGNER_CONFIRM_SALT).unsign(
            token, max_age=timedelta(days=CONFIRMATION_DAYS)
        )
    except signing.SignatureExpired:
        raise LinkInvalid(_("This link has expired. Co-sign again from the invitation.")) from None
    except signing.BadSignature:
        raise LinkInvalid(
            _("This link is not valid. Copy the whole link from the email.")
        ) from None
    return int(value)


@transaction.atomic
def confirm_cosigner(*, token: str) -> CoSigner:
    """The person signing for the organisation confirms from their mailbox: once."""
    pk = _cosigner_in(token)
    cosigner = CoSigner.objects.select_for_update().select_related("letter").filter(pk=pk).first()
    if cosigner is None:
        raise LinkInvalid(_("This co-signature no longer exists."))
    if cosigner.status == CoSigner.Status.UNCONFIRMED:
        cosigner.status = CoSigner.Status.CONFIRMED
        cosigner.confirmed_at = timezone.now()
        cosigner.save(update_fields=["status", "confirmed_at"])
        enqueue_on_commit(tasks.tell_organisers_of_cosigner, cosigner.pk)
    return cosigner


def _decide(cosigner: CoSigner, *, by: User, status: str) -> CoSigner:
    now = timezone.now()
    fields = {"status": status, "decided_by": by}
    if status == CoSigner.Status.APPROVED:
        fields["approved_at"] = now
    moved = CoSigner.objects.filter(pk=cosigner.pk, status__in=CoSigner.DECIDABLE).update(**fields)
    if not moved:
        raise ActionError(
            _("Only a co-signer who confirmed their email and is waiting can be decided."),
            status=409,
        )
    cosigner.refresh_from_db()
    return cosigner


def approve_cosigner(*, cosigner: CoSigner, by: User) -> CoSigner:
    """Shown on the letter's page and in the PDF delivered to its targets from now on."""
    return _decide(cosigner, by=by, status=CoSigner.Status.APPROVED)


def decline_cosigner(*, cosigner: CoSigner, by: User) -> CoSigner:
    return _decide(cosigner, by=by, status=CoSigner.Status.DECLINED)


def claim_cosigner_confirmation(cosigner_id: int) -> CoSigner | None:
    now = timezone.now()
    claimed = (
        CoSigner.objects.confirmation_claimable(now)
        .filter(pk=cosigner_id)
        .update(email_lease_until=new_lease(now))
    )
    return CoSigner.objects.select_related("letter").get(pk=cosigner_id) if claimed else None


def mark_cosigner_emailed(cosigner: CoSigner) -> None:
    CoSigner.objects.filter(pk=cosigner.pk).update(emailed_at=timezone.now())


def release_cosigner_email(cosigner: CoSigner) -> None:
    CoSigner.objects.filter(pk=cosigner.pk, emailed_at__isnull=True).update(email_lease_until=None)


# --- Co-signers' personal data: erasure and retention (docs/privacy.md) -----------------------


def cosigners_of(email_normalised: str):
    """Co-signatures given from a folded address (an erased one holds none). By the
    address alone: co-signers are a few organisations per letter, a small table."""
    return CoSigner.objects.filter(email_normalised=email_normalised)


@transaction.atomic
def erase_cosigners_of(*, email_normalised: str, issued) -> dict[str, int]:
    """Erase the co-signatures an address gave by ``issued`` (the erase link's email).

    The organisation signed, not the person: an approved co-signature stays on the letter
    (name, website and logo are the organisation's) without the name and email address of whoever
    gave it. One not shown (unconfirmed, waiting for approval, declined) is deleted.
    """
    held = cosigners_of(email_normalised).filter(created_at__lte=issued).select_for_update()
    return _forget_cosigners(held)


def remove_expired_cosigner_data() -> int:
    """The retention job's part: once a closed letter's signers' details went
    (``Petition.personal_data_removed_at``), those who co-signed for organisations go too."""
    with transaction.atomic():
        due = CoSigner.objects.filter(letter__personal_data_removed_at__isnull=False).exclude(
            email=""
        )
        done = _forget_cosigners(due.select_for_update(of=("self",)))
    return done["cosigners_anonymised"] + done["cosigners_deleted"]


def _forget_cosigners(held) -> dict[str, int]:
    ids = list(held.values_list("pk", flat=True))
    cosigners = CoSigner.objects.filter(pk__in=ids)
    unshown = cosigners.exclude(status__in=CoSigner.SHOWN)
    logos = [name for name in unshown.values_list("logo", flat=True) if name]
    deleted, _by_model = unshown.delete()
    if logos:  # the files of deleted rows, once the rows are gone for good
        storage = CoSigner._meta.get_field("logo").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in logos])
    anonymised = cosigners.update(
        signed_by="", email="", email_normalised=Concat(Value("~"), Cast("id", CharField()))
    )
    return {"cosigners_anonymised": anonymised, "cosigners_deleted": deleted}


# --- Requests logs --------------------------------------------------------------------------


@transaction.atomic
def create_requests_log(
    *, organisation: Organisation, created_by: User, title: str, description: str = ""
) -> RequestsLog:
    return RequestsLog.objects.create(
        organisation=organisation,
        created_by=created_by,
        slug=RequestsLog.unique_slug(title),
        title=title.strip(),
        description=description.strip(),
    )


@dataclass(frozen=True)
class RequestInput:
    subject: str
    text: str
    target: TargetInput
    sent_on: date
    deadline: date
    method: str  # Delivery.Method: email (sent now, with an answer link) or post/hand
    reference: str = ""


@transaction.atomic
def add_request(*, log: RequestsLog, by: User, request: RequestInput) -> Request:
    """One request: a letter to one target, delivered, its deadline counted from sending.

    By email it is sent now through the targets app (PDF, private answer link,
    reminders); by post or by hand it is recorded as sent on its day. Its answer, or its
    refusal, is recorded as any delivery's (targets.actions.record_outside_answer).
    """
    today = timezone.localdate()
    sent_on = today if request.method == Delivery.Method.EMAIL else request.sent_on
    if sent_on > today:
        raise ActionError(_("A request cannot have been sent in the future."), status=422)
    if request.deadline < today and request.method == Delivery.Method.EMAIL:
        raise ActionError(_("The deadline is in the past: give a date from today on."), status=422)
    _check_deadline((request.deadline - sent_on).days)
    letter = petitions.create_petition(
        organisation=log.organisation,
        created_by=by,
        title=request.subject,
        demand=request.subject,
        reasons=request.text,
        targets=[request.target],
        kind=Petition.Kind.LETTER,
    )
    petitions.file_sent_letter(petition=letter)
    days = (request.deadline - sent_on).days
    if request.method == Delivery.Method.EMAIL:
        targets.deliver_petition(petition=letter, by=by, answer_within_days=days)
    else:
        targets.record_delivery_by_other_means(
            petition=letter,
            target=letter.targets.get(),
            method=request.method,
            delivered_on=sent_on,
            by=by,
            answer_within_days=days,
        )
    return Request.objects.create(log=log, letter=letter, reference=request.reference.strip())
