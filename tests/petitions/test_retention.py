"""Signers' personal data goes a set time after a petition closes; counts and tallies stay."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from groundswell.petitions import actions, counting, tasks
from groundswell.petitions.models import Petition, Signature, add_months
from groundswell.targets.documents import breakdown
from tests.conftest import PASSWORD, open_petition, sign, sign_and_confirm

START = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def signers(petition, prefix: str) -> None:
    sign_and_confirm(petition, f"{prefix}-ny@example.com", postcode="10001", comment="NY")
    sign_and_confirm(petition, f"{prefix}-ca@example.com", postcode="94103", show_name=True)
    sign_and_confirm(petition, f"{prefix}-gb@example.com", postcode="SW1A 1AA", country="GB")
    sign(petition, f"{prefix}-pending@example.com")


def at(when):
    return time_machine.travel(when, tick=False)


def retention_job(capture):
    """The petitions' part of what the job did (other apps add theirs: letters' writers)."""
    with capture(execute=True):
        done = tasks.remove_expired_personal_data.call()
    return {key: done[key] for key in ("warned", "removed")}


def personal(petition) -> list[tuple]:
    return list(
        Signature.objects.filter(petition=petition)
        .exclude(name="", email="", postcode="")
        .values_list("name", "email", "postcode", "comment")
    )


def count(petition) -> int:
    counting.forget(petition.pk)
    return counting.confirmed_count(petition.pk)


@pytest.fixture
def batch(union, alice, bob, mo):
    """Opened on START: one stays open, one closes a month later, one five months later."""
    with at(START):
        petitions = {
            name: open_petition(union, alice, mo, title=f"The {name} petition")
            for name in ("open", "early", "late")
        }
        for name, petition in petitions.items():
            signers(petition, name)
    with at(START + timedelta(days=30)):
        actions.close_petition(petition=petitions["early"])
    with at(START + timedelta(days=150)):
        actions.close_petition(petition=petitions["late"])
    return {name: Petition.objects.get(pk=p.pk) for name, p in petitions.items()}


def test_a_mixed_batch_open_closed_and_expired_only_the_expired_lose_personal_data(
    batch, django_capture_on_commit_callbacks
):
    tallies = {name: breakdown(p) for name, p in batch.items()}
    early_removal = add_months(batch["early"].closed_at, 6)
    mail.outbox.clear()

    # Fourteen days before the early one's date: its organisers are warned, nothing removed.
    with at(early_removal - timedelta(days=14)):
        assert retention_job(django_capture_on_commit_callbacks) == {"warned": 1, "removed": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert batch["early"].title in mail.outbox[0].subject
    assert "/signatures.csv" in mail.outbox[0].body  # export first
    assert all(len(personal(p)) == 4 for p in batch.values())

    with at(early_removal + timedelta(hours=1)):
        assert retention_job(django_capture_on_commit_callbacks) == {"warned": 0, "removed": 3}

    early = Petition.objects.get(pk=batch["early"].pk)
    assert early.personal_data_removed_at is not None
    assert personal(early) == []
    assert not Signature.objects.filter(petition=early, status="pending").exists()
    assert count(early) == 3  # counts stay
    assert breakdown(early).by_country == tallies["early"].by_country
    assert breakdown(early).by_state == tallies["early"].by_state
    assert set(Signature.objects.filter(petition=early).values_list("us_state", flat=True)) == {
        "NY", "CA", "",
    }  # fmt: skip
    assert Signature.objects.filter(petition=early, confirmed_at__isnull=True).count() == 0
    # The open one and the one closed later keep everything.
    assert len(personal(batch["open"])) == 4
    assert len(personal(batch["late"])) == 4
    assert len(mail.outbox) == 2  # nobody warned twice

    late_removal = add_months(batch["late"].closed_at, 6)
    with at(late_removal + timedelta(days=1)):
        retention_job(django_capture_on_commit_callbacks)  # warns: not removed without notice
        assert len(personal(batch["late"])) == 4
    with at(late_removal + timedelta(days=15)):
        assert retention_job(django_capture_on_commit_callbacks)["removed"] == 3
    assert personal(batch["late"]) == []
    assert len(personal(batch["open"])) == 4
    assert count(batch["open"]) == 3


def test_the_retention_period_is_the_organisations_setting(
    batch, union, django_capture_on_commit_callbacks
):
    union.signer_retention_months = 12
    union.save()
    six_months_on = add_months(batch["early"].closed_at, 6) + timedelta(days=20)

    with at(six_months_on):
        assert retention_job(django_capture_on_commit_callbacks) == {"warned": 0, "removed": 0}

    with at(add_months(batch["early"].closed_at, 12) - timedelta(days=14)):
        assert retention_job(django_capture_on_commit_callbacks)["warned"] == 1


def test_the_dashboard_says_when_personal_data_will_go_and_when_it_went(
    client, batch, alice, django_capture_on_commit_callbacks
):
    client.login(username=alice.email, password=PASSWORD)
    early = batch["early"]

    with at(early.closed_at + timedelta(days=30)):
        open_page = client.get(f"/p/{batch['open'].slug}/dashboard/").content.decode()
        closed_page = client.get(f"/p/{early.slug}/dashboard/").content.decode()

    assert "6 months after this petition closes" in open_page
    assert add_months(early.closed_at, 6).strftime("%-d %B %Y") in closed_page
    with at(add_months(early.closed_at, 6) - timedelta(days=14)):
        retention_job(django_capture_on_commit_callbacks)
    with at(add_months(early.closed_at, 6) + timedelta(days=1)):
        retention_job(django_capture_on_commit_callbacks)
    # The session was last saved at a travelled-to date, so it has expired by now.
    client.login(username=alice.email, password=PASSWORD)
    removed_page = client.get(f"/p/{early.slug}/dashboard/").content.decode()
    assert "were removed on" in removed_page


def test_the_retention_job_is_scheduled():
    assert tasks.remove_expired_personal_data in [job for job, _every in tasks.PERIODIC]


def test_an_owner_sets_the_retention_period_and_others_cannot(client, union, alice, bob, charlie):
    client.login(username=alice.email, password=PASSWORD)
    page = client.get(f"/accounts/org/{union.slug}/").content.decode()
    assert "removed <strong>6 months</strong> after a petition closes" in page
    assert f'action="/accounts/org/{union.slug}/retention/"' in page
    response = client.post(
        f"/accounts/org/{union.slug}/retention/", {"signer_retention_months": "12"}
    )
    assert response.status_code == 302
    union.refresh_from_db()
    assert union.signer_retention_months == 12

    client.force_login(bob)  # an editor sees the period but no form to change it
    page = client.get(f"/accounts/org/{union.slug}/").content.decode()
    assert "<strong>12 months</strong>" in page and "/retention/" not in page
    for outsider, status in ((bob, 403), (charlie, 404)):
        client.force_login(outsider)
        response = client.post(
            f"/accounts/org/{union.slug}/retention/", {"signer_retention_months": "1"}
        )
        assert response.status_code == status
    union.refresh_from_db()
    assert union.signer_retention_months == 12


def test_a_retention_period_not_offered_is_refused(client, union, alice):
    client.login(username=alice.email, password=PASSWORD)

    response = client.post(
        f"/accounts/org/{union.slug}/retention/", {"signer_retention_months": "0"}
    )

    assert response.status_code == 302
    union.refresh_from_db()
    assert union.signer_retention_months == 6


def test_months_are_added_to_the_calendar():
    assert add_months(datetime(2026, 8, 31), 6) == datetime(2027, 2, 28)
    assert add_months(datetime(2026, 1, 15), 12) == datetime(2027, 1, 15)
    assert add_months(datetime(2027, 8, 29), 6) == datetime(2028, 2, 29)
