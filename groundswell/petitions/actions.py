"""Every write to petitions and signatures goes through here.

Views, the API, the admin and management commands call these functions; they do not save
petitions or signatures themselves.
"""

import functools
import json
import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.models import Organisation, User
from groundswell.core import ratelimit
from groundswell.core.email_address import normalise_email
from groundswell.core.errors import ActionError, LinkInvalid
from groundswell.core.markdown import render_markdown
from groundswell.core.network import network_key
from groundswell.core.personal_data import holders
from groundswell.core.tasks import wake_on_commit
from groundswell.integrations.actions import record_signatures_confirmed
from groundswell.moderation import actions as moderation
from groundswell.petitions import counting, insights, sharing, tasks
from groundswell.petitions.models import (
    CONFIRM_SALT,
    RETENTION_NOTICE,
    WITHDRAW_SALT,
    Petition,
    PetitionTarget,
    Signature,
    new_ref_code,
)
from groundswell.targets.access import targets_for_addressing
from groundswell.targets.actions import create_target, set_organisation_address
from groundswell.targets.models import Target
from groundswell.targets.zipcodes import state_for_zip

log = logging.getLogger(__name__)


class PetitionNotSignable(ActionError):
    status = 409


class AlreadyConfirmed(LinkInvalid):
    """The link was followed before: the signature is counted, once."""

    status = 409

    def __init__(self, signature: Signature):
        super().__init__(_("You have already confirmed this signature. It is counted once."))
        self.signature = signature


class SignatureWithdrawn(LinkInvalid):
    """The signer withdrew it: it does not count, and nothing of theirs is kept."""

    def __init__(self):
        super().__init__(
            _(
                "This signature was withdrawn, so it does not count and we keep nothing of it. "
                "You can sign the petition again if you wish."
            )
        )


@dataclass(frozen=True)
class TargetInput:
    """One person a petition is addressed to: an existing directory entry picked by
    ``target_id``, or (without it) a new entry with this name and role. Entries are never
    matched by their words: two people may share a name and role, and reusing an entry
    another organisation made would be reusing its details (decision 5)."""

    name: str = ""
    role: str = ""
    target_id: int | None = None
    email: str = ""  # the organisation's own delivery address for them, if given

    @classmethod
    def existing(cls, target: Target) -> "TargetInput":
        return cls(name=target.name, role=target.role, target_id=target.pk)


# --- Petitions ------------------------------------------------------------------------------


def _target(petition: Petition, item: TargetInput) -> Target:
    if item.target_id is None:
        return create_target(name=item.name, role=item.role)
    target = targets_for_addressing(petition.organisation).filter(pk=item.target_id).first()
    if target is None:
        raise ActionError(_("No such person in the directory: choose them again."), status=422)
    return target


def _set_targets(petition: Petition, targets: list[TargetInput], *, by: User) -> None:
    if not targets:
        raise ActionError(_("Name at least one person this petition is addressed to."))
    chosen = [_target(petition, item) for item in targets]  # checked before anything changes
    PetitionTarget.objects.filter(petition=petition).delete()
    for position, (item, target) in enumerate(zip(targets, chosen, strict=True)):
        PetitionTarget.objects.get_or_create(
            petition=petition, target=target, defaults={"position": position}
        )
        if item.email:  # this organisation's deliveries only (decision 5)
            set_organisation_address(
                target=target, organisation=petition.organisation, email=item.email, by=by
            )


def _set_words(
    petition: Petition,
    *,
    title: str,
    demand: str,
    reasons: str,
    closes_on: date | None,
    first_goal: int | None = None,
    title_es: str = "",
    demand_es: str = "",
    reasons_es: str = "",
) -> None:
    petition.first_goal = first_goal
    petition.title = title.strip()
    petition.demand = demand.strip()
    petition.reasons = reasons
    petition.reasons_html = render_markdown(reasons)
    # The Spanish version (core/translated.py): its title decides whether there is one.
    petition.title_es = title_es.strip()
    petition.demand_es = demand_es.strip()
    petition.reasons_es = reasons_es
    petition.reasons_html_es = render_markdown(reasons_es) if reasons_es.strip() else ""
    petition.closes_on = closes_on


@transaction.atomic
def create_petition(
    *,
    organisation: Organisation,
    created_by: User,
    title: str,
    demand: str,
    reasons: str = "",
    targets: list[TargetInput],
    image=None,
    closes_on: date | None = None,
    first_goal: int | None = None,
    kind: str = Petition.Kind.PETITION,
    title_es: str = "",
    demand_es: str = "",
    reasons_es: str = "",
) -> Petition:
    petition = Petition(
        organisation=organisation,
        created_by=created_by,
        kind=kind,
        slug=Petition.unique_slug(title),
        image=image or "",
    )
    _set_words(
        petition,
        title=title,
        demand=demand,
        reasons=reasons,
        closes_on=closes_on,
        first_goal=first_goal,
        title_es=title_es,
        demand_es=demand_es,
        reasons_es=reasons_es,
    )
    petition.save()
    _set_targets(petition, targets, by=created_by)
    counting.create_shards(petition.pk)
    return petition


@transaction.atomic
def update_petition(
    *,
    petition: Petition,
    title: str,
    demand: str,
    reasons: str = "",
    targets: list[TargetInput],
    image=None,
    closes_on: date | None = None,
    first_goal: int | None = None,
    title_es: str = "",
    demand_es: str = "",
    reasons_es: str = "",
    by: User | None = None,
) -> Petition:
    """Edit a draft. Once people have signed, the words they signed stay as they were."""
    if petition.status not in Petition.EDITABLE:
        raise ActionError(_("Only a draft can be edited."))
    _set_words(
        petition,
        title=title,
        demand=demand,
        reasons=reasons,
        closes_on=closes_on,
        first_goal=first_goal,
        title_es=title_es,
        demand_es=demand_es,
        reasons_es=reasons_es,
    )
    if image is not None:
        petition.image = image or ""
    petition.save()
    _set_targets(petition, targets, by=by or petition.created_by)
    return petition


def _move(petition: Petition, allowed: set, to: str, message: str, **fields) -> Petition:
    updated = Petition.objects.filter(pk=petition.pk, status__in=allowed).update(
        status=to, **fields
    )
    if not updated:
        raise ActionError(message, status=409)
    petition.refresh_from_db()
    return petition


def submit_for_review(*, petition: Petition) -> Petition:
    """A draft, or a rejected petition after its edits, goes to the review queue."""
    return _move(
        petition,
        Petition.EDITABLE,
        Petition.Status.IN_REVIEW,
        _("Only a draft or a rejected petition can be submitted."),
        submitted_at=timezone.now(),
    )


def _check_reviewer(reviewer: User) -> None:
    from groundswell.moderation.access import REVIEW, has_power

    if not has_power(reviewer, REVIEW):
        raise ActionError(_("Only moderators can review petitions."), status=403)


@transaction.atomic
def approve_petition(*, petition: Petition, reviewer: User) -> Petition:
    _check_reviewer(reviewer)
    petition = _move(
        petition,
        {Petition.Status.IN_REVIEW},
        Petition.Status.OPEN,
        _("Only a petition in review can be approved."),
        published_at=timezone.now(),
        review_note="",
    )
    moderation.note_decision(petition=petition, decision="approved", by=reviewer)
    return petition


@transaction.atomic
def reject_petition(*, petition: Petition, reviewer: User, reason: str, note: str) -> Petition:
    """Reject with a reason from the fixed list and a note; the organiser may edit and resubmit."""
    from groundswell.moderation.models import Reason

    _check_reviewer(reviewer)
    if reason not in Reason.values:
        raise ActionError(_("Choose a reason from the list."))
    if not note.strip():
        raise ActionError(_("Tell the organiser what to change."))
    petition = _move(
        petition,
        {Petition.Status.IN_REVIEW},
        Petition.Status.REJECTED,
        _("Only a petition in review can be rejected."),
        review_note=note.strip(),
    )
    moderation.note_decision(
        petition=petition, decision="rejected", by=reviewer, reason=reason, note=note.strip()
    )
    return petition


def hide_petition(*, petition: Petition) -> str:
    """Take a public petition off the site (moderation calls this); returns its old status."""
    status = petition.status
    _move(
        petition, {status} & Petition.HIDEABLE, Petition.Status.HIDDEN, _("This cannot be hidden.")
    )
    counting.forget(petition.pk)
    return status


def show_petition(*, petition: Petition, status: str) -> Petition:
    if status not in Petition.HIDEABLE:
        raise ActionError(_("A hidden petition goes back to what it was: open, closed or won."))
    return _move(
        petition, {Petition.Status.HIDDEN}, status, _("Only a hidden petition can be shown again.")
    )


def hide_comment(*, signature: Signature) -> str:
    """Hide one signer's comment; the signature still counts."""
    Signature.objects.filter(pk=signature.pk).update(comment_hidden_at=timezone.now())
    return ""


def show_comment(*, signature: Signature) -> None:
    Signature.objects.filter(pk=signature.pk).update(comment_hidden_at=None)


def close_petition(*, petition: Petition) -> Petition:
    return _move(
        petition,
        Petition.CLOSABLE,
        Petition.Status.CLOSED,
        _("Only an open petition can be closed."),
        closed_at=timezone.now(),
    )


def file_sent_letter(*, petition: Petition) -> Petition:
    """A letter sent outside the platform: a request in a requests log (groundswell/letters).

    It takes no signatures, so it goes from draft to closed at once, without review: the
    log shows its subject, its target and the state of its answer.
    """
    if not petition.is_letter:
        raise ActionError("Only a letter can be filed as sent.", status=409)
    now = timezone.now()
    return _move(
        petition,
        {Petition.Status.DRAFT},
        Petition.Status.CLOSED,
        "Only a draft letter can be filed as sent.",
        published_at=now,
        closed_at=now,
    )


def set_insights_public(*, petition: Petition, public: bool) -> Petition:
    """Show, or stop showing, the petition's chart, projection and map to everyone."""
    petition.insights_public = public
    petition.save(update_fields=["insights_public", "updated_at"])
    return petition


def close_past_deadline(today: date | None = None) -> int:
    """Close every open petition whose closing date has passed."""
    today = today or timezone.localdate()
    return (
        Petition.objects.open()
        .filter(closes_on__lt=today)
        .update(status=Petition.Status.CLOSED, closed_at=timezone.now())
    )


# --- Signatures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignerInput:
    """What one person typed into the sign form, cleaned by its schema (forms.SignatureForm)."""

    name: str
    email: str
    postcode: str
    country: str
    comment: str = ""
    show_name: bool = False
    wants_updates: bool = False
    referral_code: str = ""
    # The keyed hash of the signer's network (core.network.network_key), never an address.
    network: str = ""
    source: str = ""  # sharing.SOURCES, or ""
    language: str = ""  # the page's language ("es"): every email to them is in it

    def details(self) -> dict:
        details = {k: v for k, v in self.__dict__.items() if k not in ("referral_code", "network")}
        return {**details, "network_hash": self.network}


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # answered as ACCEPTED: the page never tells who has signed
    RATE_LIMITED = "rate_limited"
    CLOSED = "closed"
    INVALID = "invalid"  # the schema refused it; the form says why


@dataclass(frozen=True)
class Signed:
    """What became of one attempt to sign: the one answer of every signing path (the form,
    the API, the fast path and the signing service's protocol)."""

    outcome: Outcome
    message: str = ""
    pk: int | None = None  # the signature, new or existing, if recorded

    STATUS = {Outcome.RATE_LIMITED: 429, Outcome.CLOSED: 409, Outcome.INVALID: 422}

    @property
    def recorded(self) -> bool:
        return self.outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE)

    @property
    def status(self) -> int:
        return self.STATUS.get(self.outcome, 200)


@dataclass
class Attempt:
    petition: Petition
    signer: SignerInput
    ip: str  # the client's address as core.ratelimit.client_ip gives it


def sign_attempts(*, attempts: list[Attempt]) -> list[Signed | Exception]:
    """Sign for everyone in ``attempts``: the one way in for the form, the API and the fast
    path. Their rate limits are counted here, once each, in one round trip for all; then each
    petition's signers are recorded in one transaction (``sign_petitions``, which decides
    whether the petition takes signatures now). If a batch fails, its signers are recorded
    one by one, so that one bad row cannot fail the others; what still fails is its error.
    """
    allowed = ratelimit.signing_allowed([(a.ip, a.signer.email) for a in attempts])
    limited = Signed(Outcome.RATE_LIMITED, ratelimit.RateLimited().message)  # one for all
    results: list[Signed | Exception] = [limited] * len(attempts)
    by_petition: dict[int, list[int]] = {}
    for i, (attempt, ok) in enumerate(zip(attempts, allowed, strict=True)):
        if ok:
            by_petition.setdefault(attempt.petition.pk, []).append(i)
    for group in by_petition.values():
        _sign_or_one_by_one(attempts, group, results)
    return results


def sign_attempt(*, petition: Petition, signer: SignerInput, ip: str) -> Signed:
    """``sign_attempts`` for one signer; raises what it could not record."""
    [signed] = sign_attempts(attempts=[Attempt(petition, signer, ip)])
    if isinstance(signed, Exception):
        raise signed
    return signed


def _sign_or_one_by_one(attempts: list[Attempt], group: list[int], results: list) -> None:
    petition = attempts[group[0]].petition
    signers = [replace(attempts[i].signer, network=network_key(attempts[i].ip)) for i in group]
    try:
        signed = sign_petitions(petition=petition, signers=signers)
    except PetitionNotSignable as closed:
        signed = [Signed(Outcome.CLOSED, closed.message)] * len(group)
    except Exception as error:
        if len(group) == 1:
            results[group[0]] = error
            return
        connection.close()  # the next try starts afresh
        log.warning("a batch of %d signers failed; recording them one by one", len(group))
        for i in group:
            _sign_or_one_by_one(attempts, [i], results)
        return
    for i, one in zip(group, signed, strict=True):
        results[i] = one


def sign_petition(*, petition: Petition, **signer) -> Signature:
    """Record a pending signature and mail its confirmation link (see sign_petitions)."""
    [signed] = sign_petitions(petition=petition, signers=[SignerInput(**signer)])
    return Signature.objects.get(pk=signed.pk)


@transaction.atomic
def sign_petitions(*, petition: Petition, signers: list[SignerInput]) -> list[Signed]:
    """Record pending signatures, in one transaction, and owe each its email.

    The one place that decides whether a petition takes signatures now (its model's
    ``is_signable``, on the petition as the caller read it). One signature per person: the
    database's unique constraint on the normalised email decides, not a look-up beforehand.
    Signing again keeps the existing signature and owes its owner an email (a reminder, or
    a note that they are already counted), so the page answers the same either way and
    does not tell strangers who has signed.
    """
    if not petition.is_signable():
        raise PetitionNotSignable(_("This petition is closed and no longer takes signatures."))
    codes = {s.referral_code for s in signers if s.referral_code}
    referrers = dict(
        Signature.objects.filter(petition=petition, ref_code__in=codes).values_list(
            "ref_code", "pk"
        )
        if codes
        else ()
    )
    wanted = [
        (normalise_email(s.email), referrers.get(s.referral_code), s.details()) for s in signers
    ]
    # A few tries only because the purge may delete a row we collided with in between.
    for _attempt in range(3):
        rows, new, missing = _insert_or_existing(petition, wanted)
        if not missing:
            wake_on_commit(tasks.send_signature_emails)  # the rows are the mailer's queue
            outcomes = []
            for normalised, _referrer, _details in wanted:
                fresh = normalised in new
                new.discard(normalised)  # the same person twice in one batch: a duplicate
                outcomes.append(
                    Signed(Outcome.ACCEPTED if fresh else Outcome.DUPLICATE, pk=rows[normalised])
                )
            return outcomes
    raise ActionError(
        _("We could not record your signature just now. Please try again."), status=409
    )


def _insert_or_existing(petition: Petition, wanted: list) -> tuple[dict, set, bool]:
    """Insert who is new; owe an email to who was there. Returns pks by normalised email,
    and which of them are new."""
    fresh = {}
    for normalised, referrer, details in wanted:
        fresh.setdefault(normalised, (referrer, details))
    pks = _insert_new(petition.pk, fresh)
    new = set(pks)
    taken = [normalised for normalised in fresh if normalised not in pks]
    existing = _existing(petition, taken) if taken else {}
    repeats: dict[int, int] = {}  # pk: how many more emails this batch asks of it
    seen: set[str] = set()
    for normalised, referrer, details in wanted:
        if normalised in pks and normalised not in seen:
            seen.add(normalised)
            continue  # new just now: its one email is owed already
        if normalised in pks:  # the same person twice in one batch
            repeats[pks[normalised]] = repeats.get(pks[normalised], 0) + 1
            continue
        if normalised not in existing:
            return {}, set(), True  # purged between our insert and our read: try again
        pk, expired = existing[normalised]
        if not expired:
            repeats[pk] = repeats.get(pk, 0) + 1
        else:
            # The old attempt was never confirmed: this is a fresh start.
            Signature.objects.filter(pk=pk).update(
                **details,
                created_at=timezone.now(),
                emails_owed=1,
                emails_sent=0,
                email_lease_until=None,  # a mailer sending the old attempt's email
                referred_by_id=referrer,
            )
            existing[normalised] = (pk, False)
    _owe_more_emails(repeats)
    for normalised in taken:
        pks[normalised] = existing[normalised][0]
    return pks, new, False


def _existing(petition: Petition, emails: list[str]) -> dict[str, tuple[int, bool]]:
    """{normalised email: (pk, whether its pending attempt has expired)}."""
    found = Signature.objects.filter(petition=petition, email_normalised__in=emails)
    cutoff = Signature.confirmation_cutoff()
    return {
        normalised: (pk, status == Signature.Status.PENDING and created < cutoff)
        for normalised, pk, status, created in found.values_list(
            "email_normalised", "pk", "status", "created_at"
        )
    }


# The columns that differ from row to row; petition, status, created_at, emails_owed and
# emails_sent are the same for the whole batch, and id and confirmed_at take NULL/default.
_PER_ROW = [
    "name", "email", "email_normalised", "postcode", "country", "comment", "show_name",
    "wants_updates", "ref_code", "referred_by", "network_hash", "source", "language",
]  # fmt: skip


def _insert_new(petition_id: int, fresh: dict) -> dict[str, int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: the pks of the rows that were new.

    One statement for the whole batch, written out because this is the hottest write
    there is: the ORM's bulk_create cost a third of a millisecond of CPU per row here,
    and it cannot say which rows it inserted. Columns not named are
    id (the sequence) and confirmed_at (NULL).
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        {"name": d["name"], "email": d["email"], "email_normalised": normalised,
         "postcode": d["postcode"], "country": d["country"], "comment": d["comment"],
         "show_name": d["show_name"], "wants_updates": d["wants_updates"],
         "ref_code": new_ref_code(), "referred_by": referrer,
         "network_hash": d["network_hash"], "source": d["source"],
         "language": d["language"]}
        for normalised, (referrer, d) in fresh.items()
    ]  # fmt: skip
    shared = [petition_id, Signature.Status.PENDING.value, now, 1, 0]  # one email owed
    if connection.vendor == "postgresql":
        # The rows as one JSON parameter, unpacked by PostgreSQL's C parser: psycopg would
        # otherwise quote every value of every row in Python (a fifth of the writer's time).
        params = [*shared, json.dumps(rows)]
    else:
        params = [value for row in rows for value in (*(row[n] for n in _PER_ROW), *shared)]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(0 if connection.vendor == "postgresql" else len(rows)), params)
        return dict(cursor.fetchall())


# How the per-row values are typed when PostgreSQL unpacks them from JSON.
_JSON_TYPES = {"show_name": "boolean", "wants_updates": "boolean", "referred_by": "bigint"}


@functools.cache
def _insert_sql(n: int) -> str:
    """The INSERT of a batch: on PostgreSQL one statement for any size (``n`` = 0), which
    psycopg and the server parse once; on SQLite a VALUES list of ``n`` rows."""
    meta = Signature._meta
    quote = connection.ops.quote_name
    columns = [*_PER_ROW, "petition", "status", "created_at", "emails_owed", "emails_sent"]
    names = ", ".join(quote(meta.get_field(name).column) for name in columns)
    if connection.vendor == "postgresql":
        record = ", ".join(f"{name} {_JSON_TYPES.get(name, 'text')}" for name in _PER_ROW)
        values = (
            "SELECT " + ", ".join(f"r.{name}" for name in _PER_ROW) + ", %s, %s, %s, %s, %s "
            f"FROM json_to_recordset(%s::json) AS r({record}) "
        )
    else:
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        values = f"VALUES {', '.join([row] * n)} "
    return (
        f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608
        + values  # only names from the model and placeholders: values are parameters
        + f"ON CONFLICT ({quote('petition_id')}, {quote('email_normalised')}) DO NOTHING "
        + f"RETURNING {quote('email_normalised')}, {quote('id')}"
    )


def _owe_more_emails(repeats: dict[int, int]) -> None:
    """Reminders, or notes that they are counted; capped, so nobody can mail-bomb."""
    limit = settings.GROUNDSWELL["MAX_SIGNATURE_EMAILS"]
    by_count: dict[int, list[int]] = {}
    for pk, count in repeats.items():
        by_count.setdefault(count, []).append(pk)
    for count, pks in by_count.items():  # almost always one UPDATE for the whole batch
        Signature.objects.filter(pk__in=pks, emails_owed__lt=limit).update(
            emails_owed=Least(F("emails_owed") + count, limit)
        )


def ref_code_in(token: str) -> str:
    """The referral code a confirmation link names, if the link is genuine and in time."""
    days = settings.GROUNDSWELL["CONFIRMATION_DAYS"]
    try:
        return signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            token, max_age=timedelta(days=days)
        )
    except signing.SignatureExpired:
        raise LinkInvalid(
            _("This link has expired: links work for %(days)d days. Please sign again.")
            % {"days": days}
        ) from None
    except signing.BadSignature:
        raise LinkInvalid(
            _("This link is not valid. Check that you copied all of it from the email.")
        ) from None


def confirm_signature(*, token: str) -> Signature:
    """Count the signature the emailed link names: once, and only while it may count."""
    ref_code = ref_code_in(token)
    with transaction.atomic():
        signature = Signature.objects.select_related("petition").filter(ref_code=ref_code).first()
        if signature is None or signature.is_expired():
            raise LinkInvalid(_("This link has expired. Please sign the petition again."))
        if signature.status == Signature.Status.WITHDRAWN:
            raise SignatureWithdrawn()
        if signature.status == Signature.Status.INVALID:
            raise LinkInvalid(_("This signature was removed as invalid, so it cannot be counted."))
        if signature.status == Signature.Status.CONFIRMED:
            raise AlreadyConfirmed(signature)
        if not signature.petition.is_signable():
            raise PetitionNotSignable(
                _("This petition closed before you confirmed, so your signature was not counted.")
            )
        now = timezone.now()
        confirmed = Signature.objects.filter(
            pk=signature.pk, status=Signature.Status.PENDING
        ).update(status=Signature.Status.CONFIRMED, confirmed_at=now)
        if not confirmed:  # followed twice at once, or withdrawn or erased meanwhile
            now_status = Signature.objects.filter(pk=signature.pk).values_list("status").first()
            if now_status is None:
                raise LinkInvalid(_("We no longer hold this signature. Please sign again."))
            if now_status[0] == Signature.Status.WITHDRAWN:
                raise SignatureWithdrawn()
            raise AlreadyConfirmed(signature)
        counting.add_confirmed(signature.petition_id)
        record_signatures_confirmed(
            confirmed=[(signature.pk, signature.petition_id, signature.petition.organisation_id)],
            at=now,
        )
    signature.status, signature.confirmed_at = Signature.Status.CONFIRMED, now
    return signature


def confirm_signatures(*, ref_codes: list[str]) -> dict[str, tuple[int, str]]:
    """What ``confirm_signature`` does for one link, for many links, in one transaction.

    Confirms those that may count now (pending, not expired, petition open) and moves the
    count in the same transaction. Returns ``{ref_code: (petition_id, name)}`` for them;
    the others (unknown, expired, already counted, closed) are for ``confirm_signature``
    to explain. The fast confirmation path (petitions/fastpath.py) sends many at once.
    """
    now, today = timezone.now(), timezone.localdate()
    with transaction.atomic():
        # The rows by their ref_code alone, locked, then updated by primary key: conditions
        # on status or petition would let PostgreSQL's planner pick another index, and in a
        # surge its statistics lag far behind the table (it once scanned all 500,000 pending
        # rows of a petition for every batch: 300 ms instead of 2). SQLite's IMMEDIATE
        # transactions hold the write lock from the first statement instead.
        found = (
            Signature.objects.filter(ref_code__in=ref_codes)
            .select_for_update(of=("self",))
            .select_related("petition")
            .only(
                "ref_code", "petition", "name", "status", "created_at",
                "petition__status", "petition__closes_on", "petition__organisation",
            )
        )  # fmt: skip
        confirmed = [
            signature
            for signature in found
            if signature.status == Signature.Status.PENDING
            and not signature.is_expired(now)
            and signature.petition.is_signable(today)
        ]  # the same rules as confirm_signature's, from the model
        Signature.objects.filter(pk__in=[s.pk for s in confirmed]).update(
            status=Signature.Status.CONFIRMED, confirmed_at=now
        )
        per_petition = Counter(signature.petition_id for signature in confirmed)
        for petition_id, n in per_petition.items():
            counting.add_confirmed(petition_id, n)
        record_signatures_confirmed(  # webhooks: nothing written without an endpoint
            confirmed=[(s.pk, s.petition_id, s.petition.organisation_id) for s in confirmed],
            at=now,
        )
    return {s.ref_code: (s.petition_id, s.name) for s in confirmed}


def claim_due_emails(limit: int = 100) -> list[Signature]:
    """Lease up to ``limit`` owed emails to send, one per signature.

    The lease (``email_lease_until``, ``MAIL_LEASE_SECONDS`` from now, the same for the
    whole batch) commits before anything is sent; ``emails_sent`` moves only when
    ``mark_emails_sent`` records that the mail server took the message. A mailer that dies
    in between leaves the lease to run out, and the next run sends that email again: at
    least once, twice only if it was in flight. Concurrent mailers skip each other's rows.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.MAIL_LEASE_SECONDS)
    with transaction.atomic():
        due = (
            Signature.objects.email_claimable(now)
            .order_by("pk")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        Signature.objects.filter(pk__in=ids).update(email_lease_until=lease)
    return list(Signature.objects.filter(pk__in=ids).select_related("petition").order_by("pk"))


def _still_leased(signatures: list[Signature]) -> Q:
    """The rows of ``signatures`` whose lease is still the one they were claimed under: if
    it ran out and another mailer took it, that mailer sends and marks it instead."""
    by_lease: dict = {}
    for signature in signatures:
        by_lease.setdefault(signature.email_lease_until, []).append(signature.pk)
    condition = Q(pk__in=[])
    for lease, pks in by_lease.items():
        condition |= Q(pk__in=pks, email_lease_until=lease)
    return condition


def mark_emails_sent(signatures: list[Signature]) -> None:
    """The mail server accepted these claimed emails: one UPDATE for all of them."""
    if signatures:
        Signature.objects.filter(_still_leased(signatures)).update(
            emails_sent=Least(F("emails_sent") + 1, F("emails_owed")), email_lease_until=None
        )


def release_emails(signatures: list[Signature]) -> None:
    """Give back claimed emails that could not be sent (the mail server failed)."""
    if signatures:
        Signature.objects.filter(_still_leased(signatures)).update(email_lease_until=None)


def purge_expired_signatures(now=None) -> int:
    """Delete pending signatures nobody confirmed in time: they never counted."""
    deleted, _by_model = Signature.objects.expired(now).delete()
    return deleted


@dataclass(frozen=True)
class ConfirmedSignatureInput:
    name: str
    email: str
    postcode: str
    country: str
    confirmed_at: "timezone.datetime"
    comment: str = ""
    show_name: bool = False
    wants_updates: bool = False
    referred_by_email: str = ""
    source: str = ""


@transaction.atomic
def import_confirmed_signatures(*, petition: Petition, rows: list[ConfirmedSignatureInput]) -> int:
    """Add signatures confirmed elsewhere (a migration, demo data); duplicates are skipped.

    The counter moves by exactly the number of rows inserted, in the same transaction.
    """
    before = Signature.objects.filter(petition=petition).confirmed().count()
    Signature.objects.bulk_create(
        [
            Signature(
                petition=petition,
                name=row.name,
                email=row.email,
                email_normalised=normalise_email(row.email),
                postcode=row.postcode,
                country=row.country,
                comment=row.comment,
                show_name=row.show_name,
                wants_updates=row.wants_updates,
                source=sharing.clean_source(row.source),
                status=Signature.Status.CONFIRMED,
                created_at=row.confirmed_at,
                confirmed_at=row.confirmed_at,
            )
            for row in rows
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    _link_referrals(petition, rows)
    added = Signature.objects.filter(petition=petition).confirmed().count() - before
    if added:
        counting.add_confirmed(petition.pk, added)
        # They may be dated before what the worker has tallied: count the petition afresh.
        insights.retally(petition)
    return added


def _link_referrals(petition: Petition, rows: list[ConfirmedSignatureInput]) -> None:
    recruiter_of = {
        normalise_email(row.email): normalise_email(row.referred_by_email)
        for row in rows
        if row.referred_by_email
    }
    signatures = Signature.objects.filter(petition=petition)
    pks = dict(
        signatures.filter(email_normalised__in=set(recruiter_of.values())).values_list(
            "email_normalised", "pk"
        )
    )
    for recruit, recruiter in recruiter_of.items():
        if recruiter in pks:
            signatures.filter(email_normalised=recruit, referred_by__isnull=True).update(
                referred_by_id=pks[recruiter]
            )


# --- Signers' rights: withdrawal, erasure, retention (docs/privacy.md) ---------------------


def _unsign(token: str, *, salt: str, days: int, what: str) -> str:
    try:
        return signing.TimestampSigner(salt=salt).unsign(token, max_age=timedelta(days=days))
    except signing.SignatureExpired:
        raise LinkInvalid(
            _(
                "This link has expired: such links work for %(days)d days. "
                "Ask for a new one on the “My data” page."
            )
            % {"days": days}
        ) from None
    except signing.BadSignature:
        raise LinkInvalid(
            _("This link is not valid. Check that you copied all of it from the email.")
        ) from None


def _anonymous(*, keep_place: bool) -> dict:
    """The columns of a signature once nothing personal is left in it.

    ``email_normalised`` becomes ``~<pk>``, which no address folds to, so the unique
    constraint lets the same person sign the same petition again. ``keep_place`` keeps the
    country (and the US state, copied from the ZIP code beforehand) for the tallies.
    """
    anonymous = {
        "name": "",
        "email": "",
        "email_normalised": Concat(Value("~"), Cast("id", CharField())),
        "postcode": "",
        "comment": "",
        "show_name": False,
        "wants_updates": False,
        "emails_owed": F("emails_sent"),  # nothing more is sent to an address we no longer hold
        "network_hash": "",  # the fraud rules' keyed hash of the network (docs/privacy.md)
        "anonymised_at": timezone.now(),
    }
    if not keep_place:
        anonymous.update(country="", us_state="")
    return anonymous


def _keep_us_states(signatures) -> None:
    """Copy the state a US ZIP code names into ``us_state`` before the ZIP code goes."""
    us = signatures.filter(country="US", us_state="").exclude(postcode="")
    for postcode in set(us.values_list("postcode", flat=True)):
        if state := state_for_zip(postcode):
            us.filter(postcode=postcode).update(us_state=state)


def _withdraw_days() -> int:
    return settings.GROUNDSWELL["WITHDRAW_LINK_DAYS"]


def signature_to_withdraw(*, token: str) -> Signature:
    """The signature a withdraw link names, if it can still be withdrawn (changes nothing)."""
    ref_code = _unsign(token, salt=WITHDRAW_SALT, days=_withdraw_days(), what="withdraw")
    signature = Signature.objects.select_related("petition").filter(ref_code=ref_code).first()
    if signature is None:
        raise LinkInvalid(
            _("We no longer hold this signature: it was never confirmed, or it was erased.")
        )
    if signature.status == Signature.Status.WITHDRAWN:
        raise SignatureWithdrawn()
    return signature


def withdraw_signature(*, token: str) -> Signature:
    """Take a signature back: it stops counting and its personal data is removed.

    The row stays, empty, as a tombstone, so that an old confirmation link cannot count
    it again. The row is locked first: a confirmation of it at the same moment either
    commits before (and is taken off the count here) or finds it withdrawn.
    """
    ref_code = _unsign(token, salt=WITHDRAW_SALT, days=_withdraw_days(), what="withdraw")
    from groundswell.updates.actions import forget_mailings_of

    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update(of=("self",))
            .select_related("petition")
            .filter(ref_code=ref_code)
            .first()
        )
        if signature is None:
            raise LinkInvalid(
                _("We no longer hold this signature: it was never confirmed, or it was erased.")
            )
        if signature.status not in Signature.WITHDRAWABLE:
            raise SignatureWithdrawn()
        counted = signature.status in Signature.COUNTED
        if counted:  # the chart and map stop counting it too, before its details go
            insights.untally(signature.petition_id, Signature.objects.filter(pk=signature.pk))
        Signature.objects.filter(pk=signature.pk).update(
            status=Signature.Status.WITHDRAWN,
            withdrawn_at=timezone.now(),
            **_anonymous(keep_place=False),
        )
        forget_mailings_of([signature.pk])
        if counted:
            counting.remove_confirmed(signature.petition_id)
    signature.refresh_from_db()
    return signature


ERASE_SALT = "petitions.erase-personal-data"


def erase_token(email: str, now=None) -> str:
    """A link's token naming an address and the moment its data was reported."""
    issued = int((now or timezone.now()).timestamp()) + 1  # covers the current second
    return signing.dumps([normalise_email(email), issued], salt=ERASE_SALT, compress=True)


def _erasure_in(token: str) -> tuple[str, datetime]:
    days = settings.GROUNDSWELL["ERASE_LINK_DAYS"]
    try:
        normalised, issued = signing.loads(token, salt=ERASE_SALT, max_age=timedelta(days=days))
    except signing.SignatureExpired:
        raise LinkInvalid(
            _(
                "This link has expired: it works for %(days)d days. "
                "Ask for a new one on the “My data” page."
            )
            % {"days": days}
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid(
            _("This link is not valid. Check that you copied all of it from the email.")
        ) from None
    return normalised, datetime.fromtimestamp(issued, tz=UTC)


def signatures_of(normalised_email: str):
    """Every signature held under an address, across petitions.

    By (petition, address) pairs, so that the unique constraint's index finds them: an
    index on the address alone would be one more write for every signature in a surge.
    """
    petition_ids = list(Petition.objects.values_list("pk", flat=True))
    return Signature.objects.filter(petition_id__in=petition_ids, email_normalised=normalised_email)


def _signatures_held(normalised: str, issued: datetime):
    return signatures_of(normalised).filter(created_at__lte=issued)


def _nothing_held() -> LinkInvalid:
    return LinkInvalid(
        _(
            "We hold nothing under this address any more: it was erased already, "
            "or each signature was withdrawn."
        )
    )


def erasure_to_confirm(*, token: str) -> dict:
    """What an erase link would erase, changing nothing: the signatures held when the link
    was sent (counted, pending), and what other apps would do (``core.personal_data``),
    one sentence each."""
    normalised, issued = _erasure_in(token)
    held = _signatures_held(normalised, issued)
    others = [line for holder in holders() for line in holder.to_erase(normalised, issued)]
    if not others and not held.exists():
        raise _nothing_held()
    return {
        "counted": held.filter(status__in=Signature.COUNTED).count(),
        "pending": held.filter(status=Signature.Status.PENDING).count(),
        "others": others,
    }


def erase_personal_data(*, token: str) -> dict:
    """Erase everything held under the address an erase link names; counts stay.

    Counted signatures keep counting, with nothing personal left in them (as does any
    other row that is not pending); unconfirmed ones (which never counted) are deleted;
    the record of mailings sent to them goes. Other apps erase theirs in the same
    transaction (``core.personal_data``: letters' co-signers and writers), and say what
    they did, one sentence each.
    """
    from groundswell.updates.actions import forget_mailings_of

    normalised, issued = _erasure_in(token)
    with transaction.atomic():
        held = _signatures_held(normalised, issued).select_for_update(of=("self",))
        ids = list(held.values_list("pk", flat=True))
        others = [line for holder in holders() for line in holder.erase(normalised, issued)]
        if not ids and not others:
            raise _nothing_held()
        signatures = Signature.objects.filter(pk__in=ids)
        forget_mailings_of(ids)
        deleted, _by_model = signatures.filter(status=Signature.Status.PENDING).delete()
        kept = signatures.exclude(status=Signature.Status.PENDING)  # counted, or set aside
        _keep_us_states(kept)
        anonymised = kept.update(**_anonymous(keep_place=True))
    return {"anonymised": anonymised, "deleted": deleted, "others": others}


def personal_data_due(now=None):
    """Closed petitions whose signers' personal data is still held, with when it goes."""
    now = now or timezone.now()
    petitions = Petition.objects.filter(
        status__in=Petition.CLOSED_FOR_GOOD,
        closed_at__isnull=False,
        personal_data_removed_at__isnull=True,
    ).select_related("organisation")
    return [(petition, petition.personal_data_removal_at(now)) for petition in petitions]


def remove_expired_personal_data(now=None) -> dict[str, int]:
    """The retention job: warn organisers 14 days ahead, then remove signers' details.

    Removal never comes sooner than 14 days after the warning, so a shortened retention
    period still leaves time to export. Counts, dates, countries and US states stay.
    Then other apps remove what is past its time (``core.personal_data``).
    """
    now = now or timezone.now()
    warned = removed = 0
    for petition, removal_at in personal_data_due(now):
        if petition.retention_warned_at is None:
            if removal_at - RETENTION_NOTICE <= now:
                warned += _warn_of_removal(petition, now)
        elif removal_at <= now:
            removed += remove_personal_data(petition=petition, now=now)
    done = {"warned": warned, "removed": removed}
    for holder in holders():  # other apps' retention (core.personal_data): letters' writers
        done.update(holder.remove_expired(now))
    return done


def _warn_of_removal(petition: Petition, now) -> int:
    claimed = Petition.objects.filter(pk=petition.pk, retention_warned_at__isnull=True).update(
        retention_warned_at=now
    )
    if claimed:
        from groundswell.core.tasks import enqueue_on_commit

        enqueue_on_commit(tasks.warn_of_personal_data_removal, petition.pk)
    return claimed


@transaction.atomic
def remove_personal_data(*, petition: Petition, now=None) -> int:
    """Remove every signer's name, email, postcode and comment from a closed petition."""
    now = now or timezone.now()
    claimed = Petition.objects.filter(pk=petition.pk, personal_data_removed_at__isnull=True).update(
        personal_data_removed_at=now
    )
    if not claimed:
        return 0
    signatures = Signature.objects.filter(petition=petition)
    signatures.filter(status=Signature.Status.PENDING).delete()  # never counted
    held = signatures.filter(anonymised_at__isnull=True)
    _keep_us_states(held)
    return held.update(**_anonymous(keep_place=True))


# --- Invalidation and recounts (groundswell/moderation calls these) ----------------------------


@transaction.atomic
def invalidate_signatures(*, invalidation_id: int, signatures) -> tuple[int, Counter]:
    """Mark a batch invalid and take the confirmed ones off the count, in one transaction.

    One ``UPDATE … WHERE id IN (the batch) AND status IN (pending, confirmed) RETURNING``:
    the database locks each row as it updates it and, if a confirmation changed the row
    meanwhile, checks the status again on the new version. So a confirmation racing with
    us either committed first (the row is updated as confirmed, and taken off the count)
    or waits and then finds the row invalid (and does not count it). Confirming always
    sets ``confirmed_at`` and nothing else does, so it tells the rows that counted.
    Returns (rows, removed from the count per petition).
    """
    batch_sql, batch_params = signatures.values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Signature._meta.db_table)} SET status = %s, invalidation_id = %s "  # noqa: S608
        f"WHERE id IN ({batch_sql}) AND status IN (%s, %s) "  # the ORM's SQL: values are params
        "RETURNING petition_id, confirmed_at"
    )
    params = [
        Signature.Status.INVALID.value, invalidation_id, *batch_params,
        Signature.Status.PENDING.value, Signature.Status.CONFIRMED.value,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    removed = Counter(petition_id for petition_id, confirmed_at in rows if confirmed_at)
    for petition_id, n in removed.items():
        counting.add_confirmed(petition_id, -n)
    return len(rows), removed


@transaction.atomic
def restore_invalidated(*, invalidation_id: int, limit: int) -> tuple[int, set]:
    """Put back up to ``limit`` rows an invalidation removed, as they were; count them again."""
    rows = list(
        Signature.objects.filter(invalidation_id=invalidation_id, status=Signature.Status.INVALID)
        .select_for_update()
        .order_by("pk")
        .values_list("pk", "petition_id", "confirmed_at")[:limit]
    )
    confirmed = [pk for pk, _, at in rows if at is not None]
    pending = [pk for pk, _, at in rows if at is None]
    Signature.objects.filter(pk__in=confirmed).update(
        status=Signature.Status.CONFIRMED, invalidation_id=None
    )
    Signature.objects.filter(pk__in=pending).update(
        status=Signature.Status.PENDING, invalidation_id=None
    )
    back = Counter(petition_id for _, petition_id, at in rows if at is not None)
    for petition_id, n in back.items():
        counting.add_confirmed(petition_id, n)
    return len(rows), {petition_id for _, petition_id, _ in rows}


def recount(*, petition_id: int) -> int:
    return counting.recount(petition_id)


def refresh_insights(*, petition_id: int) -> int:
    """The insights' tallies afresh, after signatures stopped (or started again) counting
    in bulk: the worker's minute-by-minute tally only adds what was confirmed since."""
    return insights.retally(Petition.objects.get(pk=petition_id))


def recount_open_petitions() -> dict[int, tuple[int, int]]:
    """Recount every open petition from its rows: {petition: (was, is)} where they differed."""
    drift = {}
    for petition_id in Petition.objects.open().order_by("pk").values_list("pk", flat=True):
        was, exact = counting.recount_with_drift(petition_id)
        if was != exact:
            drift[petition_id] = (was, exact)
    return drift


def signers_for_export(*, petition: Petition, by: User, columns: list[str]):
    """The confirmed signers' rows for the CSV export; the export is recorded in the audit log."""
    moderation.record(
        actor=by,
        action=moderation.Action.SIGNERS_EXPORTED,
        subject=moderation.about(petition),
        petition=petition,
        reason="CSV of confirmed signers downloaded",
    )
    return (
        Signature.objects.filter(petition=petition)
        .confirmed()
        .order_by("confirmed_at", "pk")
        .values_list(*columns)
        .iterator(chunk_size=2000)
    )


# --- Petition state that other apps' actions change --------------------------------------
# targets (the delivery plan, the outcome) and updates (unsubscribing) call these: a
# petition's and a signature's rows are written here only (tests/architecture/).


def set_delivery_threshold(*, petition: Petition, threshold: int | None) -> Petition:
    """The count at which the petition is delivered by itself; None: only by hand."""
    Petition.objects.filter(pk=petition.pk).update(delivery_threshold=threshold)
    petition.delivery_threshold = threshold
    return petition


@transaction.atomic
def record_outcome(*, petition: Petition, status: str, note: str) -> Petition:
    """Mark the campaign won or closed (``status``) with a note from the organisers.

    Both stop signing. A won campaign stays won; a closed one may later be marked won.
    """
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    if locked.status not in Petition.DECIDABLE:
        raise ActionError("Only a public petition can be marked won or closed.", status=409)
    if locked.status == Petition.Status.WON and status == Petition.Status.CLOSED:
        raise ActionError("This campaign is marked won; you can still change the note.", status=409)
    now = timezone.now()
    Petition.objects.filter(pk=petition.pk).update(
        status=status,
        outcome_note=note.strip(),
        outcome_at=now,
        closed_at=locked.closed_at or now,
    )
    petition.refresh_from_db()
    return petition


def stop_updates(*, signature: Signature) -> Signature:
    """No more update emails to this signer about this petition; "my data" shows since when
    (set the first time only)."""
    if signature.wants_updates:
        now = timezone.now()
        Signature.objects.filter(pk=signature.pk, wants_updates=True).update(
            wants_updates=False, unsubscribed_at=now
        )
        signature.unsubscribed_at = now
    signature.wants_updates = False
    return signature
