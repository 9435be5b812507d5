"""Targets every delivery test knows: Jordan Blake (alice's petition addresses him) with a
contact address, and the helpers that deliver a petition and follow the answer link."""

import re

import pytest

from groundswell.targets import actions
from groundswell.targets.models import Target

JORDAN_EMAIL = "director@agency.example.gov"
ANSWER_LINK = re.compile(r"https?://[^/\s]+(/p/[^/\s]+/respond/[^/\s]+/)")


@pytest.fixture
def jordan(petition):
    """The director alice's petition is addressed to, with a public contact address."""
    target = Target.objects.get(name="Jordan Blake")
    target.email = JORDAN_EMAIL
    target.save()
    return target


def deliver(petition, by, capture, **plan):
    """Deliver ``petition`` and run what follows on commit (the emails)."""
    with capture(execute=True):
        return actions.deliver_petition(petition=petition, by=by, **plan)


def answer_path(body: str) -> str:
    """The path of the private answer link in an email body."""
    match = ANSWER_LINK.search(body)
    assert match, f"no answer link in:\n{body}"
    return match.group(1)


@pytest.fixture
def delivered(petition, jordan, alice, django_capture_on_commit_callbacks, mailoutbox):
    """alice's petition delivered to Jordan Blake, asking for an answer within 14 days."""
    [delivery] = deliver(petition, alice, django_capture_on_commit_callbacks, answer_within_days=14)
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def link_path(delivered, mailoutbox):
    """The private answer link Jordan Blake received."""
    [message] = [m for m in mailoutbox if m.to == [JORDAN_EMAIL]]
    return answer_path(message.body)
