"""Uploaded pictures are decoded and written anew: no metadata, no bombs, no impostors."""

import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from groundswell.core import images
from groundswell.petitions.models import Petition
from groundswell.targets.models import Target
from tests.conftest import PASSWORD

GPS_IFD, MAKE, MODEL, ORIENTATION = 0x8825, 0x010F, 0x0110, 0x0112


def jpeg_from_a_phone(size=(64, 32), orientation=1) -> bytes:
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[ORIENTATION] = "SpyCorp", "SpyPhone 9", orientation
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = BytesIO()
    Image.new("RGB", size, "green").save(out, "JPEG", exif=exif, comment=b"home address")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small, valid PNG whose header claims ``width`` x ``height`` pixels."""
    out = BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = bytes(data[12:29])  # b"IHDR" + width, height, depth, colour, ...
    ihdr = ihdr[:4] + struct.pack(">II", width, height) + ihdr[12:]
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def _targets():
    return {"targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "0",
            "targets-0-name": "Pat", "targets-0-role": "Head"}  # fmt: skip


def start_with_image(client, alice, content: bytes, name="rally.jpg"):
    client.login(username=alice.email, password=PASSWORD)
    image = SimpleUploadedFile(name, content, content_type="image/jpeg")
    return client.post("/p/new/", {"title": "T", "demand": "D", "image": image, **_targets()})


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_petition_image_is_stored_without_its_gps_position_or_camera(client, alice, media):
    original = jpeg_from_a_phone()
    assert b"SpyPhone" in original and b"home address" in original
    response = start_with_image(client, alice, original, name="IMG_at_home.jpg")
    assert response.status_code == 302
    stored = Petition.objects.get().image
    assert "IMG_at_home" not in stored.name and stored.name.endswith(".jpg")
    content = stored.read()
    assert b"SpyPhone" not in content and b"SpyCorp" not in content
    assert b"home address" not in content
    with Image.open(BytesIO(content)) as picture:
        assert not picture.getexif()
        assert picture.size == (64, 32)


def test_a_target_photo_is_written_anew_too(client, alice, petition, media):
    jordan = Target.objects.get(name="Jordan Blake")
    client.login(username=alice.email, password=PASSWORD)
    response = client.post(f"/targets/{jordan.pk}/edit/", {
        "name": "Jordan Blake", "role": jordan.role, "email": "director@agency.example.gov",
        "photo": SimpleUploadedFile("j.jpg", jpeg_from_a_phone()),
    })  # fmt: skip
    assert response.status_code == 302
    jordan.refresh_from_db()
    content = jordan.photo.read()
    assert b"SpyPhone" not in content
    with Image.open(BytesIO(content)) as picture:
        assert not picture.getexif()


def test_a_photo_taken_sideways_is_stored_upright(media):
    cleaned = images.reencode(SimpleUploadedFile("p.jpg", jpeg_from_a_phone(orientation=6)))
    with Image.open(cleaned) as picture:
        assert picture.size == (32, 64)


def test_a_file_over_five_megabytes_is_refused_with_its_size(client, alice, media):
    big_png = b"\x89PNG\r\n\x1a\n" + b"\x00" * (20 * 1024 * 1024)
    response = start_with_image(client, alice, big_png, name="huge.png")
    assert response.status_code == 422
    assert "larger than 5 MB" in response.content.decode()
    assert not Petition.objects.exists()


@pytest.mark.parametrize("size", [(100_000, 100_000), (7000, 7000), (9000, 10)])
def test_an_image_claiming_too_many_pixels_is_refused_before_it_is_decoded(
    client, alice, media, size
):
    response = start_with_image(client, alice, png_claiming(*size), name="bomb.png")
    assert response.status_code == 422
    assert "The picture is too large" in response.content.decode()
    assert not Petition.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"<?php echo 1; ?>", jpeg_from_a_phone()[:300], b"GIF89a" + b"\x00" * 40, b""],
    ids=["script", "truncated jpeg", "broken gif", "empty"],
)
def test_a_file_that_does_not_decode_is_refused(client, alice, media, content):
    response = start_with_image(client, alice, content)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Upload a valid image" in page or "The submitted file is empty" in page
    assert not Petition.objects.exists()


def test_a_png_with_transparency_stays_a_png_with_its_alpha(media):
    out = BytesIO()
    Image.new("RGBA", (4, 4), (255, 0, 0, 0)).save(out, "PNG")
    cleaned = images.reencode(SimpleUploadedFile("t.png", out.getvalue()))
    assert cleaned.name.endswith(".png")
    with Image.open(cleaned) as picture:
        assert picture.mode == "RGBA" and picture.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize(("model", "field"), [(Petition, "image"), (Target, "photo")])
def test_the_admin_writes_its_uploads_anew_too(rf, mo, model, field):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = mo
    form = admin.site._registry[model].get_form(request)
    assert isinstance(form.base_fields[field], images.ImageUploadField)
