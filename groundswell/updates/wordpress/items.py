"""One post as read from an export (REST JSON or WXR), and how it becomes an ImportedPost.

Readers (``rest``, ``wxr``) only collect fields under common names; every rule about what a
field means lives here, once for both formats: which date wins, which status publishes, what
a broken post keeps.
"""

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from groundswell.updates.actions import ImportedPost
from groundswell.updates.models import Update
from groundswell.updates.wordpress.content import clean_body, plain_text

TITLE_LENGTH = 200
SUMMARY_LENGTH = 1000
LINK_LENGTH = 500
IMPORTED_TYPES = {"post", "page"}
# Human names of the fields, for "missing: …" in a salvaged post's warning.
FIELD_NAMES = {
    "id": "id",
    "guid": "guid",
    "link": "link",
    "slug": "slug",
    "status": "status",
    "type": "post type",
    "date": "date",
    "date_gmt": "date (GMT)",
    "modified": "modified date",
    "modified_gmt": "modified date (GMT)",
    "title": "title",
    "content": "content",
    "excerpt": "excerpt",
    "terms": "categories and tags",
    "author": "author",
}


class BadFile(Exception):
    """The file cannot be imported; the message says which, where and why."""


class Skip(Exception):
    """This item is not imported; the message is the reason, for the report."""


@dataclass
class Damage:
    """Where a document broke, and what the item being read when it broke had got."""

    where: str  # "line 40, column 12 (byte 1234)"
    cut_field: str = ""  # the field being read at the break, kept up to the cut if text


@dataclass
class Item:
    file: str
    index: int  # 1-based position in its file
    fields: dict[str, Any]
    expected: tuple[str, ...] = ()  # what a whole item of this format carries
    damage: Damage | None = None
    left_behind: list[str] = field(default_factory=list)

    def label(self) -> str:
        kind = self.fields.get("type") or "post"
        ident = self.fields.get("id")
        return f"{kind} {ident}" if ident else f"item {self.index}"

    def missing(self) -> list[str]:
        cut = self.damage.cut_field if self.damage else ""
        return [
            FIELD_NAMES.get(name, name)
            for name in self.expected
            if name != cut and name not in self.fields
        ]


@dataclass
class Context:
    """What the whole export tells about each item: its attachments' files, its authors."""

    attachments: dict[int, str] = field(default_factory=dict)
    authors: dict[str, dict[str, str]] = field(default_factory=dict)  # login → name, email
    site_offset: timedelta | None = None  # local time minus GMT, learnt from a post with both


def to_post(item: Item, context: Context) -> ImportedPost:
    """The post ``item`` holds, checked and cleaned; Skip says why not."""
    f = item.fields
    if f.get("problem"):
        raise Skip(f["problem"])
    kind = (f.get("type") or "post").lower()
    if kind not in IMPORTED_TYPES:
        if kind == "attachment" and f.get("attachment_url"):
            raise Skip(f"a media file; posts link to it at {f['attachment_url']}")
        raise Skip(f"a WordPress “{kind}”, not a post or page")
    source_id = _id(f.get("id"))
    link = _link(f.get("link") or "")
    guid = (f.get("guid") or "").strip()[:LINK_LENGTH]
    if not link and not guid:
        if item.damage:
            raise Skip(
                f"cut off at {item.damage.where} before its link or guid arrived: nothing "
                "identifies it, so it cannot be imported (or matched later)"
            )
        raise Skip("it has neither a link nor a guid")
    if not link:
        link = guid if _is_web(guid) else ""
    published = _date(f, "date_gmt", "date", context)
    modified = _date(f, "modified_gmt", "modified", context) or published
    warnings = []
    if published is None:
        if not item.damage:
            raise Skip("it has no date")
        published = modified or timezone.now()
    status = Update.Status.PUBLISHED if f.get("status") == "publish" else Update.Status.DRAFT
    if f.get("password"):
        status = Update.Status.DRAFT
        warnings.append(
            "It is password-protected on WordPress, so it was imported as a draft: "
            "publishing it here would show it to everyone."
        )
    cut = item.damage.cut_field if item.damage else ""
    title = plain_text(f.get("title") or "", TITLE_LENGTH)
    if cut == "title" and title:
        title = title[: TITLE_LENGTH - 1] + "…"
    cleaned = clean_body(f.get("content") or "", base_url=link, attachments=context.attachments)
    if f.get("featured"):
        cleaned.left_behind.append(f"featured image {f['featured']} (not kept)")
    if item.damage:
        status = Update.Status.DRAFT
        warnings.insert(0, salvage_warning(item))
    return ImportedPost(
        source_id=source_id,
        source_guid=guid or link,
        source_url=link,
        post_type=kind,
        title=title or f"Untitled {kind} {source_id or item.index}",
        body_html=cleaned.html,
        summary=plain_text(f.get("excerpt") or "", SUMMARY_LENGTH),
        status=status,
        published_at=published,
        modified_at=modified,
        terms=frozenset(_terms(f.get("terms") or [])),
        author_email=_author_email(f.get("author"), context),
        warning=" ".join(warnings),
        left_behind=tuple(item.left_behind + cleaned.left_behind),
        salvaged=item.damage is not None,
    )


def salvage_warning(item: Item) -> str:
    damage = item.damage
    parts = [f"Salvaged from a damaged export: the file breaks at {damage.where}."]
    if damage.cut_field in ("content", "title", "excerpt"):
        parts.append(f"The {FIELD_NAMES[damage.cut_field]} is cut short there.")
    elif damage.cut_field:
        parts.append(f"The {FIELD_NAMES.get(damage.cut_field, damage.cut_field)} was lost.")
    missing = item.missing()
    if missing:
        parts.append(f"Missing: {', '.join(missing)}.")
    parts.append("Import a whole export to complete it.")
    return " ".join(parts)


def _id(value) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if value in (None, ""):
        return None
    raise Skip(f'field "id": {value!r} is not a positive whole number')


def _link(value: str) -> str:
    link = value.strip()
    if not link:
        return ""
    if not _is_web(link):
        raise Skip(f'field "link": “{link[:80]}” is not a web address')
    if len(link) > LINK_LENGTH:
        raise Skip(f'field "link" is longer than {LINK_LENGTH} characters')
    return link


def _is_web(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _date(f: dict, gmt_field: str, local_field: str, context: Context) -> datetime | None:
    """The GMT date if set (WordPress leaves it empty, or 0000-00-00, on drafts), else the
    local one with the site's offset if another post revealed it, else read as UTC. A date
    that names its own offset keeps it."""
    gmt = _parse(f.get(gmt_field), gmt_field)
    local = _parse(f.get(local_field), local_field)
    both_naive = gmt is not None and local is not None and timezone.is_naive(local)
    if both_naive and timezone.is_naive(gmt) and context.site_offset is None:
        context.site_offset = local - gmt
    if gmt is not None:
        return gmt if timezone.is_aware(gmt) else gmt.replace(tzinfo=UTC)
    if local is None:
        return None
    if timezone.is_aware(local):
        return local
    return local.replace(tzinfo=UTC) - (context.site_offset or timedelta())


def _parse(value, field_name: str) -> datetime | None:
    if value in (None, "") or (isinstance(value, str) and value.startswith("0000-00-00")):
        return None
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip().replace(" ", "T", 1))
        except ValueError:
            parsed = None
        if parsed is None:
            try:  # RFC 822, as in RSS's pubDate
                parsed = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                parsed = None
    if parsed is None:
        raise Skip(f'field "{field_name}": {value!r} is not a date and time')
    return parsed


def _terms(terms) -> set[str]:
    """Every way a category or tag can be named: its name, its slug, its id."""
    names = set()
    for term in terms:
        for value in term if isinstance(term, (list, tuple)) else (term,):
            if value not in (None, ""):
                names.add(html.unescape(str(value)).strip().lower())
    return names


def _author_email(author, context: Context) -> str:
    if isinstance(author, str):
        return context.authors.get(author, {}).get("email", "")
    return ""
