"""Every email the site sends: one function per message.

Each renders ``emails/<name>_subject.txt``, ``emails/<name>.txt`` and ``emails/<name>.html``.
They are called from tasks, never inside a request.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _send(name: str, to: str, context: dict, headers: dict | None = None) -> None:
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}.txt", context),
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"emails/{name}.html", context), "text/html")
    message.send()


def signature_confirmation(signature) -> None:
    _send(
        "signature_confirmation",
        signature.email,
        {
            "signature": signature,
            "petition": signature.petition,
            "confirm_url": absolute(signature.get_confirm_path()),
        },
    )


def signature_already_counted(signature) -> None:
    """Someone signed again with an address that has already signed: tell them kindly."""
    _send(
        "signature_already_counted",
        signature.email,
        {
            "signature": signature,
            "petition": signature.petition,
            "referral_url": absolute(signature.get_referral_path()),
        },
    )


def email_verification(user, verify_path: str) -> None:
    _send("email_verification", user.email, {"user": user, "verify_url": absolute(verify_path)})


def invitation(invitation, accept_path: str) -> None:
    _send(
        "invitation",
        invitation.email,
        {"invitation": invitation, "accept_url": absolute(accept_path)},
    )
