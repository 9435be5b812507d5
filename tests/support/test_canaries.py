"""Canaries: unique strings in a story, answers, messages and contact details are readable
on the pages of the people allowed to read them, and nowhere else: not in a full dump of
the database, not in any log line (every logger at DEBUG, SQL with its parameters), not in
the cache. Neither is the receipt code."""

import logging
from uuid import uuid4

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from groundswell.support.models import HelpRequest, Match
from tests.support.conftest import (
    ask_for_help,
    assert_nowhere,
    cache_contents,
    database_dump,
    log_in_adviser,
    seeker_accepts_first_adviser,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def every_log_line(caplog):
    """Every logger at DEBUG, including each SQL statement and its parameters."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def test_canaries_are_read_by_the_right_people_and_stored_nowhere_in_clear(
    programme, vera, every_log_line
):
    canary = {
        name: f"canary-{name}-{uuid4().hex}"
        for name in ("story", "answer", "employer", "contact", "notify", "said", "replied", "shown")
    }
    seeker = Client()
    receipt = ask_for_help(
        seeker,
        programme,
        situation=f"My situation: {canary['story']}",
        q0=canary["answer"],
        employer=canary["employer"],
        contact=canary["contact"],
        notify_email=f"{canary['notify']}@example.net",
        notify_consent="on",
    )
    adviser = log_in_adviser(Client(), vera)
    match = Match.objects.get()
    seeker_accepts_first_adviser(seeker, adviser, match)
    seeker.post("/help/request/message/", {"body": canary["said"]})
    adviser.post(f"/help/adviser/r/{match.code}/message/", {"body": canary["replied"]})
    seeker.post("/help/request/reveal/", {"contact": canary["shown"], "understood": "on"})

    # The people allowed to read them can: so the searches below can fail.
    adviser_page = adviser.get(match.get_absolute_url()).content.decode()
    for name in ("story", "answer", "said", "replied", "shown"):
        assert canary[name] in adviser_page
    returning = Client()
    assert returning.post("/help/return/", {"receipt": receipt}).status_code == 302
    seeker_page = returning.get("/help/request/").content.decode()
    for name in ("story", "answer", "employer", "said", "replied", "shown"):
        assert canary[name] in seeker_page
    notices = [m for m in mail.outbox if m.subject == "There is news for you"]
    assert len(notices) == 2  # the adviser said yes; the adviser replied
    assert {tuple(m.to) for m in notices} == {(f"{canary['notify']}@example.net",)}

    dump, cache = database_dump(), cache_contents()
    logs = every_log_line.text
    assert HelpRequest.objects.get().receipt_hash in dump  # the dump does hold the request
    assert "SELECT" in logs  # and the log did record every query
    for secret in [*canary.values(), receipt, receipt.replace("-", "")]:
        assert_nowhere(secret, dump=dump, logs=logs, cache=cache)
