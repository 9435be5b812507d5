"""Uploaded pictures, decoded and written anew before anything keeps them.

An upload kept byte for byte serves back whatever the file carries: a phone photo's GPS
position and camera serial in its EXIF, text in PNG chunks, a script in a polyglot file.
So every picture is decoded with Pillow, turned upright by its EXIF orientation, and
encoded again without metadata (EXIF, XMP, ICC, comments), under a random name. A file
that does not decode is refused, and so are very large files and very large images: a
small PNG can claim a size whose pixels need gigabytes (a decompression bomb), so the
dimensions in the header are checked before any pixel is read.
"""

import secrets
import warnings
from io import BytesIO

from django import forms
from django.core.files.base import ContentFile
from django.db import models
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_MB = 5
MAX_SIDE = 8000  # pixels, either way
MAX_PIXELS = 40_000_000  # a 40-megapixel camera's photo

# What is read, and what each is written as (animated GIFs keep their first frame only).
_OUTPUT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
_EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
NOT_AN_IMAGE = _("Upload a valid image: a JPEG, PNG, WebP or GIF picture.")


def reencode(upload, *, max_mb: int = MAX_MB) -> ContentFile:
    """``upload`` decoded and encoded again without its metadata; or ValidationError."""
    if upload.size > max_mb * 1024 * 1024:
        raise forms.ValidationError(
            _("The picture is larger than %(mb)d MB. Upload a smaller one.") % {"mb": max_mb}
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(_OUTPUT)) as image:
                _check_dimensions(image.size)
                image.load()
                kind = _OUTPUT[image.format]
                picture = _upright(image, kind)
    except forms.ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Exception:  # Pillow raises many kinds for a broken file; all mean the same here
        raise forms.ValidationError(NOT_AN_IMAGE) from None
    out = BytesIO()
    options = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}
    picture.save(out, kind, **options.get(kind, {}))
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(8)}.{_EXTENSION[kind]}")


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> forms.ValidationError:
    return forms.ValidationError(
        _(
            "The picture is too large: at most %(side)d pixels on a side and "
            "%(megapixels)d megapixels in all."
        )
        % {"side": MAX_SIDE, "megapixels": MAX_PIXELS // 1_000_000}
    )


def _upright(image: Image.Image, kind: str) -> Image.Image:
    """A new image, turned as its EXIF says, in a mode ``kind`` can store, with no info."""
    image = ImageOps.exif_transpose(image)
    if kind == "JPEG":
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert(
            "RGBA" if "transparency" in image.info or "A" in image.mode else "RGB"
        )
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # pixels only: no EXIF, XMP, ICC profile, comments or text chunks
    return clean


class ImageUploadField(forms.ImageField):
    """An image upload whose cleaned value is the picture written anew (``reencode``)."""

    def __init__(self, *, max_mb: int = MAX_MB, **kwargs):
        self.max_mb = max_mb
        kwargs.setdefault("help_text", f"JPEG, PNG, WebP or GIF, at most {max_mb} MB.")
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)  # Pillow is run once, below
        if upload is None:
            return None
        return reencode(upload, max_mb=self.max_mb)


# For a ModelAdmin with an image field: the admin's uploads are written anew too.
ADMIN_FORMFIELD_OVERRIDES = {models.ImageField: {"form_class": ImageUploadField}}
