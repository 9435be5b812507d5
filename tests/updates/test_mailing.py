"""Updates mailed to signers who asked: each once, with one-click unsubscribe, within a limit."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from groundswell.core.errors import ActionError
from groundswell.petitions.models import Signature
from groundswell.updates import actions, tasks
from groundswell.updates.models import Mailing, MailingRecipient, Update
from tests.conftest import PASSWORD, link_in, sign, sign_and_confirm
from tests.updates.conftest import add_signers

MANY = 2500


def publish_and_mail(update, capture, by=None):
    with capture(execute=True):
        actions.publish_update(update=update, by=by, email_signers=True)
    return Mailing.objects.get(update=update)


def recipients(mailoutbox) -> list[str]:
    return [address for message in mailoutbox for address in message.to]


@pytest.fixture
def dummy_tasks(settings):
    """A task backend that only records what was enqueued: the "worker" is the test."""
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return default_task_backend


def run_enqueued(backend, task) -> int:
    """Run every recorded call of ``task`` (duplicates included), as a worker would."""
    results = [r for r in backend.results if r.task.name == task.name]
    for result in results:
        task.call(*result.args, **result.kwargs)
    return len(results)


# --- Fan-out --------------------------------------------------------------------------------


def test_each_signer_who_asked_gets_the_update_exactly_once(
    petition, tested_update, mailoutbox, django_capture_on_commit_callbacks
):
    add_signers(petition, MANY)
    add_signers(petition, 200, wants_updates=False, prefix="quiet")
    sign(petition, "unconfirmed@example.com", wants_updates=True)

    mailing = publish_and_mail(tested_update, django_capture_on_commit_callbacks)

    sent = recipients(mailoutbox)
    assert len(sent) == MANY
    assert len(set(sent)) == MANY
    assert not any(a.startswith("quiet") or a.startswith("unconfirmed") for a in sent)
    mailing.refresh_from_db()
    assert mailing.recipient_count == MANY
    assert not MailingRecipient.objects.filter(mailing=mailing, sent_at=None).exists()

    # The scheduler, a retry or an operator runs the fan-out again: nobody gets a second copy.
    tasks.fan_out_mailing.enqueue(mailing.pk)
    assert len(mailoutbox) == MANY


def test_a_worker_dying_halfway_and_a_second_fan_out_still_mail_each_signer_once(
    petition,
    tested_update,
    mailoutbox,
    dummy_tasks,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    add_signers(petition, 400)
    mailing = publish_and_mail(tested_update, django_capture_on_commit_callbacks)
    assert run_enqueued(dummy_tasks, tasks.fan_out_mailing) == 1  # the first fan-out
    first_round = [r for r in dummy_tasks.results if r.task.name == "send_update_to_signer"]
    assert len(first_round) == 400

    # A worker sends half, then dies while handing the next message to the mail server.
    for result in first_round[:200]:
        tasks.send_update_to_signer.call(*result.args)
    from groundswell.core import emails

    def smtp_dies(*args, **kwargs):
        raise ConnectionResetError("worker killed")

    monkeypatch.setattr(emails, "petition_update", smtp_dies)
    with pytest.raises(ConnectionResetError):
        tasks.send_update_to_signer.call(*first_round[200].args)
    monkeypatch.undo()
    assert len(mailoutbox) == 200

    # The fan-out runs again, then every task ever enqueued runs, duplicates included.
    actions.fan_out_mailing(mailing.pk)
    assert run_enqueued(dummy_tasks, tasks.send_update_to_signer) == 400 + 200
    sent = recipients(mailoutbox)
    assert len(sent) == len(set(sent)) == 400
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 400


def test_two_workers_running_the_same_recipient_send_once(
    petition, tested_update, mailoutbox, dummy_tasks, django_capture_on_commit_callbacks
):
    add_signers(petition, 1)
    mailing = publish_and_mail(tested_update, django_capture_on_commit_callbacks)
    actions.fan_out_mailing(mailing.pk)
    recipient = MailingRecipient.objects.get()
    assert actions.send_to_recipient(recipient.pk) is True
    assert actions.send_to_recipient(recipient.pk) is False
    assert len(mailoutbox) == 1
    recipient.refresh_from_db()
    assert recipient.sent_at is not None


def test_people_who_unsubscribed_get_nothing(
    client, petition, tested_update, mailoutbox, dummy_tasks, django_capture_on_commit_callbacks
):
    add_signers(petition, 5)
    before = Signature.objects.get(email="signer0@example.com")
    actions.unsubscribe(token=_token(before))
    mailing = publish_and_mail(tested_update, django_capture_on_commit_callbacks)
    actions.fan_out_mailing(mailing.pk)
    # One more unsubscribes after the fan-out, before their task runs.
    after = Signature.objects.get(email="signer1@example.com")
    actions.unsubscribe(token=_token(after))

    run_enqueued(dummy_tasks, tasks.send_update_to_signer)
    assert sorted(recipients(mailoutbox)) == [f"signer{i}@example.com" for i in (2, 3, 4)]


def _token(signature):
    from groundswell.updates.models import unsubscribe_token

    return unsubscribe_token(signature)


# --- Unsubscribing --------------------------------------------------------------------------


def test_one_click_unsubscribe_works_by_post_without_a_csrf_token(
    petition, tested_update, mailoutbox, django_capture_on_commit_callbacks
):
    signature = sign_and_confirm(petition, "ann@example.com", wants_updates=True)
    publish_and_mail(tested_update, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://127.0.0.1:8000/unsubscribe/") and header.endswith("/>")
    path = header[len("<http://127.0.0.1:8000") : -1]
    assert link_in(message.body, "/unsubscribe/") == path

    # What a mail program does (RFC 8058): a POST with this body, no cookies, no token.
    mail_program = Client(enforce_csrf_checks=True)
    response = mail_program.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    signature.refresh_from_db()
    assert signature.wants_updates is False
    assert signature.status == Signature.Status.CONFIRMED  # still counted
    # Doing it again is harmless.
    again = mail_program.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200


def test_opening_the_unsubscribe_link_asks_before_unsubscribing(client, petition):
    signature = sign_and_confirm(petition, "ann@example.com", wants_updates=True)
    response = client.get(f"/unsubscribe/{_token(signature)}/")
    assert response.status_code == 200
    assert "<button" in response.content.decode()
    signature.refresh_from_db()
    assert signature.wants_updates is True  # a link scanner's GET changes nothing
    client.post(f"/unsubscribe/{_token(signature)}/")
    signature.refresh_from_db()
    assert signature.wants_updates is False


def test_a_tampered_unsubscribe_link_is_refused(client, petition):
    signature = sign_and_confirm(petition, "ann@example.com", wants_updates=True)
    other = sign_and_confirm(petition, "bea@example.com", wants_updates=True)
    forged = other.ref_code + ":" + _token(signature).split(":")[1]
    response = client.post(f"/unsubscribe/{forged}/")
    assert response.status_code == 410
    other.refresh_from_db()
    assert other.wants_updates is True


def test_a_broken_unsubscribe_link_says_so_before_any_button(client):
    response = client.get("/unsubscribe/not-a-real-token/")
    assert response.status_code == 410
    assert "This unsubscribe link is not valid" in response.content.decode()


def test_the_mail_as_received_by_a_real_smtp_server_has_the_unsubscribe_headers(
    smtp_server, petition, tested_update, django_capture_on_commit_callbacks
):
    add_signers(petition, 5)
    publish_and_mail(tested_update, django_capture_on_commit_callbacks)
    assert len(smtp_server.messages) == 5
    assert len({m["To"] for m in smtp_server.messages}) == 5
    for message, body in zip(smtp_server.messages, smtp_server.bodies(), strict=True):
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = str(message["List-Unsubscribe"]).strip().removeprefix("<").removesuffix(">")
        assert url.startswith("http://127.0.0.1:8000/unsubscribe/")
        assert url in body
        assert tested_update.title in message["Subject"]
        assert message.get_body(preferencelist=("html",)).get_content().count(url) == 1

    first = smtp_server.messages[0]
    path = str(first["List-Unsubscribe"]).strip()[1:-1].removeprefix("http://127.0.0.1:8000")
    Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    address = first["To"]
    assert Signature.objects.get(email=str(address)).wants_updates is False


# --- Preview, test send, limit --------------------------------------------------------------


def test_signers_are_not_mailed_before_the_organiser_sent_herself_a_test(
    client, alice, petition, draft_update, mailoutbox, django_capture_on_commit_callbacks
):
    add_signers(petition, 3)
    client.login(username=alice.email, password=PASSWORD)
    url = f"/updates/{draft_update.pk}/publish/"
    response = client.post(url, {"when": "now", "email_signers": "on"})
    assert response.status_code == 409
    assert "Send yourself a test first" in response.content.decode()
    draft_update.refresh_from_db()
    assert draft_update.status == Update.Status.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/updates/{draft_update.pk}/test-send/")
    (test,) = mailoutbox
    assert test.to == [alice.email]
    assert test.subject.startswith("[Test] ")
    assert "THIS IS A TEST" in test.body
    assert "List-Unsubscribe" not in test.extra_headers

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"when": "now", "email_signers": "on"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 + 3


def test_a_petition_mails_its_signers_at_most_once_a_day(
    client, alice, petition, tested_update, mailoutbox, django_capture_on_commit_callbacks
):
    add_signers(petition, 2)
    publish_and_mail(tested_update, django_capture_on_commit_callbacks, by=alice)
    second = actions.write_update(petition=petition, author=alice, title="Again", body="More.")
    actions.send_test(update=second, to=alice)

    client.login(username=alice.email, password=PASSWORD)
    response = client.post(f"/updates/{second.pk}/publish/", {"when": "now", "email_signers": "on"})
    assert response.status_code == 429
    assert "less than 24 hours ago" in response.content.decode()
    second.refresh_from_db()
    assert second.status == Update.Status.DRAFT
    assert len(mailoutbox) == 2

    # Publishing without email is fine; emailing it waits for the next day.
    assert client.post(f"/updates/{second.pk}/publish/", {"when": "now"}).status_code == 302
    assert client.post(f"/updates/{second.pk}/mail/").status_code == 429
    tomorrow = time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1))
    with tomorrow, django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/updates/{second.pk}/mail/").status_code == 302
    assert len(mailoutbox) == 4


def test_the_mailing_limit_is_a_setting(settings, alice, petition, tested_update, mailoutbox,
                                        django_capture_on_commit_callbacks):  # fmt: skip
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "UPDATE_MAILING_INTERVAL_HOURS": 1}
    add_signers(petition, 1)
    publish_and_mail(tested_update, django_capture_on_commit_callbacks)
    second = actions.write_update(petition=petition, author=alice, title="Again", body="More.")
    actions.send_test(update=second, to=alice)
    with pytest.raises(ActionError, match="less than 1 hour ago"):
        actions.publish_update(update=second, email_signers=True)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        publish_and_mail(second, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_an_automatic_update_waits_for_the_limit_and_is_then_mailed(
    petition, tested_update, mailoutbox, django_capture_on_commit_callbacks
):
    add_signers(petition, 3)
    publish_and_mail(tested_update, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        answered = actions.post_automatic_update(
            petition=petition,
            title="The director answered",
            body="Read the answer on the petition page.",
            email_signers=True,
        )
    assert answered.status == Update.Status.PUBLISHED  # on the page at once
    assert answered.origin == Update.Origin.AUTOMATIC and answered.author is None
    mailing = Mailing.objects.get(update=answered)
    assert mailing.status == Mailing.Status.WAITING
    assert len(mailoutbox) == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.start_due_mailings() == 0
    limit_over = time_machine.travel(mailing.starts_at + timedelta(seconds=1))
    with limit_over, django_capture_on_commit_callbacks(execute=True):
        tasks.start_due_mailings.enqueue()
    assert len(mailoutbox) == 6
    assert {m.subject for m in mailoutbox[3:]} == {f"The director answered · {petition.title}"}


def test_an_automatic_update_is_mailed_at_once_when_the_limit_allows(
    petition, mailoutbox, django_capture_on_commit_callbacks
):
    add_signers(petition, 2)
    with django_capture_on_commit_callbacks(execute=True):
        actions.post_automatic_update(
            petition=petition, title="Delivered", body="**Delivered** today.", email_signers=True
        )
    assert len(mailoutbox) == 2
    assert "<strong>Delivered</strong>" in mailoutbox[0].alternatives[0][0]


def test_a_scheduled_update_is_mailed_when_it_is_published(
    petition, tested_update, mailoutbox, django_capture_on_commit_callbacks
):
    add_signers(petition, 2)
    when = timezone.now() + timedelta(hours=3)
    actions.schedule_update(update=tested_update, publish_at=when, email_signers=True)
    due = time_machine.travel(when + timedelta(minutes=1))
    with due, django_capture_on_commit_callbacks(execute=True):
        tasks.publish_due_updates.enqueue()
    assert len(mailoutbox) == 2


def test_editing_an_update_scheduled_to_be_mailed_makes_it_a_draft_again(
    client, alice, petition, tested_update, mailoutbox
):
    when = timezone.now() + timedelta(hours=3)
    actions.schedule_update(update=tested_update, publish_at=when, email_signers=True)
    client.login(username=alice.email, password=PASSWORD)
    client.post(f"/updates/{tested_update.pk}/edit/", {"title": "Changed", "body": "Untested"})
    tested_update.refresh_from_db()
    assert tested_update.status == Update.Status.DRAFT
    assert tested_update.needs_test_send
    with time_machine.travel(when + timedelta(minutes=1)):
        assert actions.publish_due_updates() == 0
    assert not mailoutbox


def test_withdrawing_cancels_a_mailing_that_is_still_waiting(
    petition, tested_update, mailoutbox, django_capture_on_commit_callbacks
):
    add_signers(petition, 1)
    publish_and_mail(tested_update, django_capture_on_commit_callbacks)
    automatic = actions.post_automatic_update(
        petition=petition, title="Answer", body="x", email_signers=True
    )
    actions.withdraw_update(update=automatic)
    assert not Mailing.objects.filter(update=automatic).exists()


def test_a_press_release_is_not_mailed(press_release, alice):
    actions.send_test(update=press_release, to=alice)
    with pytest.raises(ActionError, match="Only an update on a petition"):
        actions.publish_update(update=press_release, email_signers=True)
