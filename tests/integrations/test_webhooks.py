"""Webhooks: signed per Standard Webhooks, batched, retried, leased, refused for private
addresses, disabled after a day of failures; a real HTTP receiver on loopback."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from groundswell.integrations import actions, tasks
from groundswell.integrations.models import (
    DeliveryAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from groundswell.petitions.actions import confirm_signatures
from groundswell.updates import actions as updates
from tests.conftest import sign, sign_and_confirm


def _endpoint(organisation, url, events=("signature.confirmed",)) -> WebhookEndpoint:
    return actions.create_endpoint(
        organisation=organisation, created_by=None, url=url, events=list(events)
    )


def _events(receiver) -> list[dict]:
    return [e for body in receiver.bodies() for e in json.loads(body)["data"]["events"]]


def test_a_confirmation_is_delivered_signed_and_the_library_verifies_it(
    union, petition, receiver, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(union, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        signature = sign_and_confirm(petition, "ann@example.com")
    [(headers, body)] = receiver.requests
    payload = Webhook(endpoint.secret).verify(body, headers)  # the library's own verifier
    assert payload["type"] == "batch"
    [event] = payload["data"]["events"]
    assert event["id"] == f"evt_sig_{signature.pk}"
    assert event["type"] == "signature.confirmed"
    assert event["data"] == {"signature_id": signature.pk, "petition": petition.slug}
    assert b"ann@example.com" not in body  # no personal data in the event itself
    delivery = WebhookDelivery.objects.get()
    assert headers["webhook-id"] == delivery.message_id
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    [attempt] = delivery.tries.all()
    assert attempt.succeeded and attempt.status_code == 200


def test_a_tampered_body_or_another_secret_fails_verification(
    union, petition, receiver, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(union, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        sign_and_confirm(petition)
    [(headers, body)] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(body.replace(b"signature", b"signaturf"), headers)
    other = _endpoint(union, receiver.url + "/other")
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(body, headers)


def test_after_rotation_both_secrets_verify_for_a_day(
    union, petition, receiver, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(union, receiver.url)
    old = endpoint.secret
    endpoint = actions.rotate_secret(endpoint=endpoint)
    assert endpoint.secret != old
    with django_capture_on_commit_callbacks(execute=True):
        sign_and_confirm(petition)
    [(headers, body)] = receiver.requests
    Webhook(old).verify(body, headers)
    Webhook(endpoint.secret).verify(body, headers)
    assert endpoint.signing_secrets(timezone.now() + timedelta(hours=25)) == [endpoint.secret]


def test_nothing_is_written_on_confirmation_when_the_organisation_has_no_endpoint(
    union, charlie, petition, receiver, django_capture_on_commit_callbacks
):
    _endpoint(charlie.organisations.get(), receiver.url)  # someone else's endpoint
    codes = [sign(petition, f"s{i}@example.com").ref_code for i in range(5)]
    with django_capture_on_commit_callbacks(execute=False):
        confirm_signatures(ref_codes=codes)
    assert not WebhookEvent.objects.exists()


def test_a_batch_of_confirmations_is_one_outbox_row(
    union, petition, receiver, django_capture_on_commit_callbacks
):
    _endpoint(union, receiver.url)
    codes = [sign(petition, f"s{i}@example.com").ref_code for i in range(5)]
    with django_capture_on_commit_callbacks(execute=False):
        confirm_signatures(ref_codes=codes)
    [row] = WebhookEvent.objects.all()
    assert len(row.data["items"]) == 5


def test_events_are_batched_into_few_deliveries_per_endpoint(
    settings, union, petition, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_BATCH_SIZE = 2
    _endpoint(union, receiver.url)
    _endpoint(union, receiver.url + "/second")
    codes = [sign(petition, f"s{i}@example.com").ref_code for i in range(5)]
    with django_capture_on_commit_callbacks(execute=False):
        confirm_signatures(ref_codes=codes)
    with django_capture_on_commit_callbacks(execute=True):
        actions.dispatch_events()
    assert WebhookDelivery.objects.count() == 2 * 3  # 2 + 2 + 1 events, for each endpoint
    assert len(receiver.requests) == 6
    assert len(_events(receiver)) == 10
    assert not WebhookEvent.objects.exists()  # dispatched once


def test_a_receiver_that_fails_twice_gets_it_on_the_third_try(
    union, petition, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503]
    endpoint = _endpoint(union, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        sign_and_confirm(petition)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.next_attempt_at > timezone.now()
    tasks.send_webhook_deliveries.call()  # not due yet: nothing sent
    assert len(receiver.requests) == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        tasks.send_webhook_deliveries.call()
    with time_machine.travel(timezone.now() + timedelta(seconds=11 + 21)):
        tasks.send_webhook_deliveries.call()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert [(a.succeeded, a.status_code) for a in delivery.tries.all()] == [
        (False, 500),
        (False, 503),
        (True, 200),
    ]
    ids = {headers["webhook-id"] for headers, _body in receiver.requests}
    assert ids == {delivery.message_id}  # the same id on every retry
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.is_active


def test_the_backoff_doubles_and_stops_within_a_day():
    delays = [actions.retry_delay(n).total_seconds() for n in range(1, 8)]
    assert delays == [10, 20, 40, 80, 160, 320, 640]
    assert actions.retry_delay(30) == timedelta(hours=4)


def test_a_private_address_is_refused_by_the_worker(
    settings, union, petition, receiver, django_capture_on_commit_callbacks
):
    _endpoint(union, receiver.url)  # registered while allowed (a setting change since)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with django_capture_on_commit_callbacks(execute=True):
        sign_and_confirm(petition)
    assert receiver.requests == []
    [attempt] = DeliveryAttempt.objects.all()
    assert not attempt.succeeded and attempt.status_code is None
    assert "127.0.0.1" in attempt.error and "private" in attempt.error


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://[::ffff:192.168.0.1]/hook",
    ],
)
def test_registering_a_private_address_is_refused(settings, url):
    from groundswell.integrations.forms import EndpointForm

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    form = EndpointForm({"url": url, "events": ["signature.confirmed"]})
    assert not form.is_valid()
    assert "public addresses" in form.errors["url"][0]


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_told(
    union, alice, petition, receiver, mailoutbox, django_capture_on_commit_callbacks
):
    receiver.statuses = [500] * 100
    endpoint = _endpoint(union, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        sign_and_confirm(petition)
    mailoutbox.clear()  # the signer's confirmation link
    with (
        time_machine.travel(timezone.now() + timedelta(hours=23)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.send_webhook_deliveries.call()
    endpoint.refresh_from_db()
    assert endpoint.is_active and mailoutbox == []
    with (
        time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.send_webhook_deliveries.call()
    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.DISABLED
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED
    [mail] = mailoutbox
    assert mail.to == [alice.email]
    assert endpoint.url in mail.body and "/integrations/" in mail.body
    # Disabled: new events are not even written for it.
    with django_capture_on_commit_callbacks(execute=False):
        sign_and_confirm(petition, "later@example.com")
    assert not WebhookEvent.objects.exists()


def test_a_claim_whose_worker_died_is_taken_again_after_the_lease(
    settings, union, petition, receiver, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(union, receiver.url)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, body='[{"id":"evt_x"}]', event_count=1, event_types=[]
    )
    [claimed] = actions.claim_due_deliveries()
    assert actions.claim_due_deliveries() == []  # leased: nobody else takes it
    # ... the worker dies here, before sending or recording anything.
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1)
    with time_machine.travel(later):
        tasks.send_webhook_deliveries.call()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert len(receiver.requests) == 1
    # The dead worker's late record is ignored: its lease was lost.
    from groundswell.integrations.sending import Result

    late = actions.record_attempt(
        delivery=claimed, claim=claimed.claim, result=Result(False, 500, "late", 1)
    )
    assert late is False and delivery.tries.count() == 1


def test_redelivering_sends_the_same_events_again(
    union, petition, receiver, django_capture_on_commit_callbacks
):
    _endpoint(union, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        sign_and_confirm(petition)
    first = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = actions.redeliver(delivery=first)
    again.refresh_from_db()
    assert again.status == WebhookDelivery.Status.SUCCEEDED and again.redelivery_of == first
    first_events, second_events = (json.loads(b)["data"]["events"] for b in receiver.bodies())
    assert first_events == second_events


def test_a_published_update_and_a_milestone_are_events(
    union, alice, petition, receiver, django_capture_on_commit_callbacks
):
    _endpoint(union, receiver.url, events=["update.published", "petition.milestone"])
    update = updates.write_update(petition=petition, author=alice, title="News", body="Hello")
    with django_capture_on_commit_callbacks(execute=True):
        updates.publish_update(update=update)
    from groundswell.petitions.actions import ConfirmedSignatureInput, import_confirmed_signatures

    import_confirmed_signatures(
        petition=petition,
        rows=[
            ConfirmedSignatureInput(
                name="S", email=f"m{i}@example.com", postcode="1", country="US",
                confirmed_at=timezone.now(),
            )
            for i in range(100)
        ],
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        updates.record_milestones()
    types = [e["type"] for e in _events(receiver)]
    assert types == ["update.published", "petition.milestone"]
    published, milestone = _events(receiver)
    assert published["data"]["update_id"] == update.pk
    assert published["id"] == f"evt_update_{update.pk}"
    assert milestone["data"]["milestone"] == 100 and milestone["data"]["petition"] == petition.slug
