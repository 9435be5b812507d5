from django.utils.text import slugify


def unique_slug(queryset, text: str, *, fallback: str, reserved: set[str] = frozenset()) -> str:
    """A slug for ``text`` that no row of ``queryset`` has and no route of ours uses.

    Taken slugs get a number: "seat-at-the-table", "seat-at-the-table-2", ...
    """
    base = slugify(text)[:70].strip("-") or fallback
    if base in reserved:
        base = f"{base}-{fallback}"
    slug, n = base, 1
    while queryset.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
