"""Share links as plain URLs: no third-party script ever runs on our pages."""

import io
import re
from urllib.parse import quote, urlencode

import segno
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MASTODON_INSTANCE = re.compile(
    r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)

MASTODON_USER = re.compile(r"^[a-z0-9_]{0,30}$")

# Where a signer came from, as the link they followed says (?src=...): each share channel
# below, the copied link, the QR code, and the embedded widget. Stored on the signature
# (Signature.source) and counted for the organiser (petitions/insights.py).
SOURCES = {
    "email": _("Email"),
    "x": "X",
    "facebook": "Facebook",
    "whatsapp": "WhatsApp",
    "mastodon": "Mastodon",
    "link": _("Copied link"),
    "qr": _("QR code"),
    "embed": _("Embedded widget"),
}


def clean_source(value: str) -> str:
    """A source a link may name, or "" for anything else (never an error: it is a hint)."""
    return value if value in SOURCES else ""


def with_source(url: str, source: str) -> str:
    return url + ("&" if "?" in url else "?") + f"src={source}"


def share_links(*, url: str, title: str, mastodon_path: str) -> list[dict]:
    """Each link shares the petition's URL tagged with its channel, so signers it brings
    are counted by channel."""
    text = gettext("I signed “%(title)s”. Will you sign too?") % {"title": title}
    mail, x, facebook, whatsapp = (
        with_source(url, s) for s in ("email", "x", "facebook", "whatsapp")
    )
    body = quote(f"{text} {mail}")
    return [
        {"name": gettext("Email"), "href": f"mailto:?subject={quote(title)}&body={body}"},
        {"name": "X", "href": "https://x.com/intent/post?" + urlencode({"text": text, "url": x})},
        {
            "name": "Facebook",
            "href": f"https://www.facebook.com/sharer/sharer.php?u={quote(facebook)}",
        },
        {"name": "WhatsApp", "href": "https://wa.me/?" + urlencode({"text": f"{text} {whatsapp}"})},
        {"name": "Mastodon", "href": mastodon_path},
    ]


def mastodon_share(instance: str, *, url: str, title: str) -> tuple[str, str] | None:
    """The supporter's own Mastodon server and its share page, or None for a bad name."""
    instance = instance.strip().lower().removeprefix("https://").strip("/")
    user = ""
    if "@" in instance:  # a handle, @ann@mastodon.social: the server is after the last @
        user, _, instance = instance.removeprefix("@").rpartition("@")
    if not (MASTODON_USER.match(user) and MASTODON_INSTANCE.match(instance)):
        return None
    text = gettext("I signed “%(title)s”. Will you sign too?") % {"title": title} + f" {url}"
    return instance, f"https://{instance}/share?" + urlencode({"text": text})


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, title="QR code")
    return out.getvalue()
