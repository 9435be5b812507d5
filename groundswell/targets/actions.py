"""Every write to targets, deliveries and answers goes through here.

Views, the admin, the API and the periodic tasks call these functions; they do not save
targets, deliveries or answers themselves.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation, User
from groundswell.core import leases
from groundswell.core.emails import absolute
from groundswell.core.errors import ActionError, LinkInvalid
from groundswell.core.tasks import enqueue_on_commit
from groundswell.integrations.actions import record_event
from groundswell.integrations.models import EventType
from groundswell.petitions.counting import confirmed_count
from groundswell.petitions.models import Petition
from groundswell.targets import cache, congress, tasks
from groundswell.targets.models import (
    Answer,
    AnswerLink,
    Delivery,
    DeliveryPlan,
    DirectoryEdition,
    Reminder,
    Target,
    TargetContact,
    ZipDistrict,
)

logger = logging.getLogger(__name__)

# --- The directory --------------------------------------------------------------------------

TARGET_FIELDS = (
    "name", "role", "title", "office", "country", "state", "district", "email", "website",
)  # fmt: skip


def create_target(*, name: str, role: str) -> Target:
    """A new directory entry. Never matched by name and role: another entry may share them."""
    name, role = name.strip(), role.strip()
    if not name or not role:
        raise ActionError(_("Give both the person's name and their role."), status=422)
    return Target.objects.create(name=name, role=role)


@transaction.atomic
def update_target(*, target: Target, photo: UploadedFile | None = None, **details) -> Target:
    """Complete or correct a directory entry. ``photo=None`` keeps the current photo.

    ``email`` is the directory's contact address: callers let only staff (and commands)
    change it (``access.can_set_directory_address``).
    """
    unknown = set(details) - set(TARGET_FIELDS)
    if unknown:
        raise TypeError(f"unknown target fields: {sorted(unknown)}")
    for name, value in details.items():
        setattr(target, name, value.strip() if isinstance(value, str) else value)
    if photo is not None:
        target.photo = photo
    target.save()
    for petition_id in target.deliveries.values_list("petition_id", flat=True):
        cache.forget_on_commit(petition_id)
    return target


@transaction.atomic
def set_organisation_address(
    *, target: Target, organisation: Organisation, email: str, by: User | None
) -> TargetContact | None:
    """Where ``organisation``'s deliveries to ``target`` go; empty: the directory's address.

    Only this organisation's deliveries use it; the directory entry is not changed.
    """
    email = email.strip()
    if not email:
        TargetContact.objects.filter(target=target, organisation=organisation).delete()
        return None
    contact, _created = TargetContact.objects.update_or_create(
        target=target,
        organisation=organisation,
        defaults={"email": email, "updated_by": by, "updated_at": timezone.now()},
    )
    return contact


def adopt_organisation_address(*, contact: TargetContact) -> Target:
    """Staff make an organisation's address the directory's, for every campaign from now on.

    Deliveries already made keep the address they went to.
    """
    return update_target(target=contact.target, email=contact.email)


@dataclass(frozen=True)
class DeliveryAddress:
    """Where a petition's delivery to one target goes, and whose address it is."""

    ORGANISATION = "organisation"
    DIRECTORY = "directory"

    target: Target
    email: str
    source: str  # ORGANISATION, DIRECTORY, or "" when there is no address

    @property
    def is_organisations(self) -> bool:
        return self.source == self.ORGANISATION


def delivery_addresses(petition: Petition) -> list[DeliveryAddress]:
    """Each target of ``petition`` with the address its delivery goes to, in the petition's order.

    The organisation's own address for the target comes first, then the directory's. No
    other organisation's address is ever used.
    """
    targets = list(
        Target.objects.filter(petitiontarget__petition=petition).order_by(
            "petitiontarget__position", "pk"
        )
    )
    own = dict(
        TargetContact.objects.filter(
            organisation_id=petition.organisation_id, target__in=targets
        ).values_list("target_id", "email")
    )
    addresses = []
    for target in targets:
        if own.get(target.pk):
            addresses.append(DeliveryAddress(target, own[target.pk], DeliveryAddress.ORGANISATION))
        else:
            source = DeliveryAddress.DIRECTORY if target.email else ""
            addresses.append(DeliveryAddress(target, target.email, source))
    return addresses


def addresses_fingerprint(addresses: list[DeliveryAddress]) -> str:
    """What the organiser saw: target ids and addresses, to check nothing changed since."""
    return ",".join(f"{a.target.pk}:{a.email}" for a in addresses if a.email)


# --- Delivering -----------------------------------------------------------------------------


class AddressesChanged(ActionError):
    status = 409


@transaction.atomic
def save_delivery_plan(
    *,
    petition: Petition,
    delivery_threshold: int | None,
    answer_within_days: int | None,
    remind_every_days: int | None,
) -> DeliveryPlan:
    """The threshold for automatic delivery, the deadline to ask for and the reminder interval.

    The new reminder interval applies to deliveries still waiting too; their deadline does
    not change, because the target was told it.
    """
    petitions = _petitions_actions()
    petitions.set_delivery_threshold(petition=petition, threshold=delivery_threshold)
    plan, _created = DeliveryPlan.objects.update_or_create(
        petition=petition,
        defaults={
            "answer_within_days": answer_within_days,
            "remind_every_days": remind_every_days,
        },
    )
    Delivery.objects.filter(petition=petition).waiting().update(remind_every_days=remind_every_days)
    return plan


def plan_for(petition: Petition) -> DeliveryPlan:
    """The petition's plan, or an unsaved empty one."""
    return DeliveryPlan.objects.filter(petition=petition).first() or DeliveryPlan(petition=petition)


def deliverable_addresses(petition: Petition) -> list[DeliveryAddress]:
    """Where a delivery made now would go, or an ``ActionError`` saying why none can be made."""
    if petition.status not in Petition.DELIVERABLE:
        raise ActionError(_("Only an open or closed petition can be delivered."), status=409)
    done = set(Delivery.objects.filter(petition=petition).values_list("target_id", flat=True))
    remaining = [a for a in delivery_addresses(petition) if a.target.pk not in done]
    if not remaining:
        raise ActionError(_("This petition has been delivered to every target."), status=409)
    reachable = [a for a in remaining if a.email]
    if not reachable:
        names = ", ".join(a.target.name for a in remaining)
        raise ActionError(
            _("Add an email address for %(names)s first: deliveries go by email.")
            % {"names": names},
            status=409,
        )
    return reachable


@transaction.atomic
def deliver_petition(
    *,
    petition: Petition,
    by: User | None,
    answer_within_days: int | None = None,
    remind_every_days: int | None = None,
    confirmed: str | None = None,
) -> list[Delivery]:
    """Deliver the petition to each of its targets that has an address and no delivery yet.

    ``by`` is who asked (an organiser or staff); None when the threshold triggered it.
    ``confirmed`` is the ``addresses_fingerprint`` of the addresses the organiser was
    shown; if they changed since, nothing is sent (``AddressesChanged``).
    The emails (PDF, CSV and a private answer link) are built and sent by a task.
    """
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    reachable = deliverable_addresses(locked)
    if confirmed is not None and confirmed != addresses_fingerprint(reachable):
        raise AddressesChanged(
            _("The addresses changed since the page was shown: check them and confirm again.")
        )
    now = timezone.now()
    deadline = (
        timezone.localdate(now) + timedelta(days=answer_within_days) if answer_within_days else None
    )
    deliveries = [
        Delivery.objects.create(
            petition=petition,
            target=address.target,
            email=address.email,
            delivered_at=now,
            delivered_by=by,
            deadline=deadline,
            remind_every_days=remind_every_days,
        )
        for address in reachable
    ]
    for delivery in deliveries:
        enqueue_on_commit(tasks.send_delivery, delivery.pk)
    enqueue_on_commit(tasks.tell_organisers_delivered, [d.pk for d in deliveries])
    cache.forget_on_commit(petition.pk)
    return deliveries


@transaction.atomic
def record_delivery_by_other_means(
    *,
    petition: Petition,
    target: Target,
    method: str,
    delivered_on: date,
    by: User,
    answer_within_days: int | None = None,
) -> Delivery:
    """Record a delivery made by post or by hand, so the days of silence count from it.

    Nothing is emailed: no answer link, no reminders. An answer is recorded by the organiser
    when it comes (``record_outside_answer``).
    """
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    if locked.status not in Petition.DELIVERABLE:
        raise ActionError(_("Only an open or closed petition can be delivered."), status=409)
    if method not in Delivery.RECORDED:
        raise ActionError(_("Say how it was delivered: by post or by hand."), status=422)
    if not petition.targets.filter(pk=target.pk).exists():
        raise ActionError(_("This petition is not addressed to that person."), status=422)
    if delivered_on > timezone.localdate():
        raise ActionError(_("The delivery cannot be in the future."), status=422)
    if Delivery.objects.filter(petition=petition, target=target).exists():
        raise ActionError(
            _("This petition was already delivered to %(name)s.") % {"name": target.name},
            status=409,
        )
    delivered_at = timezone.make_aware(datetime.combine(delivered_on, time(12)))
    delivery = Delivery.objects.create(
        petition=petition,
        target=target,
        method=method,
        delivered_at=delivered_at,
        delivered_by=by,
        deadline=delivered_on + timedelta(days=answer_within_days) if answer_within_days else None,
        signature_count=confirmed_count(petition.pk),
    )
    cache.forget_on_commit(petition.pk)
    return delivery


def deliver_at_threshold() -> int:
    """Deliver every open petition whose count reached its threshold and that has no delivery.

    Run by the scheduler; reads the count the same way pages do, never on the signing path.
    """
    delivered = 0
    candidates = (
        Petition.objects.open()
        .filter(delivery_threshold__isnull=False, deliveries__isnull=True)
        .only("pk", "status", "delivery_threshold")
    )
    for petition in candidates:
        if confirmed_count(petition.pk) < petition.delivery_threshold:
            continue
        plan = plan_for(petition)
        try:
            deliver_petition(
                petition=petition,
                by=None,
                answer_within_days=plan.answer_within_days,
                remind_every_days=plan.remind_every_days,
            )
        except ActionError as error:  # e.g. no target has an email address yet
            logger.info("Not delivering %s at its threshold: %s", petition.pk, error.message)
            continue
        delivered += 1
    return delivered


def claim_delivery_email(delivery_id: int) -> Delivery | None:
    """Lease the right to email this delivery; None if it went out, or another sender holds
    it. ``mark_delivery_emailed`` once the mail server took it (core/leases.py)."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, emailed_at__isnull=True)
        .filter(leases.free("email_lease_until", now))
        .update(email_lease_until=leases.new_lease(now))
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("petition__organisation", "target").get(pk=delivery_id)


def mark_delivery_emailed(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now(), email_lease_until=None
    )


def release_delivery_email(delivery: Delivery) -> None:
    """The email failed: let the next attempt send it."""
    Delivery.objects.filter(pk=delivery.pk, email_lease_until=delivery.email_lease_until).update(
        email_lease_until=None
    )


def free_abandoned_delivery_emails(now=None) -> list[int]:
    """Deliveries whose sender's lease ran out before the email went (it died mid-send),
    freed for another attempt."""
    now = now or timezone.now()
    abandoned = Delivery.objects.filter(emailed_at__isnull=True).filter(
        leases.expired("email_lease_until", now)
    )
    ids = list(abandoned.values_list("pk", flat=True))
    # Free, so that the next sweep does not enqueue them again while these tasks wait.
    abandoned.filter(pk__in=ids).update(email_lease_until=None)
    return ids


def record_signature_count(delivery: Delivery, count: int) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(signature_count=count)
    delivery.signature_count = count
    cache.forget_on_commit(delivery.petition_id)


def new_answer_link(delivery: Delivery) -> AnswerLink:
    """A fresh private link for ``delivery``; ``link.path`` holds the token, for the email only."""
    link, token = AnswerLink.mint(delivery)
    link.path = link.get_path(token)
    return link


# --- Reminders ------------------------------------------------------------------------------


def schedule_reminders(now=None) -> list[int]:
    """Create the reminders that are due, and return every reminder still to be sent.

    With a deadline, the first reminder is due on the deadline's day and the next ones
    ``remind_every_days`` apart after it; without one, ``remind_every_days`` after the
    delivery or the previous reminder (``_next_reminder_at``).
    Rows are unique per (delivery, number), so two schedulers create one row; the send
    task leases a row before sending, so two runs do not both send it, and one whose
    sender died mid-send is taken again when the lease runs out.
    """
    now = now or timezone.now()
    waiting = (
        Delivery.objects.waiting()
        .filter(Q(remind_every_days__isnull=False) | Q(deadline__isnull=False))
        .filter(emailed_at__isnull=False)
        .annotate(sent=Count("reminders"), last=Max("reminders__created_at"))
        .filter(sent__lt=Reminder.MAX_PER_DELIVERY)
    )
    for delivery in waiting:
        due = _next_reminder_at(delivery)
        if due is not None and due <= now:
            Reminder.objects.get_or_create(
                delivery=delivery, number=delivery.sent + 1, defaults={"created_at": now}
            )
    return list(
        Reminder.objects.filter(
            sent_at__isnull=True, delivery__status__in=Delivery.WAITING
        ).values_list("pk", flat=True)
    )


# A reminder due on a deadline's day goes in the office's morning.
REMINDER_HOUR = time(9)


def _next_reminder_at(delivery: Delivery) -> datetime | None:
    """When ``delivery`` (annotated with ``last``) is owed its next reminder, if ever.

    At the deadline first (issue 16: "at the deadline and at a configurable interval
    after it"), then at the interval; without a deadline, at the interval from delivery.
    """
    if delivery.last is None and delivery.deadline is not None:
        return timezone.make_aware(datetime.combine(delivery.deadline, REMINDER_HOUR))
    if delivery.remind_every_days is None:
        return None
    since = delivery.last or delivery.delivered_at
    return since + timedelta(days=delivery.remind_every_days)


def claim_reminder(reminder_id: int) -> Reminder | None:
    """Lease the right to send this reminder; ``mark_reminder_sent`` once it went out."""
    now = timezone.now()
    claimed = (
        Reminder.objects.filter(
            pk=reminder_id, sent_at__isnull=True, delivery__status__in=Delivery.WAITING
        )
        .filter(leases.free("lease_until", now))
        .update(lease_until=leases.new_lease(now))
    )
    if not claimed:
        return None
    return Reminder.objects.select_related(
        "delivery__petition__organisation", "delivery__target"
    ).get(pk=reminder_id)


def mark_reminder_sent(reminder: Reminder) -> None:
    Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), lease_until=None
    )


def release_reminder(reminder: Reminder) -> None:
    Reminder.objects.filter(pk=reminder.pk, lease_until=reminder.lease_until).update(
        lease_until=None
    )


# --- Answers --------------------------------------------------------------------------------


# A picture of a letter that came by post is written anew by the form (core/images.py).
_PICTURE_SUFFIXES = {"jpg", "png", "webp"}


def _attachment_name(delivery: Delivery, attachment: UploadedFile) -> str:
    suffix = (attachment.name or "").rsplit(".", 1)[-1].lower()
    suffix = suffix if suffix in _PICTURE_SUFFIXES else "pdf"
    return f"answer-{delivery.pk}-{get_random_string(8).lower()}.{suffix}"


def _record(
    delivery: Delivery,
    *,
    declined: bool,
    text: str,
    attachment: UploadedFile | None,
    source: str,
    received_on: date,
    by: User | None,
) -> Answer:
    """Move a waiting delivery to answered or declined and keep what was said."""
    now = timezone.now()
    status = Delivery.Status.DECLINED if declined else Delivery.Status.ANSWERED
    moved = Delivery.objects.filter(pk=delivery.pk, status__in=Delivery.WAITING).update(
        status=status, responded_at=now
    )
    if not moved:
        raise LinkInvalid(_("This delivery has already been answered."), status=409)
    delivery.status, delivery.responded_at = status, now
    answer = Answer(
        delivery=delivery,
        text=text.strip(),
        source=source,
        received_on=received_on,
        recorded_at=now,
        recorded_by=by,
    )
    if attachment is not None and not declined:
        answer.attachment.save(_attachment_name(delivery, attachment), attachment, save=False)
    answer.save()
    cache.forget_on_commit(delivery.petition_id)
    _announce_answer(delivery, answer)
    return answer


def _announce_answer(delivery: Delivery, answer: Answer) -> None:
    """``petition.answered`` for the organisation's webhooks (nothing without an endpoint)."""
    petition = Petition.objects.only("slug", "organisation").get(pk=delivery.petition_id)
    record_event(
        organisation_id=petition.organisation_id,
        type=EventType.PETITION_ANSWERED,
        id=f"evt_answer_{answer.pk}",
        data=lambda: {
            "petition": petition.slug,
            "delivery_id": delivery.pk,
            "target": delivery.target.name,
            "declined": delivery.status == Delivery.Status.DECLINED,
            "text": answer.text,
            "received_on": answer.received_on.isoformat(),
            "url": absolute(petition.get_absolute_url() + "#answers"),
        },
    )


@transaction.atomic
def answer_through_link(
    *, link: AnswerLink, text: str, attachment: UploadedFile | None = None, declined: bool = False
) -> Answer:
    """The target's office answers (or declines) through its private link: once.

    The answer is published on the petition page at once; the organisers are told and
    signers who asked for updates are emailed by tasks.
    """
    link = AnswerLink.objects.select_for_update().select_related("delivery").get(pk=link.pk)
    if link.used_at is not None:
        raise LinkInvalid(_("This link has been used: the answer is on the petition page."))
    if link.is_expired():
        raise LinkInvalid(_("This link has expired. Ask the organisers for a new one."))
    if not declined and not text.strip():
        raise ActionError(_("Write your answer, or decline to answer."), status=422)
    answer = _record(
        link.delivery,
        declined=declined,
        text=text,
        attachment=attachment,
        source=Answer.Source.LINK,
        received_on=timezone.localdate(),
        by=None,
    )
    AnswerLink.objects.filter(pk=link.pk).update(used_at=answer.recorded_at)
    enqueue_on_commit(tasks.tell_organisers_answered, link.delivery_id)
    enqueue_on_commit(tasks.announce_answer, link.delivery_id, email_signers=True)
    return answer


@transaction.atomic
def record_outside_answer(
    *,
    delivery: Delivery,
    by: User,
    source: str,
    received_on: date,
    text: str,
    attachment: UploadedFile | None = None,
    declined: bool = False,
    email_signers: bool = True,
) -> Answer:
    """An organiser records an answer that came another way (a letter, a press statement...)."""
    if source not in Answer.OUTSIDE:
        raise ActionError(_("Say how the answer came: by letter, email, statement or meeting."))
    if received_on > timezone.localdate():
        raise ActionError(_("The answer cannot have come in the future."), status=422)
    if received_on < delivery.delivered_on:
        raise ActionError(_("The answer cannot predate the delivery."), status=422)
    if not declined and not text.strip():
        raise ActionError(_("Write what the answer said, or a summary of it."), status=422)
    answer = _record(
        delivery,
        declined=declined,
        text=text,
        attachment=attachment,
        source=source,
        received_on=received_on,
        by=by,
    )
    enqueue_on_commit(tasks.announce_answer, delivery.pk, email_signers=email_signers)
    return answer


def _announcement(delivery: Delivery) -> tuple[str, str]:
    answer = delivery.answer
    target = delivery.target
    url = absolute(delivery.petition.get_absolute_url() + "#answers")  # it is emailed too
    day = date_format(answer.received_on, "j F Y")
    if delivery.status == Delivery.Status.DECLINED:
        title = f"{target.name} declined to answer"
        opening = f"{target.name}, {target.role}, declined to answer on {day}."
    else:
        title = f"{target.name} answered"
        opening = f"{target.name}, {target.role}, answered on {day}."
    if answer.source != Answer.Source.LINK:
        how = Answer.Source(answer.source).label.lower()
        opening = f"{opening[:-1]} ({how}; recorded by the organisers)."
    quoted = "\n".join(f"> {line}" if line else ">" for line in answer.text.splitlines())
    body = "\n\n".join(
        part for part in (opening, quoted, f"[Read it on the petition page]({url})") if part
    )
    return title, body


def announce_answer(*, delivery_id: int, email_signers: bool) -> bool:
    """Post the answer as an update on the petition (mailed to signers who asked); once."""
    from groundswell.updates.actions import post_automatic_update

    with transaction.atomic():
        claimed = Answer.objects.filter(delivery_id=delivery_id, announced_at__isnull=True).update(
            announced_at=timezone.now()
        )
        if not claimed:
            return False
        delivery = Delivery.objects.select_related("petition", "target", "answer").get(
            pk=delivery_id
        )
        title, body = _announcement(delivery)
        post_automatic_update(
            petition=delivery.petition,
            title=title,
            body=body,
            email_signers=email_signers,
            is_answer=True,
        )
    return True


# --- Outcome --------------------------------------------------------------------------------

OUTCOMES = {"won": Petition.Status.WON, "closed": Petition.Status.CLOSED}


@transaction.atomic
def record_outcome(*, petition: Petition, outcome: str, note: str) -> Petition:
    """Mark the campaign won, or closed, with a note from the organisers.

    Both stop signing. A won campaign stays won; a closed one may later be marked won.
    """
    if outcome not in OUTCOMES:
        raise ActionError(_("Choose won or closed."), status=422)
    if not note.strip():
        raise ActionError(_("Say in a sentence or two what happened."), status=422)
    petitions = _petitions_actions()
    petitions.record_outcome(petition=petition, status=OUTCOMES[outcome], note=note)
    cache.forget_on_commit(petition.pk)
    return petition


def _petitions_actions():
    """The petitions app's actions, which write the petition's own fields. Imported when
    called: they import this module at load time to address a new petition's targets."""
    from groundswell.petitions import actions

    return actions


@transaction.atomic
def save_congress_directory(
    *, members: dict[str, dict], zip_rows: list[tuple[str, str, int]], edition: str
) -> congress.Loaded:
    """Members of Congress (matched by bioguide id) and the ZIP table, as congress.py read
    them: new members created, changed ones updated, departed ones kept but unfound."""
    existing = {t.bioguide_id: t for t in Target.objects.filter(bioguide_id__in=members)}
    created = updated = 0
    for bioguide, fields in members.items():
        target = existing.get(bioguide)
        if target is None:
            Target.objects.create(bioguide_id=bioguide, **fields)
            created += 1
        elif any(getattr(target, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(target, k, v)
            target.save()
            updated += 1
    retired = (
        Target.objects.exclude(bioguide_id__isnull=True)
        .exclude(bioguide_id__in=members)
        .exclude(chamber="")
        .update(chamber="", updated_at=timezone.now())
    )
    ZipDistrict.objects.all().delete()
    ZipDistrict.objects.bulk_create(
        [ZipDistrict(zcta=z, state=s, district=d) for z, s, d in sorted(zip_rows)], batch_size=5000
    )
    record = DirectoryEdition.objects.create(
        directory=DirectoryEdition.US_CONGRESS,
        edition=edition,
        members=len(members),
        zip_rows=len(zip_rows),
    )
    return congress.Loaded(record, created, updated, retired)


@transaction.atomic
def save_imported_targets(*, rows: list[dict]) -> tuple[int, int]:
    """Directory rows checked by imports.py: a row with a ``key`` updates the entry it
    imported before; the others are new. Returns (created, updated)."""
    created = updated = 0
    for fields in rows:
        key = fields.pop("key") or None
        if key:
            _target, made = Target.objects.update_or_create(source_key=key, defaults=fields)
        else:
            Target.objects.create(**fields)
            made = True
        created, updated = created + made, updated + (not made)
    return created, updated
