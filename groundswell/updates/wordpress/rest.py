"""Posts from a WordPress site's REST API (``/wp-json/wp/v2/posts`` or ``/pages``).

A file holds one post object or a list of them (one page of the paginated list). Real files
are messy, and this is accepted: HTML entities and ``\\u`` escapes in titles, escaped
slashes, raw control characters (unescaped newlines) inside strings.

A damaged file (a broken download) is found by ``check`` before anything is written. With
salvage, ``read`` yields every whole post, then what arrived of the broken one (its whole
fields, and its title or content up to the cut), then tries to find the next post after the
damage (each post starts with ``{"id":``).
"""

import json
import re
from collections.abc import Iterator
from json.decoder import scanstring

from groundswell.updates.wordpress.items import BadFile, Damage, Item

DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines inside strings
NEXT_POST = re.compile(r'\{\s*"id"\s*:')
WHITESPACE = re.compile(r"\s*")
EXPECTED = (
    "id", "date", "date_gmt", "guid", "modified", "modified_gmt", "slug", "status", "link",
    "title", "content", "excerpt",
)  # fmt: skip
CUT_TEXT = {"title", "content", "excerpt"}


def where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column} (character {pos + 1})"


def check(name: str, text: str) -> Damage | None:
    """None for a whole document; BadFile for one that holds no posts at all."""
    try:
        data = DECODER.decode(text)
    except json.JSONDecodeError as error:
        if not NEXT_POST.search(text):
            raise BadFile(
                f"{name} is not a WordPress REST export: it is not JSON ({error.msg} at "
                f"{where(text, error.pos)}) and holds no post."
            ) from None
        return Damage(where(text, error.pos) + f": {error.msg}")
    _shape(name, data)
    return None


def _shape(name: str, data) -> None:
    if isinstance(data, dict) and "id" not in data:
        if "message" in data and "code" in data:
            raise BadFile(f"{name} holds a WordPress error, not posts: {data['message']}")
        raise BadFile(f"{name} is JSON but not a WordPress post or list of posts.")
    if not isinstance(data, (dict, list)):
        raise BadFile(f"{name} is JSON but not a WordPress post or list of posts.")


def read(name: str, text: str, *, salvage: bool, report_damage) -> Iterator[Item]:
    """Every item in ``text``. With ``salvage`` a damaged document yields what can be read,
    and ``report_damage(Damage)`` is told about each break; without, it must be whole."""
    if not salvage:
        data = DECODER.decode(text)
        _shape(name, data)
        for index, obj in enumerate(data if isinstance(data, list) else [data], start=1):
            yield _item(name, index, obj)
        return
    yield from _salvage(name, text, report_damage)


def _salvage(name: str, text: str, report_damage) -> Iterator[Item]:
    pos = _ws(text, 0)
    single = text.startswith("{", pos)
    if not single:
        if not text.startswith("[", pos):
            report_damage(Damage(where(text, pos) + ": the file does not start with [ or {"))
            return
        pos += 1
    index = 0
    while True:
        pos = _ws(text, pos)
        if pos >= len(text):
            if not single or index == 0:
                report_damage(Damage(where(text, pos) + ": the file ends too early"))
            return
        if text[pos] == "]" and not single:
            return
        if text[pos] == "," and index:
            pos += 1
            continue
        index += 1
        try:
            obj, pos = DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            obj, _end, _whole, cut = _partial(text, pos, [])
            damage = Damage(where(text, error.pos) + f": {error.msg}", _field(cut))
            report_damage(damage)
            if isinstance(obj, dict) and obj:
                yield _item(name, index, obj, damage)
            resume = None if single else _next_post(text, error.pos + 1)
            if resume is None:
                return
            pos = resume
            continue
        yield _item(name, index, obj)
        if single:
            return


def _next_post(text: str, pos: int) -> int | None:
    """Where the next whole post starts after damage: an object that opens with "id" and
    has a post's fields (a category embedded in a post opens with "id" too)."""
    for found in NEXT_POST.finditer(text, pos):
        try:
            obj, _end = DECODER.raw_decode(text, found.start())
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and ("link" in obj or "guid" in obj):
            return found.start()
    return None


def _field(cut: list[str] | None) -> str:
    if not cut:
        return ""
    top = cut[0]
    return {"categories": "terms", "tags": "terms", "_embedded": "terms"}.get(top, top)


def _ws(text: str, pos: int) -> int:
    return WHITESPACE.match(text, pos).end()


def _partial(text: str, pos: int, path: list[str]):
    """(value, end, whole, cut_path): as much of the JSON value at ``pos`` as is readable."""
    pos = _ws(text, pos)
    if pos >= len(text):
        return None, pos, False, path
    char = text[pos]
    if char == "{":
        obj: dict = {}
        pos += 1
        while True:
            pos = _ws(text, pos)
            if pos >= len(text) or text[pos] not in '},"':
                return obj, pos, False, path
            if text[pos] == "}":
                return obj, pos + 1, True, None
            if text[pos] == ",":
                pos += 1
                continue
            try:
                key, pos = scanstring(text, pos + 1, False)
            except ValueError:
                return obj, pos, False, path
            pos = _ws(text, pos)
            if not text.startswith(":", pos):
                return obj, pos, False, path
            value, pos, whole, cut = _partial(text, pos + 1, [*path, key])
            if whole or value not in (None, "", {}, []):
                obj[key] = value
            if not whole:
                return obj, pos, False, cut
    if char == "[":
        items: list = []
        pos += 1
        while True:
            pos = _ws(text, pos)
            if pos >= len(text):
                return items, pos, False, path
            if text[pos] == "]":
                return items, pos + 1, True, None
            if text[pos] == ",":
                pos += 1
                continue
            value, pos, whole, cut = _partial(text, pos, path)
            if not whole:
                return items, pos, False, cut
            items.append(value)
    if char == '"':
        try:
            value, end = scanstring(text, pos + 1, False)
            return value, end, True, None
        except ValueError:
            return _string_prefix(text[pos + 1 :]), len(text), False, path
    try:
        value, end = DECODER.raw_decode(text, pos)
    except json.JSONDecodeError:
        return None, pos, False, path
    if end >= len(text):  # a number at the very end may have lost digits
        return None, end, False, path
    return value, end, True, None


def _string_prefix(raw: str) -> str:
    """The readable start of a string cut off (or broken) somewhere inside."""
    for cut in range(len(raw), max(len(raw) - 7, -1), -1):
        try:
            return scanstring(raw[:cut] + '"', 0, False)[0]
        except ValueError:
            continue
    end = raw.find("\\")
    return scanstring(raw[:end] + '"', 0, False)[0] if end > 0 else ""


def _item(name: str, index: int, obj, damage: Damage | None = None) -> Item:
    if not isinstance(obj, dict):
        return Item(name, index, {"problem": "it is not a JSON object"})
    fields: dict = {}
    for key in ("id", "slug", "status", "type", "link", "date", "date_gmt", "modified"):
        if key in obj:
            fields[key] = obj[key]
    if "modified_gmt" in obj:
        fields["modified_gmt"] = obj["modified_gmt"]
    for key in ("guid", "title", "content", "excerpt"):
        if key in obj:
            value = obj[key]
            if isinstance(value, dict):
                value = value.get("rendered")
            if value is not None and not isinstance(value, str):
                fields["problem"] = f'field "{key}.rendered" is not text'
            elif isinstance(obj[key], str) and key != "guid":
                fields["problem"] = f'field "{key}.rendered": is not an object'
            else:
                fields[key] = value or ""
    for key in ("link", "status", "type", "slug"):
        if key in fields and not isinstance(fields[key], (str, type(None))):
            fields["problem"] = f'field "{key}" is not text'
    if isinstance(obj.get("content"), dict) and obj["content"].get("protected"):
        fields["password"] = True
    terms = _terms(obj)
    if terms:
        fields["terms"] = terms
    embedded = obj.get("_embedded") if isinstance(obj.get("_embedded"), dict) else {}
    media = embedded.get("wp:featuredmedia") or []
    if media and isinstance(media[0], dict) and media[0].get("source_url"):
        fields["featured"] = media[0]["source_url"]
    if damage and damage.cut_field and damage.cut_field not in CUT_TEXT:
        fields.pop(damage.cut_field, None)  # half a date or link is no date or link
    return Item(name, index, fields, EXPECTED, damage)


def _terms(obj: dict) -> list:
    """Categories and tags: ids always; names and slugs when fetched with ``_embed``."""
    terms = []
    for key in ("categories", "tags"):
        for term_id in obj.get(key) or []:
            if isinstance(term_id, (int, str)):
                terms.append((term_id,))
    embedded = obj.get("_embedded") if isinstance(obj.get("_embedded"), dict) else {}
    for group in embedded.get("wp:term") or []:
        for term in group if isinstance(group, list) else []:
            if isinstance(term, dict):
                terms.append((term.get("id"), term.get("name"), term.get("slug")))
    return terms
