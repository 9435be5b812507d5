import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from groundswell.letters import actions
from groundswell.petitions import actions as petitions
from groundswell.petitions.actions import TargetInput
from groundswell.targets import actions as targets


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
            "targets",
            [TargetInput("Jordan Blake", "Director, Immigration and Customs Enforcement")],
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


CLERK = TargetInput("Dana Reyes", "City Clerk, Springfield")


@pytest.fixture
def log(union, alice):
    return actions.create_requests_log(
        organisation=union, created_by=alice, title="Springfield information requests"
    )


def _request(log, alice, *, sent_on, days, method="post", reference=""):
    return actions.add_request(
        log=log,
        by=alice,
        request=actions.RequestInput(
            subject=f"Use-of-force records {reference}",
            text="Under the public records law we request ...",
            target=CLERK,
            sent_on=sent_on,
            deadline=sent_on + timedelta(days=days),
            method=method,
            reference=reference,
        ),
    )


def _answer(item, alice, on, *, declined=False):
    targets.record_outside_answer(
        delivery=item.delivery,
        by=alice,
        source="letter",
        received_on=on,
        text="" if declined else "Records attached.",
        declined=declined,
        email_signers=False,
    )


@pytest.fixture
def mixed(log, alice, time_machine):
    """Five requests: in time, late, refused, no answer past its deadline, still waiting."""
    time_machine.move_to("2026-03-20 12:00", tick=False)
    in_time = _request(log, alice, sent_on=date(2026, 3, 1), days=14, reference="R-1")
    _answer(in_time, alice, date(2026, 3, 10))
    late = _request(log, alice, sent_on=date(2026, 3, 1), days=3, reference="R-2")
    _answer(late, alice, date(2026, 3, 9))
    refused = _request(log, alice, sent_on=date(2026, 3, 2), days=3, reference="R-3")
    _answer(refused, alice, date(2026, 3, 4), declined=True)
    _request(log, alice, sent_on=date(2026, 3, 2), days=14, reference="R-4")
    _request(log, alice, sent_on=date(2026, 3, 18), days=14, reference="R-5")
    return log
