"""Anyone can have what is held under their email address sent to it, and erase it."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from groundswell.petitions import actions, counting
from groundswell.petitions.models import Signature
from groundswell.updates import actions as updates
from groundswell.updates.models import MailingRecipient, unsubscribe_token
from tests.conftest import link_in, open_petition, sign, sign_and_confirm


@pytest.fixture
def second_petition(union, alice, mo):
    return open_petition(union, alice, mo, title="Fund the officers' legal defence")


def ask_for_my_data(client, capture, email="sam@example.com", **extra):
    with capture(execute=True):
        return client.post("/my-data/", {"email": email}, **extra)


def json_of(message) -> dict:
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "my-data.json"
    return json.loads(attachment.get_content())


def test_the_page_answers_the_same_whether_or_not_anything_is_held(
    client, petition, django_capture_on_commit_callbacks
):
    sign_and_confirm(petition, "sam@example.com")

    held = ask_for_my_data(client, django_capture_on_commit_callbacks, "sam@example.com")
    nothing = ask_for_my_data(client, django_capture_on_commit_callbacks, "nobody@example.com")

    assert held.status_code == nothing.status_code == 200
    assert held.content.replace(b"sam@example.com", b"X") == nothing.content.replace(
        b"nobody@example.com", b"X"
    )


def test_everything_held_goes_to_that_address_only_as_json_and_html(
    client, petition, second_petition, alice, smtp_server, django_capture_on_commit_callbacks
):
    sign_and_confirm(
        petition, "Sam@Example.com", name="Sam Supporter", postcode="10001",
        comment="For my sister", wants_updates=True,
    )  # fmt: skip
    sign(second_petition, "sam@example.com", name="Sam S", postcode="SW1A 1AA", country="GB")
    sign_and_confirm(petition, "someone.else@example.com", comment="Not Sam's")
    update = updates.write_update(petition=petition, author=alice, title="We met them", body="B")
    updates.send_test(update=update, to=alice)
    with django_capture_on_commit_callbacks(execute=True):
        updates.publish_update(update=update, by=alice, email_signers=True)
    updates.unsubscribe(token=unsubscribe_token(Signature.objects.get(email="Sam@Example.com")))
    smtp_server.messages.clear()

    response = ask_for_my_data(client, django_capture_on_commit_callbacks, "sam@example.com")

    assert response.status_code == 200
    [message] = smtp_server.messages
    assert message["To"] == "sam@example.com"
    data = json_of(message)
    signatures = {s["petition_title"]: s for s in data["signatures"]}
    assert set(signatures) == {petition.title, second_petition.title}
    first = signatures[petition.title]
    assert first["name"] == "Sam Supporter"
    assert first["postcode"] == "10001"
    assert first["comment"] == "For my sister"
    assert first["status"] == "Confirmed"
    assert first["wants_updates"] is False  # unsubscribed since
    assert first["withdraw_url"].startswith("http") and "/p/withdraw/" in first["withdraw_url"]
    assert signatures[second_petition.title]["status"] == "Waiting for email confirmation"
    [mailing] = data["mailings_received"]
    assert mailing["update_title"] == "We met them"
    [unsubscribe] = data["unsubscribes"]
    assert unsubscribe["petition_title"] == petition.title
    assert "/my-data/erase/" in data["erase_everything_url"]
    assert "Not Sam" not in json.dumps(data)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "For my sister" in html and "Withdraw this signature" in html
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.count("/p/withdraw/") == 4  # two signatures, one mailing, one unsubscribe
    assert link_in(text, "/my-data/erase/")


def test_an_address_with_nothing_held_is_told_so(client, db, django_capture_on_commit_callbacks):
    ask_for_my_data(client, django_capture_on_commit_callbacks, "nobody@example.com")

    [message] = mail.outbox
    assert message.to == ["nobody@example.com"]
    assert "We hold nothing under this address" in message.body
    assert "/my-data/erase/" not in message.body
    data = json.loads(message.attachments[0][1])
    assert data["signatures"] == [] and data["erase_everything_url"] is None


def test_withdrawn_signatures_are_not_reported_they_hold_nothing(
    client, petition, django_capture_on_commit_callbacks
):
    signature = sign_and_confirm(petition, "sam@example.com")
    actions.withdraw_signature(token=signature.withdraw_token())
    mail.outbox.clear()

    ask_for_my_data(client, django_capture_on_commit_callbacks)

    assert "We hold nothing under this address" in mail.outbox[0].body


def test_a_bad_address_is_a_form_error(client, db):
    response = client.post("/my-data/", {"email": "not an address"})

    assert response.status_code == 422
    assert b"Enter a valid email address" in response.content
    assert mail.outbox == []


def test_asking_is_rate_limited_per_address(client, db, django_capture_on_commit_callbacks):
    answers = [
        ask_for_my_data(
            client, django_capture_on_commit_callbacks, "victim@example.com"
        ).status_code
        for _ in range(4)
    ]

    assert answers == [200, 200, 200, 429]
    assert len(mail.outbox) == 3


def test_asking_is_rate_limited_per_client(client, db, django_capture_on_commit_callbacks):
    answers = [
        ask_for_my_data(client, django_capture_on_commit_callbacks, f"p{n}@example.com").status_code
        for n in range(11)
    ]

    assert answers[:10] == [200] * 10
    assert answers[10] == 429
    assert (
        b"Too many attempts"
        in ask_for_my_data(client, django_capture_on_commit_callbacks, "p99@example.com").content
    )


def test_public_pages_link_to_my_data(client, petition):
    response = client.get(petition.get_absolute_url())

    assert b'href="/my-data/"' in response.content


# --- Erase everything ------------------------------------------------------------------------


def erase_path_for(email: str) -> str:
    return f"/my-data/erase/{actions.erase_token(email)}/"


def test_erasing_asks_first_and_changes_nothing_until_confirmed(client, petition):
    sign_and_confirm(petition, "sam@example.com")

    response = client.get(erase_path_for("sam@example.com"))

    assert response.status_code == 200
    assert b"1 counted signature" in response.content
    assert b'method="post"' in response.content
    assert Signature.objects.get().email == "sam@example.com"


def test_erasing_keeps_the_count_and_removes_everything_personal(
    client, petition, second_petition, alice, django_capture_on_commit_callbacks
):
    counted = sign_and_confirm(
        petition, "sam@example.com", comment="Mine", wants_updates=True, postcode="10001"
    )
    pending = sign(second_petition, "sam@example.com")
    other = sign_and_confirm(petition, "other@example.com", comment="Theirs")
    update = updates.write_update(petition=petition, author=alice, title="News", body="B")
    updates.send_test(update=update, to=alice)
    with django_capture_on_commit_callbacks(execute=True):
        updates.publish_update(update=update, by=alice, email_signers=True)
    assert MailingRecipient.objects.filter(signature=counted).exists()

    response = client.post(erase_path_for("sam@example.com"))

    assert response.status_code == 200
    assert b"Erased" in response.content
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 2  # counts stay
    counted.refresh_from_db()
    assert counted.status == Signature.Status.CONFIRMED
    assert (counted.name, counted.email, counted.postcode, counted.comment) == ("", "", "", "")
    assert counted.country == "US" and counted.us_state == "NY"  # the tallies survive
    assert counted.anonymised_at is not None
    assert not Signature.objects.filter(pk=pending.pk).exists()  # never counted
    assert not MailingRecipient.objects.filter(signature=counted).exists()
    other.refresh_from_db()
    assert other.comment == "Theirs"
    assert not actions.signatures_of("sam@example.com").exists()


def test_the_tallies_by_state_survive_erasure(client, petition):
    from groundswell.targets.documents import breakdown, delivery_csv

    sign_and_confirm(petition, "sam@example.com", postcode="10001")
    client.post(erase_path_for("sam@example.com"))

    assert breakdown(petition).by_state == [("New York", 1)]
    assert b",US,NY," in delivery_csv(petition)


def test_an_erase_link_followed_twice_changes_nothing_the_second_time(client, petition):
    sign_and_confirm(petition, "sam@example.com")
    path = erase_path_for("sam@example.com")
    client.post(path)

    again = client.post(path)

    assert again.status_code == 410
    assert b"We hold nothing under this address any more" in again.content
    assert client.get(path).status_code == 410


def test_an_old_erase_link_does_not_touch_a_signature_made_after_it_was_sent(client, petition):
    sign_and_confirm(petition, "sam@example.com")
    path = erase_path_for("sam@example.com")
    client.post(path)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        later = sign_and_confirm(petition, "sam@example.com", name="Sam Later")

        response = client.post(path)

    assert response.status_code == 410
    later.refresh_from_db()
    assert later.name == "Sam Later"


def test_a_tampered_erase_link_is_refused_and_changes_nothing(client, petition):
    sign_and_confirm(petition, "sam@example.com")
    token = actions.erase_token("sam@example.com")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for method in (client.get, client.post):
        response = method(f"/my-data/erase/{tampered}/")
        assert response.status_code == 410
        assert b"not valid" in response.content
    assert Signature.objects.get().email == "sam@example.com"


def test_an_expired_erase_link_is_refused_and_changes_nothing(client, petition, settings):
    sign_and_confirm(petition, "sam@example.com")
    path = erase_path_for("sam@example.com")

    later = timezone.now() + timedelta(days=settings.GROUNDSWELL["ERASE_LINK_DAYS"] + 1)
    with time_machine.travel(later):
        response = client.post(path)

    assert response.status_code == 410
    assert b"expired" in response.content
    assert Signature.objects.get().email == "sam@example.com"


def test_the_address_asked_about_is_not_kept_readable_in_the_task_queue(
    client, db, settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    ask_for_my_data(client, django_capture_on_commit_callbacks, "private@example.com")

    [result] = default_task_backend.results
    assert "private" not in repr(result.args) + repr(result.kwargs)
    result.task.call(*result.args, **result.kwargs)  # as the worker would
    [message] = mail.outbox
    assert message.to == ["private@example.com"]
