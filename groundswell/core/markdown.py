"""Markdown written by organisers, rendered once and sanitised with nh3 (Ammonia)."""

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "a", "ul", "ol", "li",
    "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def render_markdown(text: str) -> str:
    """Return safe HTML for ``text``: no scripts, no styles, links that cannot be abused."""
    return sanitise_html(_md.render(text or ""))


def sanitise_html(html: str) -> str:
    """HTML from elsewhere (an imported post) cut down to the same tags as our Markdown."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )
