"""Posts from a WordPress site's REST API (``/wp-json/wp/v2/posts``), read and checked.

Real exports are messy, and all of this is accepted: HTML entities and ``\\u`` escapes in
titles, escaped slashes, and raw control characters (unescaped newlines) inside strings,
which a strict JSON parser rejects. Every post is checked before anything is written, and
a problem names the post (its place in the file and its id) and the field.
"""

import html
import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import nh3
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from groundswell.core.markdown import sanitise_html
from groundswell.updates.actions import ImportedPost
from groundswell.updates.models import Update

STATUSES = {
    "publish": Update.Status.PUBLISHED,
    "future": Update.Status.SCHEDULED,
    "draft": Update.Status.DRAFT,
    "pending": Update.Status.DRAFT,
    "private": Update.Status.DRAFT,
    "auto-draft": Update.Status.DRAFT,
    "trash": Update.Status.DRAFT,
}
TITLE_LENGTH = 200
SUMMARY_LENGTH = 1000
LINK_LENGTH = 500


class BadFile(Exception):
    """The file cannot be imported; the message says where and why."""


class BadPost(BadFile):
    def __init__(self, index: int, post_id, field: str, problem: str):
        who = f"id {post_id}" if post_id is not None else "no usable id"
        super().__init__(f'Post {index} ({who}), field "{field}": {problem}')


def parse(text: str) -> list[ImportedPost]:
    """Every post in ``text`` (a list of posts, or one post object), or BadFile."""
    try:
        data = json.loads(text, strict=False)  # strict=False: raw newlines inside strings
    except json.JSONDecodeError as error:
        raise BadFile(
            f"This is not JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if isinstance(data, dict):
        if "id" not in data and "message" in data:
            raise BadFile(f"The file holds a WordPress error, not posts: {data['message']}")
        data = [data]
    if not isinstance(data, list):
        raise BadFile("Expected a list of posts, or one post object.")
    posts = [_post(index, item) for index, item in enumerate(data, start=1)]
    _refuse_duplicates(posts)
    return posts


def _post(index: int, item) -> ImportedPost:
    if not isinstance(item, dict):
        raise BadPost(index, None, "(post)", "is not an object.")
    post_id = _id(index, item)

    def bad(field: str, problem: str) -> BadPost:
        return BadPost(index, post_id, field, problem)

    published = _date(item, "date_gmt", "date", bad, required=True)
    status = _text(item, "status", bad)
    if status not in STATUSES:
        raise bad("status", f"“{status}” is not one of {', '.join(STATUSES)}.")
    title = _plain(_rendered(item, "title", bad), TITLE_LENGTH) or f"Untitled post {post_id}"
    return ImportedPost(
        source_id=post_id,
        source_url=_link(item, bad),
        title=title,
        body_html=sanitise_html(_rendered(item, "content", bad)),
        summary=_plain(_rendered(item, "excerpt", bad, required=False), SUMMARY_LENGTH),
        status=STATUSES[status],
        published_at=published,
        modified_at=_date(item, "modified_gmt", "modified", bad, required=False) or published,
    )


def _id(index: int, item: dict) -> int:
    value = item.get("id")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        problem = "is missing." if value is None else f"{value!r} is not a positive whole number."
        raise BadPost(index, None, "id", problem)
    return value


def _text(item: dict, field: str, bad, required: bool = True) -> str:
    value = item.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise bad(field, "is missing." if value is None else "is not text.")
    return value


def _rendered(item: dict, field: str, bad, required: bool = True) -> str:
    value = item.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, dict):
        raise bad(f"{field}.rendered", "is missing." if value is None else "is not an object.")
    return _text(value, "rendered", lambda _f, problem: bad(f"{field}.rendered", problem))


def _plain(rendered: str, length: int) -> str:
    """Text from a rendered HTML fragment: tags dropped, entities decoded, spaces folded."""
    text = html.unescape(nh3.clean(rendered, tags=set()))
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _link(item: dict, bad) -> str:
    link = _text(item, "link", bad).strip()
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise bad("link", f"“{link[:80]}” is not a web address.")
    if len(link) > LINK_LENGTH:
        raise bad("link", f"is longer than {LINK_LENGTH} characters.")
    return link


def _date(item: dict, gmt_field: str, local_field: str, bad, *, required: bool) -> datetime | None:
    """The GMT field if set (drafts have none), else the local one; naive times are UTC."""
    field = gmt_field if item.get(gmt_field) else local_field
    value = item.get(field)
    if value is None or value == "":
        if required:
            raise bad(local_field, "is missing.")
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise bad(field, f"{value!r} is not a date and time like 2024-03-05T14:00:00.")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _refuse_duplicates(posts: list[ImportedPost]) -> None:
    seen_ids: dict[int, int] = {}
    seen_links: dict[str, int] = {}
    for index, post in enumerate(posts, start=1):
        for seen, key, field in (
            (seen_ids, post.source_id, "id"),
            (seen_links, post.source_url, "link"),
        ):
            if key in seen:
                raise BadPost(
                    index, post.source_id, field, f"post {seen[key]} has the same {field}."
                )
            seen[key] = index
