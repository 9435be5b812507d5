"""A WordPress post's HTML made fit for this site, and a note of everything left behind.

WordPress stores more than HTML in a post: Gutenberg's block comments
(``<!-- wp:paragraph -->``), shortcodes (``[caption]…[/caption]``, ``[gallery ids="1,2"]``),
images, and embeds (iframes, ``[embed]`` and ``wp:embed`` blocks). This site keeps the words
and the links: the comments go, an enclosing shortcode leaves its text, and every image, embed
or media shortcode becomes a plain link to its file or page, named in the import's report.
What remains is sanitised with the same allow-list as organisers' Markdown.
"""

import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3

from groundswell.core.markdown import sanitise_html

# Shortcodes this import knows. Anything else in square brackets is removed only when it
# looks like a shortcode (it has attributes, or a closing [/name] follows), so that "[sic]"
# or "[1]" in an article stays.
MEDIA_SHORTCODES = {"video", "audio", "playlist", "embed", "wpvideo", "youtube", "vimeo"}
KNOWN_SHORTCODES = MEDIA_SHORTCODES | {
    "caption", "wp_caption", "gallery", "contact-form-7", "contact-form", "gravityform",
    "mc4wp_form", "instagram", "tweet", "soundcloud", "pdf-embedder", "button", "column",
    "one_half", "one_third", "row", "vc_row", "vc_column", "vc_column_text", "et_pb_section",
    "et_pb_row", "et_pb_column", "et_pb_text",
}  # fmt: skip
SHORTCODE = re.compile(
    r"\[(\[?)(/?)([a-zA-Z][\w-]*)((?:\s+[^\]]*?)?)\s*(/?)\](\]?)",
)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s'"\]]+))""")
# A block comment's attributes are JSON, never holding "-->" (WordPress escapes it).
SELF_CLOSING_BLOCK = re.compile(r"<!--\s*wp:([\w/-]+)(\s+\{(?:(?!-->).)*?\})?\s*/-->", re.DOTALL)
EMBED_BLOCK = re.compile(
    r"<!--\s*wp:(?:core-)?embed[\w/-]*\s+(\{(?:(?!-->).)*?\})\s*-->", re.DOTALL
)
MEDIA_TAG = re.compile(
    r"<(img|iframe|video|audio|source|embed|object)\b([^>]*)>(?:.*?</\1\s*>)?",
    re.IGNORECASE | re.DOTALL,
)
LINK_ATTRIBUTES = ("src", "data-src", "data", "href")


@dataclass
class Cleaned:
    html: str
    # Each image, embed, gallery or block that could not be kept as it was, in words:
    # "image https://…/a.jpg (linked instead)".
    left_behind: list[str] = field(default_factory=list)


def clean_body(
    raw: str, *, base_url: str = "", attachments: dict[int, str] | None = None
) -> Cleaned:
    """Sanitised HTML for a post's content, with a note of what could not come along."""
    notes: list[str] = []
    text = raw or ""
    text = _self_closing_blocks(text, notes)
    text = _embed_blocks(text, notes)
    text = _shortcodes(text, notes, base_url, attachments or {})
    text = _media_tags(text, notes, base_url)
    return Cleaned(sanitise_html(text), notes)


def plain_text(rendered: str, length: int) -> str:
    """Text from an HTML fragment (a title, an excerpt): tags and shortcodes dropped,
    entities decoded (``&#8220;``, ``&amp;`` and double-escaped ``&amp;#8220;``), spaces folded."""
    text = SHORTCODE.sub(lambda m: "" if _is_shortcode(m, rendered) else m.group(0), rendered)
    text = html.unescape(nh3.clean(text, tags=set()))
    if "&" in text:  # escaped twice on the way out of WordPress
        text = html.unescape(text)
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- Gutenberg blocks --------------------------------------------------------------------


def _self_closing_blocks(text: str, notes: list[str]) -> str:
    """``<!-- wp:latest-posts {…} /-->`` is drawn by WordPress at view time: nothing to keep."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in ("more", "nextpage", "separator", "spacer"):
            notes.append(f"block “{name}” (drawn by WordPress itself; not kept)")
        return ""

    return SELF_CLOSING_BLOCK.sub(replace, text)


def _embed_blocks(text: str, notes: list[str]) -> str:
    """A ``wp:embed`` block names its URL in its attributes; keep it as a link."""

    def replace(match: re.Match) -> str:
        try:
            url = json.loads(match.group(1)).get("url", "")
        except (ValueError, AttributeError):
            url = ""
        if not _is_web(url):
            return ""
        notes.append(f"embed {url} (linked instead)")
        # The block's own wrapper repeats the URL as text; the link replaces the whole block.
        return f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p><!--embed-->'

    text = EMBED_BLOCK.sub(replace, text)
    return re.sub(
        r"<!--embed-->\s*<figure[^>]*wp-block-embed.*?</figure>", "", text, flags=re.DOTALL
    )


# --- Shortcodes --------------------------------------------------------------------------


def _is_shortcode(match: re.Match, text: str) -> bool:
    name = match.group(3).lower()
    if match.group(2):  # [/name]
        return True
    return (
        name in KNOWN_SHORTCODES
        or bool(ATTRIBUTE.search(match.group(4) or ""))
        or f"[/{name}]" in text.lower()
    )


def _attributes(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in ATTRIBUTE.finditer(text or "")
    }


def _shortcodes(text: str, notes: list[str], base_url: str, attachments: dict[int, str]) -> str:
    # Media shortcodes with a URL between their tags: [embed]https://…[/embed]
    def enclosed_media(match: re.Match) -> str:
        url = html.unescape(match.group(3).strip())
        return _media_link(url, match.group(1).lower(), notes, base_url, label="embed")

    text = re.sub(
        r"\[(embed|video|audio|youtube|vimeo)([^\]]*)\](.*?)\[/\1\]",
        lambda m: (
            enclosed_media(m)
            if _is_web(urljoin(base_url, html.unescape(m.group(3).strip())))
            else _media_from_attributes(m.group(1), m.group(2), notes, base_url)
        ),
        text,
        flags=re.IGNORECASE | re.DOTALL,
    )

    def replace(match: re.Match) -> str:
        if match.group(1) and match.group(6):  # [[name]] is WordPress's escape for "[name]"
            return match.group(0)[1:-1]
        if not _is_shortcode(match, text):
            return match.group(0)
        if match.group(2):  # a closing tag: the text between stays
            return ""
        name = match.group(3).lower()
        if name == "gallery":
            return _gallery(match.group(4), notes, attachments)
        if name in MEDIA_SHORTCODES:
            return _media_from_attributes(name, match.group(4), notes, base_url)
        if name not in {"caption", "wp_caption"} and f"[/{name}]" not in text.lower():
            notes.append(f"shortcode [{name}] (no text of its own; removed)")
        return ""

    return SHORTCODE.sub(replace, text)


def _media_from_attributes(name: str, attributes: str, notes: list[str], base_url: str) -> str:
    found = _attributes(attributes)
    for key in ("src", "url", "mp4", "mp3", "m4a", "ogg", "webm", "wav", "id"):
        value = found.get(key, "")
        if value and _is_web(urljoin(base_url, value)):
            return _media_link(value, name, notes, base_url, label=name)
    notes.append(f"{name} shortcode without an address (removed)")
    return ""


def _gallery(attributes: str, notes: list[str], attachments: dict[int, str]) -> str:
    ids = [int(i) for i in re.findall(r"\d+", _attributes(attributes).get("ids", ""))]
    urls = [attachments[i] for i in ids if i in attachments]
    if not urls:
        notes.append(
            f"gallery of attachment{'s' if len(ids) != 1 else ''} {', '.join(map(str, ids))} "
            "(their files are not in this export; removed)"
            if ids
            else "gallery (no attachments named; removed)"
        )
        return ""
    absent = [str(i) for i in ids if i not in attachments]
    notes.append(
        f"gallery of {len(ids)} attachment{'s' if len(ids) != 1 else ''} ({len(urls)} linked "
        "instead" + (f"; {', '.join(absent)} not in this export)" if absent else ")")
    )
    items = "".join(f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in urls)
    return f"<ul>{items}</ul>"


# --- Images and embeds -------------------------------------------------------------------


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if not self.found:
            self.found = {k.lower(): v or "" for k, v in attrs}


def _tag_attributes(tag: str) -> dict[str, str]:
    parser = _Attributes()
    parser.feed(tag)
    parser.close()
    return parser.found


def _media_tags(text: str, notes: list[str], base_url: str) -> str:
    def replace(match: re.Match) -> str:
        kind = match.group(1).lower()
        attributes = _tag_attributes(f"<{kind}{match.group(2)}>")
        url = next((attributes[a] for a in LINK_ATTRIBUTES if attributes.get(a)), "")
        if not url and kind in ("video", "audio"):
            inner = re.search(r"<source\b[^>]*>", match.group(0), re.IGNORECASE)
            url = _tag_attributes(inner.group(0)).get("src", "") if inner else ""
        label = "image" if kind == "img" else ("embed" if kind != "audio" else "audio")
        if kind == "video":
            label = "video"
        words = attributes.get("alt") or attributes.get("title") or ""
        return _media_link(url, label, notes, base_url, label=label, words=words)

    return MEDIA_TAG.sub(replace, text)


def _media_link(
    url: str, kind: str, notes: list[str], base_url: str, *, label: str, words: str = ""
) -> str:
    absolute = urljoin(base_url, url.strip()) if url else ""
    if not _is_web(absolute):
        notes.append(f"{kind} without a web address (removed)")
        return ""
    notes.append(f"{kind} {absolute} (linked instead)")
    text = f"{label.capitalize()}: {words}" if words else f"{label.capitalize()}: {absolute}"
    return f' <a href="{html.escape(absolute)}">{html.escape(text)}</a> '


def _is_web(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)
