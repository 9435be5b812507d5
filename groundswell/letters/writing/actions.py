"""Every write of a write-to-your-official campaign: writing, confirming, sending, answering.

Views, the API, the worker and the demo data call these; nothing else saves these rows.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groundswell.accounts.models import Organisation
from groundswell.core import leases
from groundswell.core.cache import Kept
from groundswell.core.email_address import normalise_email
from groundswell.core.errors import ActionError, LinkInvalid
from groundswell.core.tasks import wake_on_commit
from groundswell.letters.writing import lookup, tasks
from groundswell.letters.writing.models import (
    CONFIRM_SALT,
    RESERVED_SLUGS,
    OfficeAnswer,
    OfficeAnswerLink,
    OfficialLetter,
    Writer,
    WritingCampaign,
    new_ref,
)
from groundswell.petitions.models import add_months
from groundswell.targets.models import ContactMethod, Target, TargetContact, hash_token


class AlreadyWritten(ActionError):
    """Every official this supporter would write to already has their letter."""

    status = 409


# --- Campaigns --------------------------------------------------------------------------------


def check_new_slug(slug: str) -> None:
    """A new campaign's address must be free: no other campaign's, none of our own paths."""
    if slug in RESERVED_SLUGS:
        raise ActionError(
            _("That address is kept for the site's own pages: choose another."), status=422
        )
    if WritingCampaign.objects.filter(slug=slug).exists():
        raise ActionError(_("That address is taken: choose another."), status=409)


@transaction.atomic
def create_campaign(
    *,
    organisation: Organisation,
    title: str,
    subject: str,
    letter: str,
    slug: str = "",
    summary: str = "",
    asks_for_address: bool = True,
    status: str = WritingCampaign.Status.OPEN,
) -> WritingCampaign:
    """A campaign of ``organisation``; without a slug, one is made from the title."""
    slug = slug or WritingCampaign.unique_slug(title)
    check_new_slug(slug)
    try:
        with transaction.atomic():
            return WritingCampaign.objects.create(
                organisation=organisation,
                slug=slug,
                title=title.strip(),
                subject=subject.strip(),
                letter=letter.strip(),
                summary=summary.strip(),
                asks_for_address=asks_for_address,
                status=status,
            )
    except IntegrityError:  # the same address, at the same instant, in another request
        raise ActionError(_("That address is taken: choose another."), status=409) from None


@transaction.atomic
def update_campaign(
    *,
    campaign: WritingCampaign,
    title: str,
    subject: str,
    letter: str,
    summary: str = "",
    asks_for_address: bool = True,
    status: str | None = None,
) -> WritingCampaign:
    """New words for the campaign. Letters already sent keep theirs (``confirm_writer``
    froze them); its address (slug) stays, since supporters' emails carry it."""
    campaign = WritingCampaign.objects.select_for_update().get(pk=campaign.pk)
    if status is not None and status != campaign.status:
        _check_move(campaign, status)
        campaign.status = status
    campaign.title, campaign.subject = title.strip(), subject.strip()
    campaign.letter, campaign.summary = letter.strip(), summary.strip()
    campaign.asks_for_address = asks_for_address
    campaign.save()
    return campaign


def _check_move(campaign: WritingCampaign, status: str) -> None:
    Status = WritingCampaign.Status
    if status == Status.OPEN and campaign.status not in WritingCampaign.OPENS_FROM:
        raise ActionError(_("This campaign cannot be opened now."), status=409)
    if status == Status.CLOSED and campaign.status not in WritingCampaign.CLOSES_FROM:
        raise ActionError(
            _("Only an open campaign can be closed: a draft is opened or left as it is."),
            status=409,
        )
    if status == Status.DRAFT and campaign.writers.exists():
        raise ActionError(
            _(
                "Supporters have written for this campaign, so it cannot go back to being a "
                "draft: close it instead."
            ),
            status=409,
        )


def open_campaign(*, campaign: WritingCampaign) -> WritingCampaign:
    """Public, and taking letters. Opening an open campaign changes nothing."""
    return _move(campaign, WritingCampaign.Status.OPEN, WritingCampaign.OPENS_FROM)


def close_campaign(*, campaign: WritingCampaign) -> WritingCampaign:
    """Still public, with its scoreboard and answers, but taking no more letters."""
    return _move(campaign, WritingCampaign.Status.CLOSED, WritingCampaign.CLOSES_FROM)


def _move(campaign: WritingCampaign, status: str, allowed: set) -> WritingCampaign:
    moved = WritingCampaign.objects.filter(pk=campaign.pk, status__in=allowed).update(status=status)
    campaign.refresh_from_db(fields=["status"])
    if not moved and campaign.status != status:
        _check_move(campaign, status)  # says why
    return campaign


# --- Writing ----------------------------------------------------------------------------------


@dataclass
class Written:
    writer: Writer | None
    letters: list[OfficialLetter] = field(default_factory=list)
    already_written: list[Target] = field(default_factory=list)
    no_contact: list[Target] = field(default_factory=list)


@dataclass(frozen=True)
class Attempt:
    """One supporter's letters, as the writing form gives them."""

    campaign: WritingCampaign
    name: str
    email: str
    state: str
    district: int
    zip_code: str = ""
    street: str = ""
    city: str = ""
    paragraph: str = ""
    language: str = ""  # the page's ("es"): a refusal is worded in it; the active one if ""


def contact_emails(organisation_id: int, targets: list[Target]) -> dict[int, str]:
    """The organisation's own addresses for these officials (decision 5), by target id."""
    return dict(
        TargetContact.objects.filter(
            organisation_id=organisation_id, target__in=[t.pk for t in targets]
        ).values_list("target_id", "email")
    )


def _method(target: Target, own_email: str | None) -> str:
    return target.contact_method(own_email)


def write_to_officials(**attempt) -> Written:
    """``write_many`` for one supporter (``Attempt``'s fields); raises what it refused."""
    [written] = write_many(attempts=[Attempt(**attempt)])
    if isinstance(written, ActionError):
        raise written
    return written


def write_many(*, attempts: list[Attempt]) -> list[Written | ActionError]:
    """Supporters' letters to their officials, held until each confirms by email: in one
    transaction for all of them (the fast path's batch, or the page's one supporter).

    Officials with no contact on file get no letter (and are not counted as written to);
    those an address has already written to for a campaign get no second one, whether in
    the database or earlier in ``attempts``, and ``already_written`` says who they were.
    When nobody is left, that attempt is an ``AlreadyWritten`` and nothing of it is stored.
    A letter written at the same instant by another process breaks the database's unique
    constraint: then each attempt is written on its own, so that it fails no other.
    """
    decided: list[Written | ActionError] = []
    try:
        with transaction.atomic():
            decided = _decide(attempts)
            written = [w for w in decided if isinstance(w, Written)]
            if written:
                Writer.objects.bulk_create([w.writer for w in written])
                OfficialLetter.objects.bulk_create([x for w in written for x in w.letters])
                wake_on_commit(tasks.send_writer_confirmations)  # the rows are the queue
    except IntegrityError:  # the same person, at the same instant, in another process
        if len(attempts) > 1:
            return [write_many(attempts=[attempt])[0] for attempt in attempts]
        with _language_of(attempts[0]):
            return [AlreadyWritten(_already_message([x.target for x in decided[0].letters]))]
    return decided


def _language_of(attempt: Attempt):
    return translation.override(attempt.language or translation.get_language())


DISTRICTS = Kept(
    "writing-districts",
    seconds=10.0,
    forgotten_by="nobody: the written page is as old, and how a letter reaches its office "
    "is decided again when it goes out",
)


def _district(organisation_id: int, state: str, district: int):
    """A district's officials and the organisation's own addresses for them (two queries),
    as this process read them within 10 s: a surge writes to the same districts again and
    again, and a writer's batch waited on these reads."""
    officials = lookup.officials_for(state, district)
    return officials, contact_emails(organisation_id, officials)


def _decide(attempts: list[Attempt]) -> list[Written | ActionError]:
    """What each attempt writes, unsaved, or why it writes nothing: one query for the
    letters already written, and the districts' officials (``DISTRICTS``)."""
    districts = [
        DISTRICTS.get(key, partial(_district, *key))
        for key in [(a.campaign.organisation_id, a.state, a.district) for a in attempts]
    ]
    emails = [normalise_email(a.email) for a in attempts]
    asked: dict[tuple[int, int], set[str]] = {}  # (campaign, official): addresses
    for attempt, email, (officials, _own) in zip(attempts, emails, districts, strict=True):
        for target in officials:
            asked.setdefault((attempt.campaign.pk, target.pk), set()).add(email)
    done = _written_already(asked)
    decided = []
    for attempt, email, (officials, own) in zip(attempts, emails, districts, strict=True):
        with _language_of(attempt):
            decided.append(_decide_one(attempt, email, officials, own, done))
    return decided


def _written_already(asked: dict[tuple[int, int], set[str]]) -> set[tuple[int, int, str]]:
    """(campaign, official, address) of the letters already written, of those ``asked``."""
    if not asked:
        return set()
    written = Q()
    for (campaign, target), addresses in asked.items():  # the unique index, per official
        written |= Q(campaign_id=campaign, target_id=target, email_normalised__in=addresses)
    rows = OfficialLetter.objects.filter(written)
    return set(rows.values_list("campaign_id", "target_id", "email_normalised"))


def _decide_one(
    attempt: Attempt, email: str, officials: list[Target], own: dict[int, str], done: set
) -> Written | ActionError:
    """``own``: the organisation's addresses by official; ``done`` holds the letters already
    written, and gets this attempt's."""
    campaign = attempt.campaign
    if not campaign.is_writable():
        return ActionError(_("This campaign is not taking letters."), status=409)
    if not officials:
        return ActionError(_("We have no officials on file for that district."), status=422)
    methods = {t.pk: _method(t, own.get(t.pk)) for t in officials}
    reachable = [t for t in officials if methods[t.pk] != ContactMethod.NONE]
    no_contact = [t for t in officials if methods[t.pk] == ContactMethod.NONE]
    already = [t for t in reachable if (campaign.pk, t.pk, email) in done]
    new = [t for t in reachable if (campaign.pk, t.pk, email) not in done]
    if not new:
        return AlreadyWritten(_already_message(already) if already else _no_contact_message())
    done.update((campaign.pk, t.pk, email) for t in new)  # a second attempt in this batch
    writer = Writer(
        campaign=campaign,
        name=attempt.name.strip(),
        email=attempt.email.strip(),
        email_normalised=email,
        street=attempt.street.strip(),
        city=attempt.city.strip(),
        zip_code=attempt.zip_code,
        us_state=attempt.state,
        us_district=attempt.district,
        paragraph=attempt.paragraph.strip(),
        language=translation.get_language() or "",  # the attempt's (_language_of)
    )
    letters = [
        OfficialLetter(
            campaign=campaign, writer=writer, target=t, email_normalised=email, method=methods[t.pk]
        )
        for t in new
    ]
    return Written(writer, letters, already, no_contact)


def _already_message(targets: list[Target]) -> str:
    names = ", ".join(t.name for t in targets)
    return _(
        "You have already written to %(names)s for this campaign, so no second letter is "
        "sent. If you have not confirmed yet, look for our email."
    ) % {"names": names}


def _no_contact_message() -> str:
    return _("None of your officials has a contact on file, so no letter can be sent.")


# --- Confirming and sending -------------------------------------------------------------------


def compose(campaign: WritingCampaign, writer: Writer, target: Target) -> str:
    """The letter as it goes out: the salutation, the campaign's text, the writer's own words."""
    parts = [f"Dear {target.title} {target.name}".strip() + ",", campaign.letter.strip()]
    if writer.paragraph:
        parts.append(writer.paragraph.strip())
    address = [
        writer.street,
        " ".join(p for p in (writer.city, writer.us_state, writer.zip_code) if p),
    ]
    signature = "\n".join([_("Sincerely,"), writer.name, *[line for line in address if line]])
    parts.append(signature)
    return "\n\n".join(parts)


def writer_for_token(token: str) -> Writer:
    try:
        ref = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=Writer.EXPIRES_AFTER)
    except signing.SignatureExpired:
        raise LinkInvalid(_("This link has expired: write your letter again.")) from None
    except signing.BadSignature:
        raise LinkInvalid(
            _("This link is not valid. Check that you copied all of it from the email."),
            status=404,
        ) from None
    writer = Writer.objects.select_related("campaign").filter(ref=ref).first()
    if writer is None:
        raise LinkInvalid(_("These letters were removed: write your letter again."), status=404)
    return writer


@transaction.atomic
def confirm_writer(*, token: str) -> Writer:
    """The writer's address is theirs: their letters are written out and go out.

    Following the link twice (even at once) releases the letters once: only the request
    whose conditional update moved the writer from pending does it.
    """
    writer = writer_for_token(token)
    now = timezone.now()
    moved = Writer.objects.filter(pk=writer.pk, status=Writer.Status.PENDING).update(
        status=Writer.Status.CONFIRMED, confirmed_at=now
    )
    if not moved:
        return writer
    writer.status, writer.confirmed_at = Writer.Status.CONFIRMED, now
    campaign = writer.campaign
    letters = list(
        writer.letters.filter(status=OfficialLetter.Status.PENDING).select_related("target")
    )
    own = contact_emails(campaign.organisation_id, [letter.target for letter in letters])
    for letter in letters:
        target = letter.target
        method = _method(target, own.get(target.pk))
        if method == ContactMethod.NONE:  # the office's contact was removed since
            letter.delete()
            continue
        letter.method = method
        letter.subject = campaign.subject
        letter.body = compose(campaign, writer, target)
        if method == ContactMethod.EMAIL:
            letter.status, letter.to_email = (
                OfficialLetter.Status.QUEUED,
                own.get(target.pk) or target.email,
            )
        else:
            letter.status = OfficialLetter.Status.HANDED_OFF
        letter.save(update_fields=["method", "subject", "body", "status", "to_email"])
    wake_on_commit(tasks.send_official_letters)
    return writer


def report_sent(*, writer: Writer, letter_id: int) -> OfficialLetter:
    """The writer says they sent this letter through the office's form or by phone."""
    letter = writer.letters.filter(pk=letter_id).select_related("target").first()
    if letter is None:
        raise ActionError(_("That letter is not one of yours."), status=404)
    if letter.status == OfficialLetter.Status.REPORTED:
        return letter
    moved = OfficialLetter.objects.filter(
        pk=letter.pk, status=OfficialLetter.Status.HANDED_OFF
    ).update(status=OfficialLetter.Status.REPORTED, sent_at=timezone.now())
    if not moved:
        raise ActionError(_("This letter is not waiting for you to send it."), status=409)
    letter.refresh_from_db()
    return letter


# --- The worker's claims (core/leases.py) -----------------------------------------------------


def claim_confirmations(limit: int = 100) -> list[Writer]:
    now = timezone.now()
    with transaction.atomic():
        due = (
            Writer.objects.filter(
                leases.free("confirmation_lease_until", now),
                status=Writer.Status.PENDING,
                confirmation_sent_at__isnull=True,
            )
            .order_by("pk")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        Writer.objects.filter(pk__in=ids).update(confirmation_lease_until=leases.new_lease(now))
    return list(Writer.objects.filter(pk__in=ids).select_related("campaign").order_by("pk"))


def mark_confirmations_sent(writers: list[Writer]) -> None:
    if writers:
        Writer.objects.filter(pk__in=[w.pk for w in writers]).update(
            confirmation_sent_at=timezone.now(), confirmation_lease_until=None
        )


def release_confirmations(writers: list[Writer]) -> None:
    if writers:
        Writer.objects.filter(pk__in=[w.pk for w in writers]).update(confirmation_lease_until=None)


def claim_letter_emails(limit: int = 100) -> list[tuple[OfficialLetter, str]]:
    """Lease up to ``limit`` letters to email, each with a fresh answer link for its office.

    The links' tokens exist only in what this returns (and then in the emails); the table
    keeps their hashes. A sender that dies leaves its lease to run out and the letters are
    claimed again, with new links: at least once, twice only for a letter in flight.
    """
    now = timezone.now()
    with transaction.atomic():
        due = (
            OfficialLetter.objects.filter(
                leases.free("email_lease_until", now), status=OfficialLetter.Status.QUEUED
            )
            .order_by("pk")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        OfficialLetter.objects.filter(pk__in=ids).update(email_lease_until=leases.new_lease(now))
        letters = list(
            OfficialLetter.objects.filter(pk__in=ids)
            .select_related("campaign__organisation", "target", "writer")
            .order_by("pk")
        )
        tokens = [_new_token() for _letter in letters]
        OfficeAnswerLink.objects.bulk_create(
            OfficeAnswerLink(
                campaign_id=letter.campaign_id,
                target_id=letter.target_id,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + timedelta(days=OfficeAnswerLink.DAYS),
            )
            for letter, token in zip(letters, tokens, strict=True)
        )
    return list(zip(letters, tokens, strict=True))


def _new_token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def mark_letters_sent(letters: list[OfficialLetter]) -> None:
    if letters:
        OfficialLetter.objects.filter(
            pk__in=[letter.pk for letter in letters], status=OfficialLetter.Status.QUEUED
        ).update(status=OfficialLetter.Status.SENT, sent_at=timezone.now(), email_lease_until=None)


def release_letters(letters: list[OfficialLetter]) -> None:
    if letters:
        OfficialLetter.objects.filter(pk__in=[letter.pk for letter in letters]).update(
            email_lease_until=None
        )


def owed_emails_exist() -> bool:
    now = timezone.now()
    return (
        OfficialLetter.objects.filter(
            leases.free("email_lease_until", now), status=OfficialLetter.Status.QUEUED
        ).exists()
        or Writer.objects.filter(
            leases.free("confirmation_lease_until", now),
            status=Writer.Status.PENDING,
            confirmation_sent_at__isnull=True,
        ).exists()
    )


def purge_unconfirmed_writers() -> int:
    """Writers who never confirmed within 7 days, and their letters: nothing was sent."""
    cutoff = timezone.now() - Writer.EXPIRES_AFTER
    deleted, _counts = Writer.objects.filter(
        status=Writer.Status.PENDING, created_at__lt=cutoff
    ).delete()
    return deleted


# --- Answers ----------------------------------------------------------------------------------


def answer_link(token: str) -> OfficeAnswerLink:
    """The office's link ``token`` names, while it still takes an answer."""
    link = (
        OfficeAnswerLink.objects.filter(token_hash=hash_token(token))
        .select_related("campaign", "target")
        .first()
    )
    if link is None:
        raise LinkInvalid(
            _("This link is not valid. Check that you copied all of it from the email."),
            status=404,
        )
    if OfficeAnswer.objects.filter(campaign_id=link.campaign_id, target_id=link.target_id).exists():
        raise LinkInvalid(
            _("Your office has already answered: the answer is on the campaign page.")
        )
    if link.is_expired():
        raise LinkInvalid(_("This link has expired. Ask the campaign's organisers for a new one."))
    return link


@transaction.atomic
def answer_as_office(*, token: str, text: str) -> OfficeAnswer:
    link = answer_link(token)
    text = text.strip()
    if not text:
        raise ActionError(_("Write your answer first."), status=422)
    try:
        with transaction.atomic():
            return OfficeAnswer.objects.create(
                campaign=link.campaign, target=link.target, text=text
            )
    except IntegrityError:
        raise LinkInvalid(_("Your office has already answered.")) from None


def date_demo_letters(*, campaign: WritingCampaign, sent_at) -> None:
    """Demo data only (seed_demo): the campaign's letters went out at ``sent_at``. The demo
    mails no real office, so queued letters are marked sent here rather than by the worker."""
    campaign.letters.filter(status=OfficialLetter.Status.QUEUED).update(
        status=OfficialLetter.Status.SENT, sent_at=sent_at
    )
    campaign.letters.filter(status=OfficialLetter.Status.REPORTED).update(sent_at=sent_at)


# --- Personal data: erasure and retention (docs/privacy.md, "Letters to officials") -----------


def writers_of(email_normalised: str):
    """The writers held under a folded address (an erased one holds none)."""
    return Writer.objects.filter(email_normalised=email_normalised)


@transaction.atomic
def erase_writers_of(*, email_normalised: str, issued) -> dict[str, int]:
    """Erase the letters an address wrote by ``issued`` (the erase link's "My data" email).

    Letters that went out stay counted on the scoreboard, without anything of the writer
    in them; what the office received cannot be unsent. The rest never went out and never
    will: deleted, with a writer left without letters.
    """
    held = writers_of(email_normalised).filter(created_at__lte=issued).select_for_update()
    note = _(
        "The writer asked for their personal data to be erased: the text of this letter, "
        "which held their name and address, was removed on %(date)s."
    )
    return _forget_writers(list(held.values_list("pk", flat=True)), note)


def remove_expired_writer_data(now=None) -> int:
    """The retention job's part: writers' details go their organisation's retention period
    (``signer_retention_months``, as signers') after they confirmed and their letters went
    out. Unconfirmed ones are deleted sooner, after 7 days (``purge_unconfirmed_writers``)."""
    now = now or timezone.now()
    note = _(
        "The writer's personal data was removed on %(date)s, at the end of the "
        "organisation's retention period: this is where the text of their letter was."
    )
    removed = 0
    periods = Organisation.objects.filter(writing_campaigns__isnull=False).values_list(
        "signer_retention_months", flat=True
    )
    for months in set(periods):
        due = Writer.objects.filter(
            campaign__organisation__signer_retention_months=months,
            status=Writer.Status.CONFIRMED,
            anonymised_at__isnull=True,
            confirmed_at__lte=add_months(now, -months),
        )
        with transaction.atomic():
            ids = list(due.select_for_update(of=("self",)).values_list("pk", flat=True))
            done = _forget_writers(ids, note, now=now)
            removed += done["writers_anonymised"] + done["writers_deleted"]
    return removed


def _forget_writers(ids: list[int], note: str, now=None) -> dict[str, int]:
    """Counted letters keep counting, with ``note`` in place of their text and an address
    no one folds to (``~<id>``, so the person may write again); other letters, and writers
    left without any, are deleted; the rest of the writers lose every personal detail, and
    their hand-off page's reference, which their old emails carry."""
    now = now or timezone.now()
    letters = OfficialLetter.objects.filter(writer_id__in=ids)
    unsent, _by_model = letters.exclude(status__in=OfficialLetter.COUNTED).delete()
    kept = set(letters.values_list("writer_id", flat=True))
    _count, by_model = Writer.objects.filter(pk__in=ids).exclude(pk__in=kept).delete()
    counted = letters.update(
        body=note % {"date": date_format(timezone.localdate(now))},
        email_normalised=Concat(Value("~"), Cast("id", CharField())),
    )
    for pk in kept:  # a fresh reference each (a person has one writer per campaign)
        Writer.objects.filter(pk=pk).update(
            name="", email="", email_normalised="", street="", city="", zip_code="",
            paragraph="", ref=new_ref(), anonymised_at=now,
        )  # fmt: skip
    return {
        "letters_kept": counted,
        "letters_deleted": unsent,
        "writers_anonymised": len(kept),
        "writers_deleted": by_model.get(Writer._meta.label, 0),
    }
