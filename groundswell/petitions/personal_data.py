"""What is held under one email address, for the "My data" email (docs/privacy.md).

Read-only: the writes (withdrawal, erasure) are in ``petitions/actions.py``.
"""

import base64
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

import nacl.secret
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.crypto import salted_hmac

from groundswell.core import personal_data
from groundswell.core.email_address import normalise_email
from groundswell.core.emails import absolute
from groundswell.petitions.actions import erase_token, signatures_of
from groundswell.petitions.models import Signature
from groundswell.updates.models import MailingRecipient


def _box() -> nacl.secret.SecretBox:
    key = salted_hmac("groundswell.petitions.my-data", "v1", algorithm="sha256").digest()
    return nacl.secret.SecretBox(key)


def seal_address(email: str) -> str:
    """The address as the task's argument: task arguments stay in the queue's table, and a
    copy of the database must not list who asked for their data."""
    return base64.urlsafe_b64encode(_box().encrypt(email.encode())).decode()


def open_address(sealed: str) -> str:
    return _box().decrypt(base64.urlsafe_b64decode(sealed)).decode()


@dataclass
class SignatureItem:
    petition_title: str
    petition_url: str
    status: str
    signed_at: datetime
    confirmed_at: datetime | None
    name: str
    email: str
    postcode: str
    country: str
    comment: str
    show_name: bool
    wants_updates: bool
    withdraw_url: str


@dataclass
class MailingItem:
    update_title: str
    petition_title: str
    sent_at: datetime
    withdraw_url: str


@dataclass
class UnsubscribeItem:
    petition_title: str
    unsubscribed_at: datetime
    withdraw_url: str


@dataclass
class Report:
    email: str
    signatures: list[SignatureItem] = field(default_factory=list)
    mailings: list[MailingItem] = field(default_factory=list)
    unsubscribes: list[UnsubscribeItem] = field(default_factory=list)
    # What other apps hold under the address (letters: co-signatures, letters to officials).
    sections: list[personal_data.Section] = field(default_factory=list)
    erase_path: str = ""
    erase_days: int = 0

    @property
    def holds_anything(self) -> bool:
        return bool(self.signatures) or any(s.entries for s in self.sections)

    def as_json(self) -> str:
        data = {
            "email": self.email,
            "signatures": [asdict(s) for s in self.signatures],
            "mailings_received": [asdict(m) for m in self.mailings],
            "unsubscribes": [asdict(u) for u in self.unsubscribes],
            **{s.key: [e.data for e in s.entries] for s in self.sections},
            "erase_everything_url": absolute(self.erase_path) if self.erase_path else None,
        }
        return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def report_for(email: str) -> Report:
    """Every signature under the address (withdrawn ones hold nothing), its mailings, and
    its unsubscribes, each with its own withdraw link; what other apps hold under it
    (``core.personal_data``); and a link to erase them all."""
    from django.urls import reverse

    normalised = normalise_email(email)
    signatures = list(
        signatures_of(normalised)
        .exclude(status=Signature.Status.WITHDRAWN)
        .select_related("petition")
        .order_by("created_at", "pk")
    )
    report = Report(email=email)
    withdraw = {s.pk: absolute(s.get_withdraw_path()) for s in signatures}
    for s in signatures:
        report.signatures.append(
            SignatureItem(
                petition_title=s.petition.title,
                petition_url=absolute(s.petition.get_absolute_url()),
                status=s.get_status_display(),
                signed_at=s.created_at,
                confirmed_at=s.confirmed_at,
                name=s.name,
                email=s.email,
                postcode=s.postcode,
                country=str(s.country.code or ""),
                comment=s.comment,
                show_name=s.show_name,
                wants_updates=s.wants_updates,
                withdraw_url=withdraw[s.pk],
            )
        )
        if s.unsubscribed_at:
            report.unsubscribes.append(
                UnsubscribeItem(s.petition.title, s.unsubscribed_at, withdraw[s.pk])
            )
    sent = (
        MailingRecipient.objects.filter(signature__in=signatures, sent_at__isnull=False)
        .select_related("mailing__update", "mailing__petition")
        .order_by("sent_at")
    )
    for recipient in sent:
        report.mailings.append(
            MailingItem(
                update_title=recipient.mailing.update.title,
                petition_title=recipient.mailing.petition.title,
                sent_at=recipient.sent_at,
                withdraw_url=withdraw[recipient.signature_id],
            )
        )
    report.sections = [s for holder in personal_data.holders() for s in holder.report(normalised)]
    if report.holds_anything:
        report.erase_path = reverse("my_data_erase", args=[erase_token(email)])
        report.erase_days = settings.GROUNDSWELL["ERASE_LINK_DAYS"]
    return report
