"""WordPress's own export format, WXR (Tools → Export): RSS 2.0 with WordPress's namespace.

Read as a stream with the standard library's expat parser, behind defusedxml (no DTD, no
entity declarations, no external entities: an export never has them, and they are how XML
bombs work), in chunks of 64 KiB, so a 10,000-post export never sits in memory whole.
Posts, pages and attachments are read; comments, menus and other post types are skipped.

The parser reports text as it reads it, so when a document breaks, the item being read
keeps every field that was closed before the break, and the field it was in the middle of
(its title or content) up to the break.
"""

import contextlib
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from groundswell.updates.wordpress.items import BadFile, Context, Damage, Item

CHUNK = 64 * 1024
WP_PREFIX = "http://wordpress.org/export/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
EXCERPT_PREFIX = "http://wordpress.org/export/"  # excerpt/1.x/ lives under the same host
DC = "http://purl.org/dc/elements/1.1/"
FIELDS = {
    ("", "title"): "title",
    ("", "link"): "link",
    ("", "pubDate"): "pubdate",
    ("", "guid"): "guid",
    (DC, "creator"): "author",
    (CONTENT, "encoded"): "content",
}
WP_FIELDS = {
    "post_id": "id",
    "post_date": "date",
    "post_date_gmt": "date_gmt",
    "post_modified": "modified",
    "post_modified_gmt": "modified_gmt",
    "post_name": "slug",
    "status": "status",
    "post_type": "type",
    "post_password": "password",
    "attachment_url": "attachment_url",
}
EXPECTED = (
    "title", "link", "guid", "content", "excerpt", "id", "date", "date_gmt", "modified_gmt",
    "slug", "status", "type",
)  # fmt: skip
CUT_TEXT = {"title", "content", "excerpt"}


class _Handler(ContentHandler):
    def __init__(self, name: str, context: Context, keep_items: bool):
        super().__init__()
        self.name, self.context, self.keep_items = name, context, keep_items
        self.items: deque[Item] = deque()
        self.count = 0
        self.depth = 0
        self.is_wxr = False
        self.item: dict | None = None
        self.field: str | None = None  # the item field being read
        self.text: list[str] = []
        self.meta: dict[str, str] = {}
        self.author: dict[str, str] | None = None
        self.term: dict | None = None
        self.skip_depth = 0  # inside a <wp:comment>: nothing of it is read

    def startPrefixMapping(self, prefix, uri):
        if uri and uri.startswith(WP_PREFIX) and "/excerpt/" not in uri:
            self.is_wxr = True

    def startElementNS(self, name, qname, attrs):
        self.depth += 1
        uri, local = name[0] or "", name[1]
        if self.depth == 1:
            if local != "rss":
                raise BadFile(
                    f"{self.name} is XML but not a WordPress export (WXR): its root element is "
                    f"<{qname or local}>, not <rss>."
                )
            return
        if self.skip_depth:
            return
        in_wp = uri.startswith(WP_PREFIX)
        if self.depth == 3 and local == "item":
            if not self.is_wxr:
                raise BadFile(
                    f"{self.name} is an RSS feed, not a WordPress export (WXR): a feed holds "
                    "only recent posts, in part. Export from WordPress's Tools → Export."
                )
            self.count += 1
            self.item, self.meta = {}, {}
            return
        if self.depth == 3 and in_wp and local == "author":
            self.author = {}
            return
        if self.item is not None and self.depth == 4:
            if in_wp and local == "comment":
                self.skip_depth = self.depth
                return
            if local == "category" and not uri:
                self.term = {"domain": attrs.get((None, "domain"), ""), "slug": ""}
                self.term["slug"] = attrs.get((None, "nicename"), "")
            self.field = self._field_of(uri, local)
            self.text = []
            return
        if self.depth == 5 and self.item is not None and in_wp:
            self.field, self.text = f"meta:{local}", []
            return
        if self.depth == 4 and self.author is not None:
            self.field, self.text = f"author:{local}", []

    def _field_of(self, uri: str, local: str) -> str | None:
        if uri.startswith(WP_PREFIX):
            if "/excerpt/" in uri and local == "encoded":
                return "excerpt"
            return WP_FIELDS.get(local, "wp:" + local)
        if local == "category" and not uri:
            return "category"
        return FIELDS.get((uri, local))

    def characters(self, content):
        if self.field is not None and not self.skip_depth:
            self.text.append(content)

    def endElementNS(self, name, qname):
        depth, self.depth = self.depth, self.depth - 1
        if self.skip_depth:
            if depth == self.skip_depth:
                self.skip_depth = 0
            return
        if depth == 3 and self.item is not None:
            self._finish_item()
        elif depth == 3 and self.author is not None:
            login = self.author.get("author_login", "")
            if login:
                self.context.authors[login] = {
                    "name": self.author.get("author_display_name", ""),
                    "email": self.author.get("author_email", ""),
                }
            self.author = None
        elif self.author is not None and self.field and self.field.startswith("author:"):
            self.author[self.field[7:]] = "".join(self.text).strip()
            self.field = None
        elif self.item is not None and depth == 5 and self.field:
            if self.field.startswith("meta:"):
                self.meta[self.field[5:]] = "".join(self.text).strip()
            self.field = None
        elif self.item is not None and depth == 4:
            if name[1] == "postmeta" and self.meta.get("meta_key") == "_thumbnail_id":
                self.item["thumbnail"] = self.meta.get("meta_value", "")
            if self.field:
                self._finish_field()
            self.field, self.text, self.meta = None, [], {}

    def _finish_field(self):
        value = "".join(self.text)
        if self.field == "category" and self.term is not None:
            self.item.setdefault("terms", []).append((value.strip(), self.term["slug"]))
            self.term = None
        elif not self.field.startswith("wp:"):
            stripped = value if self.field in CUT_TEXT else value.strip()
            self.item[self.field] = stripped
        self.field, self.text = None, []

    def _finish_item(self, damage: Damage | None = None):
        fields = self.item
        self.item = None
        if fields.get("type") == "attachment" and fields.get("attachment_url"):
            with contextlib.suppress(ValueError):
                self.context.attachments[int(fields.get("id", ""))] = fields["attachment_url"]
        if not self.keep_items:
            return
        pubdate = fields.get("pubdate", "")
        real = pubdate and "-0001" not in pubdate and " 1970 " not in pubdate  # drafts' dates
        if "date" not in fields and "date_gmt" not in fields and real:
            fields["date_gmt"] = pubdate
        fields["password"] = bool(fields.get("password"))
        thumbnail = fields.pop("thumbnail", "")
        if thumbnail.isdigit():
            found = self.context.attachments.get(int(thumbnail))
            fields["featured"] = found or f"(attachment {thumbnail}, not in this export)"
        self.items.append(Item(self.name, self.count, fields, EXPECTED, damage))

    def broken(self, damage: Damage) -> None:
        """The document broke: keep what arrived of the item being read."""
        if self.item is None:
            return
        if self.field in CUT_TEXT and self.text:
            self.item[self.field] = "".join(self.text)
            damage.cut_field = self.field
        elif self.field and not self.field.startswith(("wp:", "meta:", "author:")):
            damage.cut_field = self.field
        self._finish_item(damage)


def _parser(handler: _Handler) -> DefusedExpatParser:
    parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    return parser


def _run(path: Path, handler: _Handler) -> Iterator[Item]:
    """Feed the file to the parser, yielding items as they complete; SAXParseException or
    BadFile when the document breaks."""
    parser = _parser(handler)
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            parser.feed(chunk)
            while handler.items:
                yield handler.items.popleft()
        parser.close()
    while handler.items:
        yield handler.items.popleft()


def _damage(error: SAXParseException) -> Damage:
    return Damage(
        f"line {error.getLineNumber()}, column {error.getColumnNumber() + 1}: {error.getMessage()}"
    )


def _refuse_dangerous(name: str, error: DefusedXmlException):
    raise BadFile(
        f"{name} declares a DTD or entities ({type(error).__name__}). WordPress exports never "
        "do, and such declarations are how XML bombs work, so it is refused."
    ) from None


def check(name: str, path: Path, context: Context) -> Damage | None:
    """Read the whole file once: is it WXR, is it whole? Learns attachments and authors."""
    handler = _Handler(name, context, keep_items=False)
    try:
        for _ in _run(path, handler):
            pass
    except SAXParseException as error:
        if handler.depth == 0 and not handler.count:
            raise BadFile(f"{name} is not XML that can be read: {error.getMessage()}.") from None
        return _damage(error)
    except DefusedXmlException as error:
        _refuse_dangerous(name, error)
    if not handler.is_wxr:
        raise BadFile(f"{name} is XML but not a WordPress export (WXR).")
    return None


def read(name: str, path: Path, context: Context, *, report_damage) -> Iterator[Item]:
    """Every item, as it is read. At a break, the broken item is yielded with its Damage,
    ``report_damage`` is told, and reading stops (XML cannot be resumed after an error)."""
    handler = _Handler(name, context, keep_items=True)
    try:
        yield from _run(path, handler)
    except SAXParseException as error:
        damage = _damage(error)
        report_damage(damage)
        handler.broken(damage)
        yield from handler.items
    except DefusedXmlException as error:
        _refuse_dangerous(name, error)
