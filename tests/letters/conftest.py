import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from groundswell.letters import actions
from groundswell.petitions import actions as petitions
from groundswell.petitions.actions import TargetInput


def png(size=(900, 300), name="logo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def start_letter(union, alice, **fields):
    return actions.create_letter(
        organisation=union,
        created_by=alice,
        title=fields.pop("title", "A seat at the table"),
        summary=fields.pop("summary", "We ask for a seat at the meetings that decide our work."),
        text=fields.pop("text", "Dear Director,\n\nWe have **waited six weeks**."),
        targets=fields.pop(
            "targets", [TargetInput("Jordan Blake", "Director, Immigration and Customs Enforcement")]
        ),
        answer_within_days=fields.pop("answer_within_days", 14),
        **fields,
    )


@pytest.fixture
def letter(union, alice, mo, settings, tmp_path):
    """An open letter of alice's union, open for co-signing."""
    settings.MEDIA_ROOT = tmp_path
    drafted = start_letter(union, alice, remind_every_days=7)
    petitions.submit_for_review(petition=drafted)
    return petitions.approve_petition(petition=drafted, reviewer=mo)
