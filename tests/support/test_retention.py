"""Retention: unmatched requests go after the programme's unmatched period (30 days by
default), matched or closed ones after its inactivity period (90 days), and a new message
starts the inactivity count again. The daily task deletes exactly the due ones."""

from datetime import UTC, datetime, timedelta

import time_machine

from groundswell.support import actions, tasks
from groundswell.support.models import HelpRequest, Match, Message, SeekerSession

DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
INTAKE = actions.Intake(
    sector="enforcement", region="americas-east", language="en", situation="x", skills=["cv"]
)


def at(day: int):
    return time_machine.travel(DAY0 + timedelta(days=day), tick=False)


def ask(programme, day: int) -> actions.NewRequest:
    with at(day):
        return actions.submit_request(programme=programme, intake=INTAKE)


def matched(programme, day: int) -> actions.NewRequest:
    created = ask(programme, day)
    with at(day):
        match = created.request.live_match()
        actions.accept_offer(match=match)
        actions.accept_adviser(match=match, seeker_key=created.key)
    return created


def test_the_daily_job_deletes_exactly_the_requests_that_are_due(programme, vera):
    vera.capacity = 20
    vera.save()
    due = {
        "unmatched for 31 days": ask(programme, 64),
        "matched, silent for 91 days": matched(programme, 4),
        "closed 91 days ago": matched(programme, 4),
    }
    kept = {
        "unmatched for 29 days": ask(programme, 66),
        "matched, silent for 89 days": matched(programme, 6),
        "matched long ago, but a message 35 days ago": matched(programme, 0),
        "closed 89 days ago": matched(programme, 6),
    }
    with at(4):
        actions.close_request(help_request=due["closed 91 days ago"].request)
    with at(6):
        actions.close_request(help_request=kept["closed 89 days ago"].request)
    with at(60):
        talking = kept["matched long ago, but a message 35 days ago"].request.live_match()
        actions.send_message(match=talking, author=Message.Author.SEEKER, body="still here")

    with at(95):
        deleted = tasks.purge_expired_help_requests.call()

    assert deleted == 3
    remaining = set(HelpRequest.objects.values_list("pk", flat=True))
    assert remaining == {c.request.pk for c in kept.values()}
    assert not Match.objects.filter(request_id__in=[c.request.pk for c in due.values()]).exists()


def test_a_message_restarts_the_inactivity_count(programme, vera):
    created = matched(programme, 0)
    with at(80):
        match = created.request.live_match()
        actions.send_message(match=match, author=Message.Author.ADVISER, body="checking in")
    with at(100):
        assert tasks.purge_expired_help_requests.call() == 0
    with at(171):
        assert tasks.purge_expired_help_requests.call() == 1
    assert not HelpRequest.objects.exists() and not Message.objects.exists()


def test_the_programme_sets_its_own_periods(programme, vera):
    programme.unmatched_days = 7
    programme.save()
    ask(programme, 0)
    with at(7):
        assert tasks.purge_expired_help_requests.call() == 0
    with at(8):
        assert tasks.purge_expired_help_requests.call() == 1


def test_expired_seeker_sessions_go_too(client, programme, vera):
    from tests.support.conftest import ask_for_help

    with at(0):
        ask_for_help(client, programme)
    assert SeekerSession.objects.count() == 1
    with at(1):
        tasks.purge_expired_help_requests.call()
        assert client.get("/help/request/").status_code == 302
    assert not SeekerSession.objects.exists()


def test_retention_runs_daily():
    assert (tasks.purge_expired_help_requests, 24 * 3600) in tasks.PERIODIC
