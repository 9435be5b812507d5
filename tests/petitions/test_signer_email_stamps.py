"""A batch's emails to signers are rendered once per petition and language, then completed
for each signer (core.emails.SignerStamps): the same messages, for fewer renders."""

import pytest
import time_machine
from django.core import mail
from django.template import engines
from django.test.signals import template_rendered
from django.utils import timezone
from django.utils.html import escape

from groundswell.core import emails
from groundswell.petitions import tasks
from groundswell.petitions.models import Signature
from tests.conftest import sign

# A name that HTML escaping changes, non-ASCII, and a stand-in's own shape.
NAMES = ["Zoë O'Brien <b>&</b>", "\ue000Value confirm_url\ue001 Ann"]


def _as_sent(message) -> tuple:
    [(html, _type)] = message.alternatives
    return message.subject, message.body, html, message.to, message.extra_headers


def _owed(petition, language: str, name: str) -> Signature:
    signature = sign(petition, f"{len(name)}.{language}@example.com", name=name, language=language)
    return Signature.objects.select_related("petition").get(pk=signature.pk)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "send",
    [emails.signature_confirmation, emails.signature_already_counted],
    ids=lambda send: send.__name__,
)
def test_a_stamped_email_is_the_email_rendered_whole(bilingual, language, name, send):
    signature = _owed(bilingual, language, name)
    stamps = emails.SignerStamps()
    with time_machine.travel(timezone.now(), tick=False):  # the links' timestamps
        send(signature)
        send(signature, stamps=stamps)
        send(signature, stamps=stamps)  # from the stamp made by the call before
        withdraw_path = signature.get_withdraw_path()
    whole, *stamped = [_as_sent(message) for message in mail.outbox[-3:]]
    assert stamped == [whole, whole]
    _subject, body, html, _to, headers = whole
    assert headers == {"Content-Language": language}
    assert signature.name in body and escape(signature.name) in html
    assert withdraw_path in body


def test_a_batch_of_one_petitions_signers_renders_each_template_once(bilingual):
    for n in range(12):
        sign(bilingual, f"signer{n}@example.com", name=f"Signer {n}")
    renders: list[str] = []

    def rendered(sender, template, **kwargs):
        renders.append(template.name)

    template_rendered.connect(rendered)
    try:
        assert tasks.send_signature_emails.call() == 12
    finally:
        template_rendered.disconnect(rendered)
    confirmation = [name for name in renders if "signature_confirmation" in name]
    assert sorted(confirmation) == [
        "emails/signature_confirmation.html",
        "emails/signature_confirmation.txt",
        "emails/signature_confirmation_subject.txt",
    ]
    assert {message.to[0] for message in mail.outbox} == {
        f"signer{n}@example.com" for n in range(12)
    }
    assert all(f"Dear Signer {message.to[0][6:-12]}," in message.body for message in mail.outbox)


def test_a_template_that_filters_a_signers_value_is_rendered_whole_for_each(bilingual, monkeypatch):
    signature = _owed(bilingual, "en", "Sam Supporter")
    template = engines["django"].from_string("{{ signature.name|upper }}: {{ confirm_url }}")
    real = emails.get_template
    monkeypatch.setattr(
        emails,
        "get_template",
        lambda name: template if name == "emails/signature_confirmation.txt" else real(name),
    )
    stamps = emails.SignerStamps()
    values = {"name": "x", "confirm_url": "y", "withdraw_url": "z"}
    assert stamps.fill("signature_confirmation", bilingual, "en", values) is None
    emails.signature_confirmation(signature, stamps=stamps)
    [message] = mail.outbox
    assert message.body.startswith("SAM SUPPORTER: http")


def test_a_lower_case_filter_is_noticed_too(bilingual, monkeypatch):
    template = engines["django"].from_string("{{ signature.name|lower }}: {{ confirm_url }}")
    real = emails.get_template
    monkeypatch.setattr(
        emails,
        "get_template",
        lambda name: template if name == "emails/signature_confirmation.txt" else real(name),
    )
    values = {"name": "x", "confirm_url": "y", "withdraw_url": "z"}
    assert emails.SignerStamps().fill("signature_confirmation", bilingual, "en", values) is None
