"""Signing: one signature per person, double opt-in, expiry, capped reminders, referrals."""

import time_machine
from django.core import mail
from django.utils import timezone

from groundswell.core.email_address import normalise_email
from groundswell.petitions import actions, counting
from groundswell.petitions.models import Signature, goal_for
from tests.conftest import sign, sign_and_confirm


def test_email_addresses_fold_case_space_and_gmail_dots_and_tags():
    assert normalise_email("  Ann.Lee@Example.COM ") == "ann.lee@example.com"
    assert normalise_email("A.n.n.Lee+petitions@gmail.com") == "annlee@gmail.com"
    assert normalise_email("annlee@googlemail.com") == "annlee@gmail.com"
    # Other providers may treat dots and plus signs as part of the name: keep them.
    assert normalise_email("ann.lee+x@example.org") == "ann.lee+x@example.org"


def test_only_a_confirmed_signature_counts(petition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signature = sign(petition)
    assert signature.status == Signature.Status.PENDING
    assert counting.confirmed_count(petition.pk) == 0
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):  # forgets the cached count
        actions.confirm_signature(token=signature.confirmation_token())
    assert counting.confirmed_count(petition.pk) == 1


def test_a_second_signature_with_the_same_gmail_address_is_not_counted(petition):
    first = sign_and_confirm(petition, "ann.lee@gmail.com")
    second = sign(petition, "AnnLee+again@gmail.com")
    assert second.pk == first.pk
    assert Signature.objects.count() == 1
    assert counting.confirmed_count(petition.pk) == 1


def test_signing_again_after_confirming_sends_a_kind_note_not_a_second_link(
    petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the first link is mailed
        sign_and_confirm(petition, "ann@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign(petition, "ANN@example.com")
    [message] = mail.outbox
    assert "already signed" in message.subject
    assert "/p/confirm/" not in message.body
    assert "?ref=" in message.body


def test_reminders_to_one_address_stop_after_the_cap(
    petition, settings, django_capture_on_commit_callbacks
):
    cap = settings.GROUNDSWELL["MAX_SIGNATURE_EMAILS"]
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(cap + 4):
            sign(petition, "ann@example.com")
    assert len(mail.outbox) == cap
    assert Signature.objects.get().emails_sent == cap


def test_an_unconfirmed_signature_expires_after_seven_days(petition):
    signature = sign(petition)
    with time_machine.travel(timezone.now() + timezone.timedelta(days=7, minutes=1)):
        try:
            actions.confirm_signature(token=signature.confirmation_token())
        except actions.LinkInvalid as error:
            assert "expired" in error.message
        else:
            raise AssertionError("an expired link confirmed a signature")
        assert actions.purge_expired_signatures() == 1
    assert not Signature.objects.exists()
    assert counting.confirmed_count(petition.pk) == 0


def test_purging_keeps_fresh_and_confirmed_signatures(petition):
    with time_machine.travel(timezone.now() - timezone.timedelta(days=8)):
        sign(petition, "old@example.com")
        sign_and_confirm(petition, "old-but-confirmed@example.com")
    sign(petition, "fresh@example.com")
    assert actions.purge_expired_signatures() == 1
    assert set(Signature.objects.values_list("email", flat=True)) == {
        "old-but-confirmed@example.com",
        "fresh@example.com",
    }


def test_signing_again_after_expiry_starts_afresh(petition, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() - timezone.timedelta(days=8)):
        old = sign(petition, "ann@example.com", name="Ann Old")
    with django_capture_on_commit_callbacks(execute=True):
        again = sign(petition, "ann@example.com", name="Ann New")
    again.refresh_from_db()
    assert again.pk == old.pk and again.name == "Ann New" and not again.is_expired()
    actions.confirm_signature(token=again.confirmation_token())
    assert counting.confirmed_count(petition.pk) == 1


def test_a_referral_link_credits_the_recruiter_once_the_recruit_confirms(petition):
    recruiter = sign_and_confirm(petition, "recruiter@example.com")
    recruit = sign(petition, "friend@example.com", referral_code=recruiter.ref_code)
    assert recruit.referred_by_id == recruiter.pk
    signatures = Signature.objects.filter(petition=petition)
    assert list(signatures.top_referrers()) == []  # pending recruits do not count
    actions.confirm_signature(token=recruit.confirmation_token())
    [top] = signatures.top_referrers()
    assert top["referred_by"] == recruiter.pk and top["recruits"] == 1


def test_an_unknown_referral_code_is_ignored(petition):
    assert sign(petition, referral_code="nobody-has-it").referred_by is None


def test_the_goal_climbs_a_ladder_as_milestones_fall():
    assert [goal_for(n) for n in (0, 99, 100, 499, 500, 999, 1000, 4999, 5000)] == [
        100, 100, 500, 500, 1000, 1000, 5000, 5000, 10_000,
    ]  # fmt: skip
    assert goal_for(75_000) == 100_000
    assert goal_for(100_000) == 500_000
    assert goal_for(999_999) == 1_000_000


def test_a_bot_filling_the_honeypot_is_thanked_but_not_recorded(client, petition):
    response = client.post(
        f"/p/{petition.slug}/sign/",
        {"name": "Bot", "email": "bot@example.com", "postcode": "1", "country": "US",
         "website": "http://spam.example"},
    )  # fmt: skip
    assert response.status_code == 302
    assert not Signature.objects.exists()


def test_an_office_behind_one_address_can_all_sign(client, petition):
    """The per-person limit is keyed on address *and* email: colleagues don't block each other."""
    for n in range(40):
        response = client.post(
            f"/p/{petition.slug}/sign/",
            {"name": f"Colleague {n}", "email": f"colleague{n}@agency.example", "postcode": "20001",
             "country": "US"},
            REMOTE_ADDR="203.0.113.7",
        )  # fmt: skip
        assert response.status_code == 302, n
    assert Signature.objects.count() == 40


def test_one_person_hammering_the_form_is_slowed_down(client, petition, settings):
    data = {"name": "Ann", "email": "ann@example.com", "postcode": "1", "country": "US"}
    statuses = [client.post(f"/p/{petition.slug}/sign/", data).status_code for _ in range(7)]
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429, 429]
    assert b"Too many attempts" in client.post(f"/p/{petition.slug}/sign/", data).content
