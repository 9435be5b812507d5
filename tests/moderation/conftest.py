"""Fixtures of trust and safety: a petition waiting for review, reported content."""

import pytest

from groundswell.petitions import actions
from tests.conftest import make_user, start_petition


@pytest.fixture
def submitted(union, alice):
    """A draft of alice's union, submitted for review."""
    petition = start_petition(union, alice, title="Fund the night buses")
    return actions.submit_for_review(petition=petition)


@pytest.fixture
def staffer(db):
    """Staff in Django's sense (is_staff: the admin's door), but not a moderator."""
    return make_user("stef@example.org", "Stef Staff", is_staff=True)
