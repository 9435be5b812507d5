"""Every write to updates, press releases, mailings and milestones goes through here.

Views, the admin, the import command, the periodic tasks and other apps (an answer from a
target posts an automatic update) call these functions.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from groundswell.accounts.models import Organisation, User
from groundswell.core import emails, leases
from groundswell.core.errors import ActionError
from groundswell.core.markdown import render_markdown
from groundswell.core.tasks import enqueue_on_commit
from groundswell.integrations.actions import record_event
from groundswell.integrations.models import EventType
from groundswell.petitions import actions as petitions_actions
from groundswell.petitions.counting import confirmed_count
from groundswell.petitions.models import Petition, Signature, goal_for
from groundswell.updates import cache, tasks
from groundswell.updates.access import signature_for_unsubscribe
from groundswell.updates.models import (
    ImportedPermalink,
    Mailing,
    MailingRecipient,
    Milestone,
    Update,
    UpdateSettings,
    unsubscribe_path,
)

# Signers are read and recipient rows written this many at a time: a mailing to 100,000
# signers never holds them all in memory.
FAN_OUT_CHUNK = 1000

WhenLimited = Literal["refuse", "defer", "skip"]


class MailingLimited(ActionError):
    status = 429


def mailing_interval() -> timedelta:
    """How long a petition waits between two mailings to its signers (default 24 hours)."""
    return timedelta(hours=settings.GROUNDSWELL.get("UPDATE_MAILING_INTERVAL_HOURS", 24))


def answer_mailing_interval() -> timedelta:
    """The shorter wait before a target's answer is mailed (default 1 hour).

    An answer is the news signers wait for, so it does not wait out the daily limit. It
    cannot be used to flood them either: each target answers once per delivery, and two
    answers within this interval (several targets answering one afternoon) go out an hour
    apart rather than minutes apart.
    """
    return timedelta(minutes=settings.GROUNDSWELL.get("ANSWER_MAILING_INTERVAL_MINUTES", 60))


# --- Webhooks -------------------------------------------------------------------------------


def _announce_published(update: Update) -> None:
    """``update.published`` for the organisation's webhooks (nothing without an endpoint)."""

    def data() -> dict:
        petition = update.petition
        return {
            "update_id": update.pk,
            "kind": update.kind,
            "title": update.title,
            "petition": petition.slug if petition else None,
            "automatic": update.origin == Update.Origin.AUTOMATIC,
            "url": emails.absolute(update.get_absolute_url()),
        }

    record_event(
        organisation_id=update.organisation_id,
        type=EventType.UPDATE_PUBLISHED,
        id=f"evt_update_{update.pk}",
        data=data,
    )


# --- Automatic updates (called by other apps) -----------------------------------------------


@transaction.atomic
def post_automatic_update(
    *, petition: Petition, title: str, body: str, email_signers: bool, is_answer: bool = False
) -> Update:
    """Publish an update on ``petition`` on behalf of the system ("The director answered").

    ``body`` is Markdown; it is rendered and sanitised like an organiser's. With
    ``email_signers`` the update is mailed to confirmed signers who asked for updates, as a
    normal published update is. The per-petition mailing limit still holds: if the petition
    mailed its signers too recently, the mailing waits and starts as soon as the limit
    allows (the update itself is on the page at once). Nothing is dropped. A target's
    answer (``is_answer``) waits only ``answer_mailing_interval()``.
    """
    return _post_automatic(
        petition,
        title=title,
        body=body,
        email_signers=email_signers,
        when_limited="defer",
        interval=answer_mailing_interval() if is_answer else None,
    )


def _post_automatic(
    petition: Petition,
    *,
    title: str,
    body: str,
    email_signers: bool,
    when_limited: WhenLimited,
    interval: timedelta | None = None,
) -> Update:
    now = timezone.now()
    update = Update.objects.create(
        organisation_id=petition.organisation_id,
        petition=petition,
        kind=Update.Kind.UPDATE,
        origin=Update.Origin.AUTOMATIC,
        status=Update.Status.PUBLISHED,
        title=title.strip()[:200],
        body=body,
        body_html=render_markdown(body),
        email_signers=email_signers,
        published_at=now,
        created_at=now,
        modified_at=now,
    )
    if email_signers and petition.is_public:
        _start_mailing(update, requested_by=None, when_limited=when_limited, interval=interval)
    cache.forget_on_commit(update)
    _announce_published(update)
    return update


# --- Writing --------------------------------------------------------------------------------


def _words(update: Update, *, title: str, body: str, title_es: str = "", body_es: str = "") -> None:
    update.title = title.strip()
    update.body = body
    update.body_html = render_markdown(body)
    # The Spanish version (core/translated.py): its title decides whether there is one.
    update.title_es = title_es.strip()
    update.body_es = body_es
    update.body_html_es = render_markdown(body_es) if body_es.strip() else ""
    update.modified_at = timezone.now()


@transaction.atomic
def write_update(
    *,
    petition: Petition,
    author: User,
    title: str,
    body: str,
    title_es: str = "",
    body_es: str = "",
) -> Update:
    """A draft update on a petition."""
    update = Update(
        organisation_id=petition.organisation_id,
        petition=petition,
        kind=Update.Kind.UPDATE,
        author=author,
    )
    _words(update, title=title, body=body, title_es=title_es, body_es=body_es)
    update.save()
    return update


@transaction.atomic
def write_press_release(
    *,
    organisation: Organisation,
    author: User,
    title: str,
    body: str,
    title_es: str = "",
    body_es: str = "",
) -> Update:
    """A draft press release of the organisation."""
    update = Update(organisation=organisation, kind=Update.Kind.PRESS_RELEASE, author=author)
    _words(update, title=title, body=body, title_es=title_es, body_es=body_es)
    update.save()
    return update


@transaction.atomic
def edit_update(
    *, update: Update, title: str, body: str, title_es: str = "", body_es: str = ""
) -> Update:
    """Change the words. A changed text needs a fresh test send before it is mailed, so an
    update scheduled to be mailed goes back to draft."""
    if not update.is_editable:
        raise ActionError(
            _("Imported posts are edited on the site they came from, then imported again."),
            status=409,
        )
    _words(update, title=title, body=body, title_es=title_es, body_es=body_es)
    fields = ["title", "body", "body_html", "title_es", "body_es", "body_html_es", "modified_at"]
    if update.status == Update.Status.SCHEDULED and update.email_signers:
        update.status, update.publish_at = Update.Status.DRAFT, None
        fields += ["status", "publish_at"]
    update.save(update_fields=fields)
    cache.forget_on_commit(update)
    return update


def send_test(*, update: Update, to: User) -> None:
    """Mail the update to the organiser themself, exactly as signers would get it."""
    now = timezone.now()
    Update.objects.filter(pk=update.pk).update(test_sent_at=now)
    update.test_sent_at = now
    enqueue_on_commit(tasks.send_test_update, update.pk, to.email)


# --- Publishing -----------------------------------------------------------------------------


def _check_publishable(update: Update) -> None:
    if update.status not in Update.PUBLISHABLE:
        raise ActionError(_("This is published already."), status=409)
    if update.petition_id is not None and not update.petition.is_public:
        raise ActionError(
            _("The petition is not public yet: updates can be published once it is open."),
            status=409,
        )


def _check_mailable(update: Update) -> None:
    if not update.can_be_mailed:
        raise ActionError(_("Only an update on a petition can be emailed to its signers."))
    if Mailing.objects.filter(update=update).exists():
        raise ActionError(_("This update has been emailed to signers already."), status=409)
    if update.needs_test_send:
        raise ActionError(
            _("Send yourself a test first, so you see the email as signers will."), status=409
        )


@transaction.atomic
def publish_update(
    *, update: Update, by: User | None = None, email_signers: bool = False
) -> Update:
    """Publish now; with ``email_signers``, also mail it (refused within the mailing limit)."""
    _check_publishable(update)
    if email_signers:
        _check_mailable(update)
        # Refused within the limit before anything moves; rolled back if publishing fails.
        _start_mailing(update, requested_by=by, when_limited="refuse")
    moved = Update.objects.filter(pk=update.pk, status__in=Update.PUBLISHABLE).update(
        status=Update.Status.PUBLISHED,
        published_at=timezone.now(),
        publish_at=None,
        email_signers=email_signers,
    )
    if not moved:
        raise ActionError(_("This is published already."), status=409)
    update.refresh_from_db()
    cache.forget_on_commit(update)
    _announce_published(update)
    return update


@transaction.atomic
def schedule_update(*, update: Update, publish_at: datetime, email_signers: bool = False) -> Update:
    """Publish at ``publish_at`` (the scheduler checks every minute).

    A scheduled mailing is not refused by the limit: it waits until the limit allows.
    """
    if update.status not in Update.PUBLISHABLE:
        raise ActionError(_("This is published already."), status=409)
    if publish_at <= timezone.now():
        raise ActionError(_("Choose a time in the future, or publish now."))
    if email_signers:
        _check_mailable(update)
    Update.objects.filter(pk=update.pk).update(
        status=Update.Status.SCHEDULED, publish_at=publish_at, email_signers=email_signers
    )
    update.refresh_from_db()
    return update


@transaction.atomic
def withdraw_update(*, update: Update) -> Update:
    """Back to draft: off the page and the feeds; a mailing still waiting is cancelled."""
    moved = Update.objects.filter(pk=update.pk, status__in=Update.WITHDRAWABLE).update(
        status=Update.Status.DRAFT, publish_at=None
    )
    if not moved:
        raise ActionError(_("This is a draft already."), status=409)
    Mailing.objects.filter(update=update, status=Mailing.Status.WAITING).delete()
    update.refresh_from_db()
    cache.forget_on_commit(update)
    return update


@transaction.atomic
def hide_update(*, update: Update) -> str:
    """Take an update off the site (moderation calls this); returns its status before."""
    status = update.status
    moved = (
        Update.objects.filter(pk=update.pk, status=status)
        .exclude(status=Update.Status.HIDDEN)
        .update(status=Update.Status.HIDDEN)
    )
    if not moved:
        raise ActionError(_("This update is hidden already."), status=409)
    Mailing.objects.filter(update=update, status=Mailing.Status.WAITING).delete()
    cache.forget_on_commit(update)
    return status


@transaction.atomic
def show_update(*, update: Update, status: str) -> Update:
    moved = Update.objects.filter(pk=update.pk, status=Update.Status.HIDDEN).update(status=status)
    if not moved:
        raise ActionError(_("Only a hidden update can be shown again."), status=409)
    update.refresh_from_db()
    cache.forget_on_commit(update)
    return update


def publish_due_updates(now: datetime | None = None) -> int:
    """Publish every scheduled update whose time has come; each in its own transaction."""
    published = 0
    for pk in list(Update.objects.due(now).values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            moved = Update.objects.filter(pk=pk, status=Update.Status.SCHEDULED).update(
                status=Update.Status.PUBLISHED, published_at=timezone.now()
            )
            if not moved:  # another scheduler run got there first
                continue
            update = Update.objects.with_links().get(pk=pk)
            if _mailing_was_asked_for(update):
                _start_mailing(update, requested_by=update.author, when_limited="defer")
            cache.forget_on_commit(update)
            _announce_published(update)
            published += 1
    return published


def _mailing_was_asked_for(update: Update) -> bool:
    return (
        update.email_signers
        and update.can_be_mailed
        and update.petition.is_public
        and not Mailing.objects.filter(update=update).exists()
    )


# --- Mailing --------------------------------------------------------------------------------


@transaction.atomic
def mail_update(*, update: Update, by: User) -> Mailing:
    """Email an update that is already published to the signers who asked for updates."""
    if update.status != Update.Status.PUBLISHED:
        raise ActionError(_("Publish the update before you email it."), status=409)
    if not update.is_public:
        raise ActionError(_("The petition is not public, so it has nobody to email."), status=409)
    _check_mailable(update)
    return _start_mailing(update, requested_by=by, when_limited="refuse")


def next_mailing_allowed_at(
    petition: Petition, interval: timedelta | None = None
) -> datetime | None:
    """When this petition may next mail its signers; None if it may now."""
    last = Mailing.objects.filter(petition=petition).aggregate(last=Max("starts_at"))["last"]
    if last is None:
        return None
    allowed = last + (mailing_interval() if interval is None else interval)
    return allowed if allowed > timezone.now() else None


def recipients_of(petition: Petition):
    """The signatures a mailing goes to: confirmed, and asked for updates."""
    return Signature.objects.filter(petition=petition, wants_updates=True).confirmed()


def _start_mailing(
    update: Update,
    *,
    requested_by,
    when_limited: WhenLimited,
    interval: timedelta | None = None,
) -> Mailing | None:
    # One mailing decision per petition at a time, so two organisers cannot both pass
    # the limit by clicking at the same moment.
    UpdateSettings.objects.get_or_create(petition_id=update.petition_id)
    UpdateSettings.objects.select_for_update().get(petition_id=update.petition_id)
    now = timezone.now()
    starts_at = next_mailing_allowed_at(update.petition, interval) or now
    if starts_at > now:
        if when_limited == "skip":
            return None
        if when_limited == "refuse":
            when = date_format(timezone.localtime(starts_at), "DATETIME_FORMAT")
            raise MailingLimited(
                _(
                    "This petition emailed its signers less than %(hours)s ago. You can "
                    "publish without emailing now, or email signers from %(when)s "
                    "(%(time_zone)s)."
                )
                % {"hours": _hours(), "when": when, "time_zone": settings.TIME_ZONE}
            )
    waiting = starts_at > now
    mailing = Mailing.objects.create(
        update=update,
        petition_id=update.petition_id,
        requested_by=requested_by,
        starts_at=starts_at,
        status=Mailing.Status.WAITING if waiting else Mailing.Status.STARTED,
    )
    if not waiting:
        enqueue_on_commit(tasks.fan_out_mailing, mailing.pk)
    return mailing


def _hours() -> str:
    hours = mailing_interval().total_seconds() / 3600
    count = 1 if hours == 1 else 2  # gettext wants a whole number; 1.5 reads as plural
    return ngettext("%(hours)s hour", "%(hours)s hours", count) % {"hours": f"{hours:g}"}


def start_due_mailings(now: datetime | None = None) -> int:
    """Start the mailings that waited for the limit and whose time has come."""
    now = now or timezone.now()
    started = 0
    due = Mailing.objects.filter(status=Mailing.Status.WAITING, starts_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)[:100]):
        with transaction.atomic():
            if Mailing.objects.filter(pk=pk, status=Mailing.Status.WAITING).update(
                status=Mailing.Status.STARTED
            ):
                enqueue_on_commit(tasks.fan_out_mailing, pk)
                started += 1
    return started


def fan_out_mailing(mailing_id: int) -> int:
    """Create a recipient row per signer who wants updates and enqueue one send task each.

    Safe to run twice, or after a worker died halfway: rows are unique per (mailing,
    signature) and only rows not yet sent get a task. Runs outside a transaction, chunk by
    chunk, so memory stays flat however many signers there are.
    """
    mailing = Mailing.objects.select_related("petition").filter(pk=mailing_id).first()
    if mailing is None or mailing.status != Mailing.Status.STARTED:
        return 0
    signers = recipients_of(mailing.petition).order_by("pk").values_list("pk", flat=True)
    last, enqueued = 0, 0
    while chunk := list(signers.filter(pk__gt=last)[:FAN_OUT_CHUNK]):
        MailingRecipient.objects.bulk_create(
            [MailingRecipient(mailing_id=mailing_id, signature_id=pk) for pk in chunk],
            ignore_conflicts=True,
            batch_size=FAN_OUT_CHUNK,
        )
        unsent = MailingRecipient.objects.filter(
            mailing_id=mailing_id, signature_id__in=chunk, sent_at__isnull=True
        ).values_list("pk", flat=True)
        for recipient_id in unsent:
            tasks.send_update_to_signer.enqueue(recipient_id)
            enqueued += 1
        last = chunk[-1]
    Mailing.objects.filter(pk=mailing_id).update(
        fanned_out_at=timezone.now(),
        recipient_count=MailingRecipient.objects.filter(mailing_id=mailing_id).count(),
    )
    return enqueued


def send_to_recipient(recipient_id: int) -> bool:
    """Send one recipient their copy: at least once, and twice only after a crash mid-send.

    The row is leased with a conditional UPDATE (not sent, no live lease) before sending, so
    two tasks for the same recipient cannot both send, and marked sent once the mail server
    accepted the copy. If sending fails the lease is released and the task may be run
    again. A worker killed between the two leaves a lease that runs out, and
    ``resend_abandoned_copies`` (or this task run again) sends it then.
    """
    recipient = (
        MailingRecipient.objects.select_related("signature")
        .filter(pk=recipient_id, sent_at__isnull=True)
        .first()
    )
    if recipient is None:
        return False
    signature = recipient.signature
    if not signature.wants_updates or signature.status != Signature.Status.CONFIRMED:
        return False  # unsubscribed after the fan-out
    now = timezone.now()
    lease = leases.new_lease(now)
    claimed = (
        MailingRecipient.objects.filter(pk=recipient_id, sent_at__isnull=True)
        .filter(leases.free("lease_until", now))
        .update(lease_until=lease)
    )
    if not claimed:
        return False
    try:
        emails.petition_update(
            _update_of_mailing(recipient.mailing_id),
            signature=signature,
            unsubscribe_path=unsubscribe_path(signature),
        )
    except Exception:
        MailingRecipient.objects.filter(pk=recipient_id, lease_until=lease).update(lease_until=None)
        raise
    MailingRecipient.objects.filter(pk=recipient_id, sent_at__isnull=True).update(
        sent_at=timezone.now(), lease_until=None
    )
    return True


def resend_abandoned_copies(now=None) -> int:
    """Enqueue again the copies whose sender died mid-send: their lease ran out unsent."""
    now = now or timezone.now()
    abandoned = MailingRecipient.objects.filter(sent_at__isnull=True).filter(
        leases.expired("lease_until", now)
    )
    ids = list(abandoned.values_list("pk", flat=True)[:10_000])
    # Free, so that the next sweep does not enqueue them again while these tasks wait.
    MailingRecipient.objects.filter(pk__in=ids).filter(leases.expired("lease_until", now)).update(
        lease_until=None
    )
    for recipient_id in ids:
        tasks.send_update_to_signer.enqueue(recipient_id)
    return len(ids)


def _update_of_mailing(mailing_id: int) -> Update:
    """The update a mailing carries, read once a minute per worker, not once per recipient."""
    key = f"mailing-update:{mailing_id}"
    update = caches["local"].get(key)
    if update is None:
        update = Update.objects.with_links().get(mailing__pk=mailing_id)
        caches["local"].set(key, update, 60)
    return update


def unsubscribe(*, token: str) -> Signature:
    """Stop update emails for the signature the link names (one petition, one person)."""
    return petitions_actions.stop_updates(signature=signature_for_unsubscribe(token))


def forget_mailings_of(signature_ids: list[int]) -> int:
    """Delete the record of which mailings went to these signatures (withdrawal, erasure)."""
    deleted, _by_model = MailingRecipient.objects.filter(signature_id__in=signature_ids).delete()
    return deleted


# --- Milestones -----------------------------------------------------------------------------


def rungs_reached(count: int) -> list[int]:
    """The rungs of the goal ladder (100, 500, 1,000, 5,000, ...) that ``count`` has reached."""
    rungs, rung = [], 100
    while rung <= count:
        rungs.append(rung)
        rung = goal_for(rung)
    return rungs


@transaction.atomic
def set_update_settings(
    *, petition: Petition, milestone_updates: bool, email_milestones: bool
) -> UpdateSettings:
    row, _created = UpdateSettings.objects.update_or_create(
        petition=petition,
        defaults={"milestone_updates": milestone_updates, "email_milestones": email_milestones},
    )
    return row


def record_milestones() -> int:
    """Record each rung an open petition's count has passed since the last run.

    Reads counts only through ``confirmed_count`` (the shards), never the signing path.
    Several rungs passed at once (an import, a surge) are all recorded, with one update
    for the highest.
    """
    recorded = dict(
        Milestone.objects.values_list("petition")
        .annotate(top=Max("rung"))
        .values_list("petition", "top")
    )
    total = 0
    for pk in Petition.objects.open().values_list("pk", flat=True).iterator():
        new = [r for r in rungs_reached(confirmed_count(pk)) if r > recorded.get(pk, 0)]
        if new:
            total += _record_milestones(pk, new)
    return total


def _insert_milestone(petition_id: int, rung: int) -> Milestone | None:
    try:
        with transaction.atomic():
            return Milestone.objects.create(petition_id=petition_id, rung=rung)
    except IntegrityError:  # another scheduler run recorded it
        return None


@transaction.atomic
def _record_milestones(petition_id: int, rungs: list[int]) -> int:
    created = [m for m in (_insert_milestone(petition_id, r) for r in rungs) if m]
    if not created:
        return 0
    _announce_milestones(petition_id, created)
    options = UpdateSettings.objects.filter(petition_id=petition_id).first()
    if options and options.milestone_updates:
        top = created[-1]
        petition = Petition.objects.select_related("organisation").get(pk=petition_id)
        top.update = _post_automatic(
            petition,
            title=f"{top.rung:,} people have signed",
            body=_milestone_body(petition, top.rung),
            email_signers=options.email_milestones,
            when_limited="skip",  # old news by the time the limit allows
        )
        top.save(update_fields=["update"])
    return len(created)


def _announce_milestones(petition_id: int, created: list[Milestone]) -> None:
    """``petition.milestone`` for each rung passed, for the organisation's webhooks."""
    petition = Petition.objects.only("slug", "title", "organisation").get(pk=petition_id)
    for milestone in created:
        record_event(
            organisation_id=petition.organisation_id,
            type=EventType.PETITION_MILESTONE,
            id=f"evt_milestone_{milestone.pk}",
            data={
                "petition": petition.slug,
                "title": petition.title,
                "milestone": milestone.rung,
                "url": emails.absolute(petition.get_absolute_url()),
            },
        )


def _milestone_body(petition: Petition, rung: int) -> str:
    url = emails.absolute(petition.get_absolute_url())
    return (
        f"“{petition.title}” has passed **{rung:,} confirmed signatures**. Thank you!\n\n"
        f"Our next goal is {goal_for(rung):,}. Please ask a friend to sign: <{url}>"
    )


# --- Import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedPost:
    """One post from another site, already parsed, checked and sanitised."""

    source_id: int | None
    source_guid: str  # what later imports match on: the guid, or the link without one
    source_url: str
    title: str
    body_html: str
    summary: str
    status: str  # an Update.Status value
    published_at: datetime
    modified_at: datetime
    post_type: str = "post"
    terms: frozenset[str] = frozenset()  # categories and tags: names, slugs and ids, lowercase
    author_email: str = ""
    warning: str = ""  # for the organiser, on the post's page (a salvaged or protected post)
    left_behind: tuple[str, ...] = ()  # images and embeds that could not be kept as they were
    salvaged: bool = False  # read from a damaged export: some fields are missing


class ImportOutcome:
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


# What an import writes on an Update; "unchanged" means all of these are equal already.
IMPORTED_FIELDS = (
    "kind", "petition_id", "origin", "source_id", "source_guid", "source_url", "title", "body",
    "body_html", "summary", "status", "created_at", "modified_at", "published_at", "publish_at",
    "import_warning", "author_id",
)  # fmt: skip


class ImportIndex:
    """What an organisation imported before, read once per import run: which guid and link
    belong to which post, and which old addresses are known. A 10,000-post export then
    costs a look-up in memory per post instead of three queries; the database's unique
    constraint on (organisation, guid) still has the last word."""

    def __init__(self, organisation: Organisation):
        imported = Update.objects.filter(organisation=organisation, origin=Update.Origin.IMPORTED)
        self.by_guid: dict[str, int] = {}
        self.by_url: dict[str, int] = {}
        for pk, guid, url in imported.values_list("pk", "source_guid", "source_url").iterator():
            if guid:
                self.by_guid[guid] = pk
            if url:
                self.by_url.setdefault(url, pk)
        self.paths: dict[tuple[str, str], int] = {
            (host, path): update_id
            for host, path, update_id in ImportedPermalink.objects.filter(
                update__organisation=organisation
            ).values_list("host", "path", "update_id")
        }

    def find(self, post: ImportedPost) -> int | None:
        """The post imported before that ``post`` is a newer copy of: same guid, else link."""
        return self.by_guid.get(post.source_guid) or self.by_url.get(post.source_url)

    def remember(self, update: Update, path: tuple[str, str] | None) -> None:
        self.by_guid[update.source_guid] = update.pk
        self.by_url.setdefault(update.source_url, update.pk)
        if path is not None:
            self.paths[path] = update.pk


def import_post(
    *,
    organisation: Organisation,
    post: ImportedPost,
    petition: Petition | None = None,
    author: User | None = None,
    dry_run: bool = False,
    index: ImportIndex | None = None,
) -> tuple[str, str]:
    """Create or update one imported post, in its own transaction. Returns (outcome, reason).

    A press release without ``petition``; a campaign update of ``petition`` with one. A post
    imported before (matched by guid or link) is updated in place, and left alone when
    nothing changed. A post salvaged from a damaged export never replaces a whole one.
    Every address the post had on its old site is kept, to be redirected here. ``author``
    is a member of the organisation, or None. Imported posts are never mailed to signers.
    An import run passes one ``index`` for all its posts.
    """
    index = index or ImportIndex(organisation)
    with transaction.atomic():
        found = index.find(post)
        update = Update.objects.filter(pk=found).first() if found else None
        if update is not None and post.salvaged and not update.import_warning:
            return (
                ImportOutcome.SKIPPED,
                "a whole copy was imported before; this broken one would lose part of it",
            )
        outcome = ImportOutcome.UPDATED
        if update is None:
            outcome = ImportOutcome.IMPORTED
            update = Update(organisation=organisation)
        before = _imported_fields(update)
        _copy_post(update, post, petition=petition, author=author)
        path = _old_permalink(post.source_url)
        if (
            outcome == ImportOutcome.UPDATED
            and before == _imported_fields(update)
            and (path is None or index.paths.get(path) == update.pk)
        ):
            return ImportOutcome.UNCHANGED, ""
        if dry_run:
            return outcome, ""
        update.save()
        _keep_old_permalink(update, path, index)
        cache.forget_on_commit(update)
    index.remember(update, path)
    return outcome, ""


def _keep_old_permalink(update: Update, path: tuple[str, str] | None, index: ImportIndex):
    if path is None or index.paths.get(path) == update.pk:
        return
    host, address = path
    if path in index.paths:  # another post of this organisation had it: it moved here
        ImportedPermalink.objects.filter(host=host, path=address).update(update=update)
    else:  # another organisation's post keeps an address it had first
        ImportedPermalink.objects.bulk_create(
            [ImportedPermalink(update=update, host=host, path=address)], ignore_conflicts=True
        )


def _imported_fields(update: Update) -> dict:
    return {name: getattr(update, name) for name in IMPORTED_FIELDS}


def _old_permalink(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if not parts.netloc or parts.path in ("", "/"):
        return None  # "/?p=123" is the old site's home page, not a post's own address
    return parts.netloc.lower()[:255], parts.path[:500]


def _copy_post(
    update: Update, post: ImportedPost, *, petition: Petition | None, author: User | None
) -> None:
    update.kind = Update.Kind.UPDATE if petition else Update.Kind.PRESS_RELEASE
    update.petition = petition
    update.origin = Update.Origin.IMPORTED
    update.source_id, update.source_url = post.source_id, post.source_url
    update.source_guid = post.source_guid
    update.title, update.body, update.body_html = post.title, "", post.body_html
    update.summary = post.summary
    update.status = post.status
    update.import_warning = post.warning
    update.created_at = post.published_at
    update.modified_at = post.modified_at
    update.published_at = post.published_at if post.status == Update.Status.PUBLISHED else None
    update.publish_at = None
    if author is not None or update.pk is None:
        update.author = author
