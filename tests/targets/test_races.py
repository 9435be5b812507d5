"""Two deliveries, or two answers, at the same instant. PostgreSQL only: SQLite lets one
writer in at a time, so they cannot race."""

import threading

import pytest
from django.db import connection

from groundswell.core.errors import ActionError
from groundswell.targets import actions
from groundswell.targets.models import Answer, AnswerLink, Delivery, Target

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races need PostgreSQL: SQLite runs one writer at a time")


def at_once(*works) -> list:
    """Run each function in its own thread, released together; their results or errors."""
    start = threading.Barrier(len(works))
    results = [None] * len(works)

    def run(i, work):
        try:
            start.wait(10)
            results[i] = work()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return results


def test_two_deliveries_at_once_deliver_once_and_the_other_is_told(petition, alice, bob):
    Target.objects.update(email="director@agency.example.gov")
    results = at_once(
        lambda: actions.deliver_petition(petition=petition, by=alice),
        lambda: actions.deliver_petition(petition=petition, by=bob),
    )
    assert Delivery.objects.count() == 1
    assert sorted(type(r).__name__ for r in results) == ["ActionError", "list"]
    [refusal] = [r for r in results if isinstance(r, ActionError)]
    assert refusal.status == 409


def test_two_answers_through_two_links_at_once_record_one(petition, alice):
    Target.objects.update(email="director@agency.example.gov")
    [delivery] = actions.deliver_petition(petition=petition, by=alice)
    first, _ = AnswerLink.mint(delivery)
    second, _ = AnswerLink.mint(delivery)
    results = at_once(
        lambda: actions.answer_through_link(link=first, text="From the first link."),
        lambda: actions.answer_through_link(link=second, text="From the second link."),
    )
    assert Answer.objects.count() == 1
    assert sum(isinstance(r, Answer) for r in results) == 1
    assert sum(isinstance(r, ActionError) for r in results) == 1
