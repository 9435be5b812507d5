"""Every email the site sends: one function per message.

Each renders ``emails/<name>_subject.txt``, ``emails/<name>.txt`` and ``emails/<name>.html``.
They are called from tasks, never inside a request.
"""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from groundswell.core import i18n


def render_text(template_name: str, context: dict) -> str:
    """A subject or plain-text part: the same template language, with no HTML escaping.

    ``render_to_string`` escapes for HTML, so a title such as "the city's buses" would
    reach a mail client as "the city&#x27;s buses" in a subject, where nothing unescapes it.
    """
    return get_template(template_name).template.render(Context(context, autoescape=False))


def _subject(name: str, context: dict) -> str:
    return " ".join(render_text(f"emails/{name}_subject.txt", context).split())


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _send(
    name: str,
    to: str,
    context: dict,
    headers: dict | None = None,
    connection=None,
    language: str | None = None,
) -> None:
    """Render and send one message; in ``language`` when given (the recipient's, such as
    the one they signed in), else in the active one (the site's own, in the worker)."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    with translation.override(language or translation.get_language()):
        language = translation.get_language()
        parts = (
            _subject(name, context),
            render_text(f"emails/{name}.txt", context),
            render_to_string(f"emails/{name}.html", context),
        )
    _deliver(parts, to, language, headers, connection)


def _deliver(parts: tuple, to: str, language: str, headers: dict | None, connection) -> None:
    """Send a rendered (subject, text, HTML) to one address."""
    subject, text, html = parts
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={"Content-Language": language, **(headers or {})},
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    message.send()


def signer_language(signature) -> str:
    """The language a signer signed in (the site's own for older signatures)."""
    return signature.language or settings.LANGUAGE_CODE


def _signer_link(signature, path: str) -> str:
    """A link in an email to a signer, opening in the language they signed in."""
    return absolute(i18n.with_language(path, signer_language(signature)))


def signature_confirmation(signature, connection=None, stamps=None) -> None:
    """The link that makes a signature count. With ``stamps`` (a batch's ``SignerStamps``),
    rendered once per petition and language and completed for this signer."""
    _send_to_signer(
        "signature_confirmation",
        signature,
        {
            "confirm_url": _signer_link(signature, signature.get_confirm_path()),
            "withdraw_url": _signer_link(signature, signature.get_withdraw_path()),
        },
        connection,
        stamps,
    )


def signature_already_counted(signature, connection=None, stamps=None) -> None:
    """Someone signed again with an address that has already signed: tell them kindly."""
    _send_to_signer(
        "signature_already_counted",
        signature,
        {
            "referral_url": _signer_link(signature, signature.get_referral_path()),
            "withdraw_url": _signer_link(signature, signature.get_withdraw_path()),
        },
        connection,
        stamps,
    )


def _send_to_signer(name: str, signature, links: dict, connection, stamps) -> None:
    language = signer_language(signature)
    values = {"name": signature.name, **links}
    stamped = stamps.fill(name, signature.petition, language, values) if stamps else None
    if stamped is None:
        context = {"signature": signature, "petition": signature.petition, **links}
        _send(name, signature.email, context, connection=connection, language=language)
    else:
        _deliver(stamped, signature.email, language, None, connection)


class SignerStamps:
    """A batch's emails to signers, each rendered once per (email, petition, language) with
    stand-ins for what differs between signers (their name and links), then completed for
    each: a batch of a viral petition's confirmations costs its mailer three template
    renders, not three a signer. The stand-ins are characters of Unicode's private use
    area around a word in both cases and a space, which no escaping changes. The templates
    print these values as they are; should one apply a filter to one (``upper``, ``lower``,
    ``truncatechars``, ``urlencode``), the stand-in comes out changed, and that email is
    rendered whole for each signer, as without stamps. A stamp lives as long as its batch, so an
    edited title reaches the next batch.
    """

    def __init__(self):
        self._stamps: dict = {}

    def fill(self, name: str, petition, language: str, values: dict) -> tuple | None:
        """(subject, text, HTML) for these values, or None if this email cannot be stamped."""
        key = (name, petition.pk, language)
        if key not in self._stamps:
            self._stamps[key] = _stamp(name, petition, language, list(values))
        if self._stamps[key] is None:
            return None
        subject, text, html = self._stamps[key]
        return (
            " ".join(_complete(subject, values, str).split()),
            _complete(text, values, str),
            _complete(html, values, escape),
        )


def _stand_in(field: str) -> str:
    return f"\ue000Value {field}\ue001"


_STAND_IN = re.compile("\ue000Value ([a-z_]+)\ue001")


def _stamp(name: str, petition, language: str, fields: list[str]) -> tuple | None:
    stand_ins = {field: _stand_in(field) for field in fields}
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "signature": {"name": stand_ins["name"]},
        "petition": petition,
        **stand_ins,
    }
    with translation.override(language):
        parts = (
            render_text(f"emails/{name}_subject.txt", context),
            render_text(f"emails/{name}.txt", context),
            render_to_string(f"emails/{name}.html", context),
        )
    for part in parts:
        found = [match[1] for match in _STAND_IN.finditer(part)]
        if part.count("\ue000") != len(found) or not set(found) <= set(fields):
            return None  # a filter changed a stand-in
    return parts


def _complete(part: str, values: dict, escape_value) -> str:
    """In one pass, so that a value is never searched for stand-ins itself."""
    return _STAND_IN.sub(lambda match: escape_value(values[match[1]]), part)


def personal_data(report, language: str | None = None) -> None:
    """Everything held under an address, as readable HTML and a JSON attachment.

    ``report`` is a ``petitions.personal_data.Report``; it goes to its own address only.
    """
    _send_with_files(
        "personal_data",
        report.email,
        {"report": report, "erase_url": absolute(report.erase_path) if report.erase_path else ""},
        [("my-data.json", report.as_json(), "application/json")],
        language=language,
    )


def personal_data_removal_warning(petition, *, to: str) -> None:
    """To an organiser: a closed petition's signers' details will be removed soon."""
    from django.urls import reverse

    _send(
        "personal_data_removal_warning",
        to,
        {
            "petition": petition,
            "removal_at": petition.personal_data_removal_at(),
            "dashboard_url": absolute(reverse("petitions:dashboard", args=[petition.slug])),
            "export_url": absolute(reverse("petitions:export_csv", args=[petition.slug])),
        },
    )


def email_verification(user, verify_path: str) -> None:
    _send("email_verification", user.email, {"user": user, "verify_url": absolute(verify_path)})


def password_reset(user, reset_path: str) -> None:
    _send("password_reset", user.email, {"user": user, "reset_url": absolute(reset_path)})


def email_change(user, new_email: str, confirm_path: str) -> None:
    """To the new address: follow the link to make it the account's."""
    context = {"user": user, "new_email": new_email, "confirm_url": absolute(confirm_path)}
    _send("email_change", new_email, context)


def email_change_taken(user, new_email: str) -> None:
    """To the new address, which another account already uses."""
    _send("email_change_taken", new_email, {"user": user, "new_email": new_email})


def email_changed(user, old_email: str) -> None:
    """To the old address, once the change is made."""
    _send("email_changed", old_email, {"user": user, "old_email": old_email})


def sign_up_attempt(user, login_path: str) -> None:
    """Someone tried to create an account with an address that already has one."""
    _send("sign_up_attempt", user.email, {"user": user, "login_url": absolute(login_path)})


def login_unlock(user, unlock_path: str) -> None:
    """Someone failed to log in to the account too often: the owner can unlock it."""
    _send("login_unlock", user.email, {"user": user, "unlock_url": absolute(unlock_path)})


def webhook_endpoint_disabled(endpoint, *, to: str) -> None:
    _send(
        "webhook_endpoint_disabled",
        to,
        {
            "endpoint": endpoint,
            "organisation": endpoint.organisation,
            "settings_url": absolute(
                reverse("integrations:settings", args=[endpoint.organisation.slug])
            ),
        },
    )


def invitation(invitation, accept_path: str) -> None:
    _send(
        "invitation",
        invitation.email,
        {"invitation": invitation, "accept_url": absolute(accept_path)},
    )


# --- updates --------------------------------------------------------------------------------


def _update_context(update) -> dict:
    return {
        "update": update,
        "petition": update.petition,
        "organisation": update.organisation,
        "update_url": absolute(update.get_absolute_url()),
    }


def petition_update(update, *, signature, unsubscribe_path: str) -> None:
    """An update to one signer who asked for updates, with RFC 8058 one-click unsubscribe."""
    unsubscribe_url = absolute(unsubscribe_path)
    withdraw_url = _signer_link(signature, signature.get_withdraw_path())
    _send(
        "petition_update",
        signature.email,
        {
            **_update_context(update),
            "signature": signature,
            "unsubscribe_url": unsubscribe_url,
            "withdraw_url": withdraw_url,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        language=signer_language(signature),
    )


def petition_update_test(update, *, to: str) -> None:
    """The same message to the organiser themself, marked as a test."""
    _send("petition_update", to, {**_update_context(update), "test": True})


def petition_update_preview(update) -> dict:
    """The subject and plain text a signer would get, for the organiser's preview page."""
    context = {
        "SITE_NAME": settings.SITE_NAME,
        **_update_context(update),
        "signature": {"name": "(the signer's name)"},
        "unsubscribe_url": absolute("/unsubscribe/…/"),
        "withdraw_url": absolute("/p/withdraw/…/"),
    }
    return {
        "subject": _subject("petition_update", context),
        "text": render_text("emails/petition_update.txt", context),
    }


# --- targets: deliveries and answers --------------------------------------------------------


def _send_with_files(
    name: str, to: str, context: dict, files: list[tuple], language: str | None = None
) -> None:
    """``_send`` with attachments: (filename, content, mimetype) tuples."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    with translation.override(language or translation.get_language()):
        message = EmailMultiAlternatives(
            subject=_subject(name, context),
            body=render_text(f"emails/{name}.txt", context),
            to=[to],
        )
        message.attach_alternative(render_to_string(f"emails/{name}.html", context), "text/html")
    for filename, content, mimetype in files:
        message.attach(filename, content, mimetype)
    message.send()


def delivery_to_target(delivery, *, link, pdf: bytes, csv: bytes) -> None:
    """The petition to its target: the PDF, the CSV and the private link to answer.

    ``link.path`` holds the link's token, which exists nowhere else (only its hash is kept).
    """
    slug = delivery.petition.slug
    _send_with_files(
        "delivery_to_target",
        delivery.email,
        {
            "delivery": delivery,
            "petition": delivery.petition,
            "target": delivery.target,
            "answer_url": absolute(link.path),
            "link_expires_at": link.expires_at,
            "petition_url": absolute(delivery.petition.get_absolute_url()),
        },
        [(f"{slug}.pdf", pdf, "application/pdf"), (f"{slug}-signers.csv", csv, "text/csv")],
    )


def delivery_reminder(reminder, *, link) -> None:
    delivery = reminder.delivery
    _send(
        "delivery_reminder",
        delivery.email,
        {
            "reminder": reminder,
            "delivery": delivery,
            "petition": delivery.petition,
            "target": delivery.target,
            "answer_url": absolute(link.path),
            "link_expires_at": link.expires_at,
            "petition_url": absolute(delivery.petition.get_absolute_url()),
        },
    )


def petition_delivered(deliveries: list, *, to: str) -> None:
    """Tell an organiser that their petition went to its targets (by hand or at the threshold)."""
    petition = deliveries[0].petition
    _send(
        "petition_delivered",
        to,
        {
            "deliveries": deliveries,
            "petition": petition,
            "dashboard_url": absolute(f"/p/{petition.slug}/dashboard/"),
        },
    )


def target_answered(delivery, *, to: str) -> None:
    _send(
        "target_answered",
        to,
        {
            "delivery": delivery,
            "petition": delivery.petition,
            "target": delivery.target,
            "answer": delivery.answer,
            "petition_url": absolute(delivery.petition.get_absolute_url() + "#answers"),
        },
    )


# --- support (the confidential help programme): notices that carry no content --------------


def support_adviser_invitation(adviser, join_path: str) -> None:
    _send(
        "support_adviser_invitation",
        adviser.email,
        {"adviser": adviser, "programme": adviser.programme, "join_url": absolute(join_path)},
    )


def _support_adviser_notice(name: str, user, programme) -> None:
    from django.urls import reverse

    home = absolute(reverse("support:adviser_login"))
    _send(name, user.email, {"user": user, "programme": programme, "login_url": home})


def support_adviser_new_offer(user, programme) -> None:
    _support_adviser_notice("support_adviser_new_offer", user, programme)


def support_adviser_accepted(user, programme) -> None:
    _support_adviser_notice("support_adviser_accepted", user, programme)


def support_adviser_new_message(user, programme) -> None:
    _support_adviser_notice("support_adviser_new_message", user, programme)


def support_seeker_notice(address: str) -> None:
    """To the address a seeker chose to leave: no programme, no name, no content."""
    from django.urls import reverse

    _send("support_seeker_notice", address, {"return_url": absolute(reverse("support:return"))})


# --- moderation -----------------------------------------------------------------------------


def petition_review_decision(decision, *, to: str) -> None:
    """A moderator approved or rejected a petition: the organiser learns which, and why."""
    from django.urls import reverse

    petition = decision.petition
    _send(
        "petition_review_decision",
        to,
        {
            "decision": decision,
            "petition": petition,
            "dashboard_url": absolute(reverse("petitions:dashboard", args=[petition.slug])),
            "petition_url": absolute(petition.get_absolute_url()),
        },
    )


# --- letters --------------------------------------------------------------------------------


def cosigner_confirmation(cosigner) -> None:
    """The person signing an open letter for an organisation confirms from their mailbox."""
    _send(
        "cosigner_confirmation",
        cosigner.email,
        {
            "cosigner": cosigner,
            "letter": cosigner.letter,
            "confirm_url": absolute(cosigner.get_confirm_path()),
        },
    )


def cosigner_waiting(cosigner, *, to: str) -> None:
    """An organisation confirmed its co-signature: the letter's organisers approve it."""
    _send(
        "cosigner_waiting",
        to,
        {
            "cosigner": cosigner,
            "letter": cosigner.letter,
            "manage_url": absolute(reverse("letters:manage", args=[cosigner.letter.slug])),
        },
    )
