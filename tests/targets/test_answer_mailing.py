"""A target's answer reaches signers at once, not after the petition's daily mailing limit."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from groundswell.updates import actions as update_actions
from groundswell.updates.models import Mailing
from tests.conftest import sign_and_confirm
from tests.targets.test_answers import answer


def _mail_an_update(petition, alice, capture):
    update = update_actions.write_update(
        petition=petition, author=alice, title="Halfway there", body="Thank you."
    )
    with capture(execute=True):
        update_actions.send_test(update=update, to=alice)
        update_actions.publish_update(update=update, by=alice, email_signers=True)


def test_an_answer_an_hour_after_an_update_mailing_is_mailed_at_once(
    client, alice, link_path, petition, mailoutbox, django_capture_on_commit_callbacks
):
    sign_and_confirm(petition, "keen@example.com", name="Kim Keen", wants_updates=True)
    _mail_an_update(petition, alice, django_capture_on_commit_callbacks)
    assert [m.subject for m in mailoutbox if m.to == ["keen@example.com"]]
    mailoutbox.clear()

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        answer(client, link_path, django_capture_on_commit_callbacks,
               decision="answer", text="We will meet the union on Monday.")  # fmt: skip

    to_keen = [m for m in mailoutbox if m.to == ["keen@example.com"]]
    assert ["Jordan Blake answered" in m.subject for m in to_keen] == [True]
    assert Mailing.objects.filter(status=Mailing.Status.WAITING).count() == 0


def test_a_second_answer_within_the_hour_waits_an_hour_not_a_day(petition, settings):
    first = update_actions.post_automatic_update(
        petition=petition, title="A answered", body="Yes.", email_signers=True, is_answer=True
    )
    second = update_actions.post_automatic_update(
        petition=petition, title="B answered", body="No.", email_signers=True, is_answer=True
    )
    first_mailing, second_mailing = (
        Mailing.objects.get(update=first),
        Mailing.objects.get(update=second),
    )
    assert second_mailing.status == Mailing.Status.WAITING
    assert second_mailing.starts_at - first_mailing.starts_at == timedelta(hours=1)


def test_an_automatic_update_that_is_not_an_answer_still_waits_out_the_day(petition):
    first = update_actions.post_automatic_update(
        petition=petition, title="1,000 signatures", body="!", email_signers=True
    )
    second = update_actions.post_automatic_update(
        petition=petition, title="5,000 signatures", body="!", email_signers=True
    )
    gap = Mailing.objects.get(update=second).starts_at - Mailing.objects.get(update=first).starts_at
    assert gap == timedelta(hours=24)
