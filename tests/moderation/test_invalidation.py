"""Fraud rules: a preview, a background run, an exact count, an undo, and a public record."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db.models import Sum
from django.utils import timezone

from groundswell.core.network import network_key
from groundswell.moderation import actions
from groundswell.moderation.models import AuditEntry, Invalidation
from groundswell.moderation.rules import Rule, preview
from groundswell.petitions import counting
from groundswell.petitions.models import CounterShard, Signature
from tests.conftest import log_in_verified, sign, sign_and_confirm


def assert_exact(petition) -> int:
    """The displayed count, the counter shards and the confirmed rows agree."""
    caches["local"].clear()
    rows = Signature.objects.filter(petition=petition, status="confirmed").count()
    shards = CounterShard.objects.filter(petition=petition).aggregate(t=Sum("count"))["t"]
    assert counting.confirmed_count(petition.pk) == shards == rows
    return rows


def _rule_form(**fields):
    return {"rule": "email_domain", "note": "A bot farm", **fields}


def _apply(client, capture, **fields):
    """Preview, then apply (the task runs on commit)."""
    first = client.post("/moderation/invalidations/", _rule_form(**fields))
    assert first.status_code == 200, first.content.decode()
    with capture(execute=True):
        response = client.post(
            "/moderation/invalidations/", _rule_form(previewed="on", really="on", **fields)
        )
    assert response.status_code == 302, response.content.decode()
    return Invalidation.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.fixture
def farm(petition):
    """Five real signers and three bots at bots.example (two of them confirmed)."""
    for n in range(5):
        sign_and_confirm(petition, f"person{n}@example.com")
    sign_and_confirm(petition, "b1@bots.example")
    sign_and_confirm(petition, "b2@mail.bots.example")
    sign(petition, "b3@bots.example")  # pending
    return petition


def test_signing_keeps_a_keyed_hash_of_the_network_never_the_address(client, petition):
    client.post(
        f"/p/{petition.slug}/sign/",
        {"name": "Sam", "email": "sam@example.com", "postcode": "10001", "country": "US"},
        REMOTE_ADDR="203.0.113.77",
    )
    signature = Signature.objects.get()
    assert signature.network_hash == network_key("203.0.113.1")  # the same /24
    assert signature.network_hash != network_key("203.0.114.77")
    assert "203.0.113" not in str(Signature.objects.values().get())


def test_the_fast_path_keeps_the_network_hash_too(transactional_db, petition):
    from groundswell.petitions.actions import Attempt, SignerInput
    from groundswell.petitions.fastpath import SignatureWriter, Waiting

    signer = SignerInput(name="Sam", email="sam@example.com", postcode="10001", country="US")
    waiting = Waiting(Attempt(petition, signer, "2001:db8:1:2::"))
    SignatureWriter(max_queue=1).write([waiting])
    assert waiting.future.result().recorded
    assert Signature.objects.get().network_hash == network_key("2001:db8:1:ffff::1")


def test_a_rule_is_previewed_with_a_count_and_a_sample(client, mo, farm):
    log_in_verified(client, mo)
    response = client.post("/moderation/invalidations/", _rule_form(domain="bots.example"))
    page = response.content.decode()
    assert "This rule would remove 3 signatures" in page
    assert "b…@bots.example" in page and "b…@mail.bots.example" in page
    assert "person0" not in page
    assert not Invalidation.objects.exists()
    assert assert_exact(farm) == 7


def test_applying_a_rule_removes_its_signatures_and_keeps_the_count_exact(
    client, mo, farm, django_capture_on_commit_callbacks
):
    log_in_verified(client, mo)
    invalidation = _apply(client, django_capture_on_commit_callbacks, domain="bots.example")
    assert invalidation.status == Invalidation.Status.APPLIED
    assert (invalidation.processed, invalidation.removed) == (3, 2)
    assert Signature.objects.filter(status=Signature.Status.INVALID).count() == 3
    assert assert_exact(farm) == 5
    page = client.get(f"/moderation/invalidations/{invalidation.pk}/").content.decode()
    assert "Applied" in page and "3 signatures marked invalid, 2 of them confirmed" in page
    entry = AuditEntry.objects.get(action="invalidation.applied")
    assert entry.actor == mo and entry.reason == "A bot farm"


def test_the_petition_page_says_how_many_were_removed_and_when(
    client, mo, farm, django_capture_on_commit_callbacks
):
    log_in_verified(client, mo)
    with time_machine.travel("2026-11-20 12:00Z", tick=True):
        _apply(client, django_capture_on_commit_callbacks, domain="bots.example")
    client.logout()
    caches["local"].clear()
    page = client.get(f"/p/{farm.slug}/").content.decode()
    assert "2 signatures removed as invalid on 20 November 2026." in page


def test_a_removed_pending_signature_can_no_longer_be_confirmed(mo, farm):
    pending = Signature.objects.get(email="b3@bots.example")
    invalidation = actions.start_invalidation(
        rule=Rule("email_domain", {"domain": "bots.example"}), petition=farm, by=mo,
        note="bots", matched=3,
    )  # fmt: skip
    actions.run_invalidation(invalidation.pk)
    from groundswell.core.errors import LinkInvalid
    from groundswell.petitions.actions import confirm_signature, confirm_signatures

    with pytest.raises(LinkInvalid, match="removed as invalid"):
        confirm_signature(token=pending.confirmation_token())
    assert confirm_signatures(ref_codes=[pending.ref_code]) == {}
    assert assert_exact(farm) == 5


def test_a_revert_puts_everything_back_and_recounts_exactly(
    client, mo, farm, django_capture_on_commit_callbacks
):
    log_in_verified(client, mo)
    invalidation = _apply(client, django_capture_on_commit_callbacks, domain="bots.example")
    response = client.post(f"/moderation/invalidations/{invalidation.pk}/", {"note": ""})
    assert response.status_code == 422
    assert "say why this invalidation is reverted" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/moderation/invalidations/{invalidation.pk}/", {"note": "Real people"})
    invalidation.refresh_from_db()
    assert invalidation.status == Invalidation.Status.REVERTED
    assert Signature.objects.get(email="b3@bots.example").status == Signature.Status.PENDING
    assert not Signature.objects.filter(status=Signature.Status.INVALID).exists()
    assert assert_exact(farm) == 7
    caches["local"].clear()
    assert "removed as invalid" not in client.get(f"/p/{farm.slug}/").content.decode()
    assert AuditEntry.objects.filter(action="invalidation.reverted", reason="Real people").exists()


def test_a_network_rule_matches_the_24_or_a_wider_block(petition):
    sign_and_confirm(petition, "a@example.com", network=network_key("203.0.113.5"))
    sign_and_confirm(petition, "b@example.com", network=network_key("203.0.112.9"))
    sign_and_confirm(petition, "c@example.com", network=network_key("198.51.100.1"))
    assert preview(Rule("network", {"network": "203.0.113.0/24"}), petition.pk).matched == 1
    assert preview(Rule("network", {"network": "203.0.112.0/23"}), petition.pk).matched == 2


def test_a_time_window_rule(petition):
    with time_machine.travel("2026-11-01 10:00Z"):
        sign_and_confirm(petition, "early@example.com")
    with time_machine.travel("2026-11-01 10:30Z"):
        sign_and_confirm(petition, "bot@example.com")
    window = {"start": "2026-11-01T10:15:00+00:00", "end": "2026-11-01T10:45:00+00:00"}
    result = preview(Rule("time_window", window), petition.pk)
    assert result.matched == 1 and result.sample[0].email == "bot@example.com"


def test_a_postcode_rule_finds_postcodes_that_do_not_fit_their_country(petition):
    sign_and_confirm(petition, "ok@example.com", postcode="10001", country="US")
    sign_and_confirm(petition, "plus4@example.com", postcode="10001-1234", country="US")
    sign_and_confirm(petition, "bad@example.com", postcode="SW1A 1AA", country="US")
    sign_and_confirm(petition, "uk@example.com", postcode="SW1A 1AA", country="GB")
    result = preview(Rule("postcode_country", {"country": "US"}), petition.pk)
    assert [s.email for s in result.sample] == ["bad@example.com"]


def test_a_burst_rule_finds_many_signatures_from_one_network_within_a_minute(petition):
    busy, calm = network_key("203.0.113.1"), network_key("198.51.100.1")
    with time_machine.travel("2026-11-01 10:00:05Z", tick=False):
        for n in range(4):
            sign_and_confirm(petition, f"burst{n}@example.com", network=busy)
    with time_machine.travel("2026-11-01 10:05:00Z", tick=False):
        sign_and_confirm(petition, "alone@example.com", network=busy)
        for n in range(2):
            sign_and_confirm(petition, f"calm{n}@example.com", network=calm)
    result = preview(Rule("burst", {"per_minute": 3}), petition.pk)
    assert result.matched == 4
    assert {s.email for s in result.sample} == {f"burst{n}@example.com" for n in range(4)}


def test_a_rule_matching_more_than_half_of_a_petition_asks_twice(client, mo, petition):
    sign_and_confirm(petition, "real@example.com")
    for n in range(2):
        sign_and_confirm(petition, f"b{n}@bots.example")
    log_in_verified(client, mo)
    page = client.post("/moderation/invalidations/", _rule_form(domain="bots.example"))
    assert "More than half of" in page.content.decode()
    response = client.post(
        "/moderation/invalidations/", _rule_form(domain="bots.example", previewed="on")
    )
    assert response.status_code == 422
    assert "confirm it" in response.content.decode()
    assert not Invalidation.objects.exists()


def test_a_rule_matching_everything_asks_twice(petition):
    sign_and_confirm(petition, "b@bots.example")
    result = preview(Rule("email_domain", {"domain": "bots.example"}), None)
    assert result.matches_everything and result.needs_second_confirmation
    sign_and_confirm(petition, "real1@example.com")
    sign_and_confirm(petition, "real2@example.com")
    assert not preview(
        Rule("email_domain", {"domain": "bots.example"}), None
    ).needs_second_confirmation


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"rule": "network", "network": "203.0.113"}, "is not a network"),
        ({"rule": "network", "network": "203.0.113.0/28"}, "keep only the /24"),
        ({"rule": "network", "network": "10.0.0.0/8"}, "name a smaller one"),
        ({"rule": "network", "network": ""}, "This rule needs this."),
        ({"rule": "email_domain", "domain": "not a domain"}, "Give a domain name"),
        ({"rule": "teleportation"}, "Choose one of the rules in the list."),
        ({"rule": "postcode_country", "country": "ZZ"}, "knows only the countries listed"),
        ({"rule": "burst", "per_minute": "1"}, "greater than or equal to 2"),
        (
            {"rule": "time_window", "start": "2026-11-02T10:00", "end": "2026-11-01T10:00"},
            "The end must come after the start.",
        ),
        ({"rule": "email_domain", "domain": "bots.example", "note": ""}, "say why these"),
    ],
)
def test_bad_rules_get_clear_form_errors(client, mo, petition, fields, error):
    log_in_verified(client, mo)
    response = client.post("/moderation/invalidations/", {"note": "x", **fields})
    assert response.status_code == 422
    assert error in response.content.decode()


def test_a_rule_that_matches_nothing_says_so(client, mo, petition):
    sign_and_confirm(petition)
    log_in_verified(client, mo)
    response = client.post("/moderation/invalidations/", _rule_form(domain="nobody.example"))
    assert response.status_code == 422
    assert "matches no signatures" in response.content.decode()


def test_the_nightly_recount_finds_and_repairs_drift(petition):
    from groundswell.moderation.tasks import recount_open_petitions

    sign_and_confirm(petition)
    assert recount_open_petitions.call() == 0
    CounterShard.objects.filter(petition=petition, shard=3).update(count=41)  # a bug, say
    assert recount_open_petitions.call() == 1
    assert assert_exact(petition) == 1
    entry = AuditEntry.objects.get(action="count.drift")
    assert "counter said 42, rows say 1" in entry.reason


def test_the_recount_runs_every_night():
    from groundswell.core.management.commands.scheduler import periodic_jobs
    from groundswell.moderation import tasks

    jobs = dict(periodic_jobs())
    assert jobs[tasks.recount_open_petitions] == 24 * 3600


def test_progress_is_shown_while_it_runs(client, mo, farm):
    invalidation = actions.start_invalidation(
        rule=Rule("email_domain", {"domain": "bots.example"}), petition=farm, by=mo,
        note="bots", matched=3,
    )  # fmt: skip
    log_in_verified(client, mo)
    page = client.get(f"/moderation/invalidations/{invalidation.pk}/").content.decode()
    assert "Waiting to run" in page and 'http-equiv="refresh"' in page
    assert timezone.now() - invalidation.created_at < timedelta(minutes=1)


def _tallied(petition) -> int:
    from groundswell.petitions.models import HourlyTally

    return HourlyTally.objects.filter(petition=petition).aggregate(t=Sum("count"))["t"] or 0


def test_the_insights_tallies_follow_an_invalidation_and_its_revert(mo, farm):
    from django.utils import timezone

    from groundswell.petitions import insights

    later = timezone.now() + timedelta(minutes=5)  # past the tally's lag
    insights.tally_confirmed(now=later)
    assert _tallied(farm) == 7
    invalidation = actions.start_invalidation(
        rule=Rule("email_domain", {"domain": "bots.example"}), petition=farm, by=mo,
        note="bots", matched=3,
    )  # fmt: skip
    with time_machine.travel(later, tick=False):
        actions.run_invalidation(invalidation.pk)
        assert _tallied(farm) == 5  # the chart and map no longer count the bots
        invalidation.refresh_from_db()
        actions.revert_invalidation(invalidation=invalidation, by=mo, note="Real people")
        actions.run_revert(invalidation.pk)
        assert _tallied(farm) == 7
