"""An invalidation running while people sign and confirm, on PostgreSQL, for real."""

import pytest
from django.db import connection
from django.utils import timezone

from groundswell.moderation import actions
from groundswell.moderation.models import Invalidation
from groundswell.moderation.rules import Rule
from groundswell.petitions import actions as petitions
from groundswell.petitions.actions import ConfirmedSignatureInput
from groundswell.petitions.models import Signature
from tests.conftest import sign
from tests.moderation.test_invalidation import assert_exact
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite runs one writer at a time",
    ),
]

SIGNERS = 12  # threads signing and confirming while the invalidation runs
BOTS = 40  # bots per thread whose links are followed during the run


def test_the_count_stays_exact_while_signing_and_confirming_race_an_invalidation(
    petition, mo, monkeypatch
):
    monkeypatch.setattr(actions, "INVALIDATION_BATCH", 20)  # many small transactions
    # Bots waiting to confirm come first, so the rule reaches them while their links race it.
    waiting_bots = [sign(petition, f"late{n}@bots.example") for n in range(SIGNERS * BOTS)]
    now = timezone.now()
    petitions.import_confirmed_signatures(
        petition=petition,
        rows=[
            ConfirmedSignatureInput(f"Bot {n}", f"bot{n}@bots.example", "10001", "US", now)
            for n in range(2000)
        ],
    )
    rule = Rule("email_domain", {"domain": "bots.example"})
    invalidation = Invalidation.objects.create(  # queued; run below, in a racing thread
        rule=rule.kind, parameters=rule.parameters, description=rule.describe(),
        petition=petition, note="A bot farm", matched=2000, created_by=mo,
    )  # fmt: skip

    def work(i: int):
        if i == 0:
            return actions.run_invalidation(invalidation.pk)
        for bot in waiting_bots[(i - 1) * BOTS : i * BOTS]:
            # A bot's link followed as the rule reaches it; as the fast path confirms.
            petitions.confirm_signatures(ref_codes=[bot.ref_code])
        for n in range(10):
            person = sign(petition, f"person{i}-{n}@example.com")
            petitions.confirm_signatures(ref_codes=[person.ref_code])
        return "signed"

    outcomes = run_together(SIGNERS + 1, work)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert outcomes[0] == 2000 + len(waiting_bots)  # every bot row, pending or confirmed
    # Every bot is out, whether its link won the race or the rule did; every person counts.
    assert not Signature.objects.filter(
        email_normalised__endswith="@bots.example", status__in=["confirmed", "pending"]
    ).exists()
    assert assert_exact(petition) == SIGNERS * 10
