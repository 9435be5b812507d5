"""Milestones of the goal ladder are recorded once, and post an update if the organiser wants."""

import pytest
from django.core.cache import caches

from groundswell.updates import actions
from groundswell.updates.models import Milestone, Update
from groundswell.updates.tasks import PERIODIC, record_milestones
from tests.conftest import PASSWORD
from tests.updates.conftest import add_signers


def run_detector() -> None:
    caches["local"].clear()  # the count cache is per process and a second long
    record_milestones.enqueue()


@pytest.mark.parametrize(
    ("count", "rungs"),
    [(99, []), (100, [100]), (499, [100]), (1000, [100, 500, 1000]),
     (75_000, [100, 500, 1000, 5000, 10_000, 50_000])],
)  # fmt: skip
def test_the_rungs_a_count_has_reached(count, rungs):
    assert actions.rungs_reached(count) == rungs


def test_the_detector_runs_every_minute():
    assert (record_milestones, 60) in PERIODIC


def test_passing_a_rung_records_it_once_without_an_update_by_default(petition):
    add_signers(petition, 99)
    run_detector()
    assert not Milestone.objects.exists()
    add_signers(petition, 1, prefix="hundredth")
    run_detector()
    run_detector()
    assert list(Milestone.objects.values_list("rung", flat=True)) == [100]
    assert not Update.objects.exists()


def test_an_organiser_who_opted_in_gets_one_update_for_the_highest_rung(
    client, alice, petition, mailoutbox, django_capture_on_commit_callbacks
):
    client.login(username=alice.email, password=PASSWORD)
    client.post(f"/p/{petition.slug}/updates/settings/", {"milestone_updates": "on"})
    add_signers(petition, 520)
    with django_capture_on_commit_callbacks(execute=True):
        run_detector()
    assert list(Milestone.objects.values_list("rung", flat=True)) == [100, 500]
    update = Update.objects.get()
    assert update.title == "500 people have signed"
    assert update.origin == Update.Origin.AUTOMATIC
    assert update.status == Update.Status.PUBLISHED
    assert "Our next goal is 1,000" in update.body_html
    assert Milestone.objects.get(rung=500).update == update
    assert not mailoutbox  # not emailed unless asked for
    assert "500 people have signed" in client.get(f"/p/{petition.slug}/").content.decode()

    run_detector()
    assert Update.objects.count() == 1


def test_milestone_emails_respect_the_mailing_limit(
    alice, petition, mailoutbox, django_capture_on_commit_callbacks
):
    actions.set_update_settings(petition=petition, milestone_updates=True, email_milestones=True)
    add_signers(petition, 100)
    with django_capture_on_commit_callbacks(execute=True):
        run_detector()
    assert len(mailoutbox) == 100

    add_signers(petition, 400, prefix="more")
    with django_capture_on_commit_callbacks(execute=True):
        run_detector()
    assert Update.objects.count() == 2  # the 500 update is on the page ...
    assert len(mailoutbox) == 100  # ... but not mailed again within the day


def test_closed_petitions_are_not_watched(petition):
    from groundswell.petitions.actions import close_petition

    add_signers(petition, 150)
    close_petition(petition=petition)
    run_detector()
    assert not Milestone.objects.exists()


def test_the_dashboard_shows_the_settings_and_the_milestones(client, alice, petition):
    add_signers(petition, 100)
    run_detector()
    client.login(username=alice.email, password=PASSWORD)
    page = client.get(f"/p/{petition.slug}/dashboard/").content.decode()
    assert "Post an update when the petition passes a milestone" in page
    assert "Passed: 100" in page
