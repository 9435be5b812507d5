"""What the owning apps write for webhooks: nothing without an endpoint, one cheap row with."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groundswell.integrations import actions
from groundswell.integrations.models import WebhookEvent
from groundswell.petitions.actions import confirm_signatures
from groundswell.targets import actions as targets
from groundswell.targets.models import Delivery, Target
from tests.conftest import sign


def _confirm_five(petition, tag: str) -> list[str]:
    codes = [sign(petition, f"{tag}{i}@example.com").ref_code for i in range(5)]
    actions.organisations_listening("signature.confirmed")  # the per-process set, warm
    with CaptureQueriesContext(connection) as queries:
        confirm_signatures(ref_codes=codes)
    return [q["sql"] for q in queries.captured_queries]


def test_confirming_costs_one_insert_more_with_an_endpoint_and_nothing_more_without(
    union, petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        without = _confirm_five(petition, "a")
    actions.create_endpoint(
        organisation=union,
        created_by=None,
        url="https://h.example.org/",
        events=["signature.confirmed"],
    )
    with django_capture_on_commit_callbacks(execute=False):
        with_endpoint = _confirm_five(petition, "b")
    extra = [q for q in with_endpoint if "integrations_webhookevent" in q]
    assert len(with_endpoint) == len(without) + 1
    assert len(extra) == 1 and extra[0].lstrip().upper().startswith("INSERT")
    assert not [q for q in without if "integrations_" in q]


def test_an_answer_is_an_event(union, alice, petition, django_capture_on_commit_callbacks):
    actions.create_endpoint(
        organisation=union,
        created_by=None,
        url="https://h.example.org/",
        events=["petition.answered"],
    )
    target = Target.objects.get(name="Jordan Blake")
    delivery = Delivery.objects.create(
        petition=petition, target=target, delivered_at=timezone.now(), method="post"
    )
    with django_capture_on_commit_callbacks(execute=False):
        answer = targets.record_outside_answer(
            delivery=delivery, by=alice, source="letter", received_on=timezone.localdate(),
            text="We will issue the guidance.",
        )  # fmt: skip
    [row] = WebhookEvent.objects.all()
    [event] = row.data["events"]
    assert event["id"] == f"evt_answer_{answer.pk}" and event["type"] == "petition.answered"
    assert event["data"]["text"] == "We will issue the guidance."
    assert event["data"]["petition"] == petition.slug and event["data"]["declined"] is False
