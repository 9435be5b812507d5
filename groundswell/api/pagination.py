"""Keyset (cursor) pagination, the same shape for every list: ``{"items": [...], "next": url}``.

A page is ``WHERE key > last key ORDER BY key LIMIT n + 1``: page 10,000 costs what page 1
costs, and rows inserted meanwhile neither repeat nor shift a page. The cursor is the
last row's key (base64url JSON); ``next`` is null on the last page.
"""

import base64
import binascii
import json
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import urlencode

from django.db import models
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from ninja import Field, Schema
from ninja.errors import HttpError

from groundswell.core.emails import absolute

DEFAULT_LIMIT = 50
MAX_LIMIT = 100

T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next: str | None = Field(
        description="The next page's URL (same filters, a cursor), or null on the last page"
    )


def _encode(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, fields: list[models.Field]) -> list:
    refused = HttpError(
        422, gettext("This cursor is not valid: follow the `next` link as it was given.")
    )
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise refused from None
    if not isinstance(values, list) or len(values) != len(fields):
        raise refused
    decoded = []
    for field, value in zip(fields, values, strict=True):
        if isinstance(field, models.DateTimeField):
            value = parse_datetime(value) if isinstance(value, str) else None
        elif not isinstance(value, int) or isinstance(value, bool):
            value = None
        if value is None:
            raise refused
        decoded.append(value)
    return decoded


def _after(names: list[str], values: list, descending: bool) -> Q:
    """Rows after the cursor: (a, pk) > (x, y), written so an index on a serves it."""
    beyond, beyond_or_equal = ("lt", "lte") if descending else ("gt", "gte")
    if len(names) == 1:
        return Q(**{f"{names[0]}__{beyond}": values[0]})
    (first, pk), (x, y) = names, values
    return Q(**{f"{first}__{beyond_or_equal}": x}) & (
        Q(**{f"{first}__{beyond}": x}) | Q(**{f"{pk}__{beyond}": y})
    )


def paginate(request, queryset, *, key: tuple[str, ...], limit: int | None, cursor: str | None):
    """One page of ``queryset`` ordered by ``key`` (``("-published_at", "-pk")``, ``("pk",)``:
    one direction, the last name unique). Returns ``(items, next_url)``."""
    descending = key[0].startswith("-")
    names = [name.lstrip("-") for name in key]
    meta = queryset.model._meta
    fields = [meta.pk if name == "pk" else meta.get_field(name) for name in names]
    size = min(MAX_LIMIT, max(1, limit or DEFAULT_LIMIT))
    if cursor:
        queryset = queryset.filter(_after(names, _decode(cursor, fields), descending))
    rows = list(queryset.order_by(*key)[: size + 1])
    items, more = rows[:size], len(rows) > size
    if not more:
        return items, None
    last = items[-1]
    query = {k: v for k, v in request.GET.items() if k != "cursor"}
    query["cursor"] = _encode([getattr(last, name) for name in names])
    return items, absolute(request.path) + "?" + urlencode(query)


def page(items: list, next_url: str | None) -> dict:
    return {"items": items, "next": next_url}
