"""The emails of write-to-your-official campaigns: one function per message.

Each renders ``letters/writing/emails/<name>_subject.txt``, ``.txt`` and ``.html`` (the
letter to an office is plain text only: it is a letter). Called from the worker's tasks,
never in a request.
"""

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from groundswell.core import i18n
from groundswell.core.emails import absolute, render_text

TEMPLATES = "letters/writing/emails"


def _context(context: dict) -> dict:
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}


def writer_confirmation(writer, connection=None) -> None:
    """Confirm your address and your letters go out: in the language of the page they wrote
    on, as is the page the link opens."""
    language = writer.language or settings.LANGUAGE_CODE
    confirm_url = absolute(i18n.with_language(writer.get_confirm_path(), language))
    context = _context({"writer": writer, "campaign": writer.campaign, "confirm_url": confirm_url})
    with translation.override(language):
        message = EmailMultiAlternatives(
            subject=" ".join(render_text(f"{TEMPLATES}/confirm_subject.txt", context).split()),
            body=render_text(f"{TEMPLATES}/confirm.txt", context),
            to=[writer.email],
            headers={"Content-Language": language},
            connection=connection,
        )
        html = render_to_string(f"{TEMPLATES}/confirm.html", context)
        message.attach_alternative(html, "text/html")
    message.send()


def letter_to_office(letter, *, token: str, connection=None) -> None:
    """One supporter's letter, frozen, with the office's private answer link."""
    writer = letter.writer
    answer_url = absolute(reverse("letters:writing:answer", args=[token]))
    context = _context({"letter": letter, "campaign": letter.campaign, "answer_url": answer_url})
    EmailMessage(
        subject=letter.subject,
        body=render_text(f"{TEMPLATES}/letter.txt", context),
        to=[letter.to_email],
        reply_to=[writer.email],
        connection=connection,
    ).send()
