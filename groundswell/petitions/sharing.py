"""Share links as plain URLs: no third-party script ever runs on our pages."""

import io
import re
from urllib.parse import quote, urlencode

import segno

MASTODON_INSTANCE = re.compile(
    r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)

MASTODON_USER = re.compile(r"^[a-z0-9_]{0,30}$")


def share_links(*, url: str, title: str, mastodon_path: str) -> list[dict]:
    text = f"I signed “{title}”. Will you sign too?"
    return [
        {"name": "Email", "href": f"mailto:?subject={quote(title)}&body={quote(text + ' ' + url)}"},
        {"name": "X", "href": "https://x.com/intent/post?" + urlencode({"text": text, "url": url})},
        {"name": "Facebook", "href": "https://www.facebook.com/sharer/sharer.php?u=" + quote(url)},
        {"name": "WhatsApp", "href": "https://wa.me/?" + urlencode({"text": f"{text} {url}"})},
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
    text = f"I signed “{title}”. Will you sign too? {url}"
    return instance, f"https://{instance}/share?" + urlencode({"text": text})


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, title="QR code")
    return out.getvalue()
