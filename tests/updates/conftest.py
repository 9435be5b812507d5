"""Helpers for updates: signers in bulk, and updates in each state."""

import pytest
from django.utils import timezone

from groundswell.petitions.actions import ConfirmedSignatureInput, import_confirmed_signatures
from groundswell.updates import actions


def add_signers(petition, n: int, *, wants_updates: bool = True, prefix: str = "signer") -> None:
    """``n`` confirmed signatures at once (bulk insert, counted exactly)."""
    now = timezone.now()
    rows = [
        ConfirmedSignatureInput(
            name=f"Signer {i}",
            email=f"{prefix}{i}@example.com",
            postcode="10001",
            country="US",
            confirmed_at=now,
            wants_updates=wants_updates,
        )
        for i in range(n)
    ]
    import_confirmed_signatures(petition=petition, rows=rows)


@pytest.fixture
def draft_update(petition, alice):
    return actions.write_update(
        petition=petition,
        author=alice,
        title="We met the director\u2019s office",
        body="They promised an answer **within 14 days**.<script>alert(1)</script>",
    )


@pytest.fixture
def tested_update(draft_update, alice):
    """A draft whose organiser has mailed herself a test of the current words."""
    actions.send_test(update=draft_update, to=alice)
    return draft_update


@pytest.fixture
def press_release(union, alice):
    return actions.write_press_release(
        organisation=union,
        author=alice,
        title="75,000 officers and citizens back discretion",
        body="For immediate release.",
    )
