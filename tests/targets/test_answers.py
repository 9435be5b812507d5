"""The target answers (or declines); the organisers record answers from elsewhere and the
outcome. Every answer is on the petition page with its date, and reaches the signers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from groundswell.petitions.models import Petition
from groundswell.targets import actions, tasks
from groundswell.targets.models import Answer, Delivery
from groundswell.updates.models import Update
from tests.conftest import PASSWORD, sign_and_confirm
from tests.targets.test_waiting_and_overdue import text_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def signers(petition):
    """Two confirmed signers: one asked for updates, one did not."""
    sign_and_confirm(petition, "keen@example.com", name="Kim Keen", wants_updates=True)
    sign_and_confirm(petition, "quiet@example.com", name="Quinn Quiet")


def answer(client, link_path, capture, **form):
    with capture(execute=True):
        return client.post(link_path, form)


def test_the_answer_is_published_and_the_organisers_and_keen_signers_hear_of_it(
    client, signers, bob, link_path, petition, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    response = answer(client, link_path, django_capture_on_commit_callbacks,
                      decision="answer", text="We will meet the union on Monday.")  # fmt: skip
    assert response.status_code == 302

    page = client.get(response["Location"])
    text = text_of(page)
    today = timezone.localdate()
    assert f"answered on {today.day} {today:%B %Y} after 0 days" in text
    assert "We will meet the union on Monday." in text
    assert "Thank you. Your answer is published on this page." in text

    recipients = {m.to[0]: m for m in mailoutbox}
    assert "Jordan Blake answered" in recipients["alice@example.org"].subject
    assert "We will meet the union on Monday." in recipients["bob@example.org"].body
    # Signers who asked for updates get the answer through an automatic update.
    update = Update.objects.get(petition=petition)
    assert update.title == "Jordan Blake answered"
    assert update.origin == Update.Origin.AUTOMATIC
    assert "> We will meet the union on Monday." in update.body
    assert "Jordan Blake answered" in recipients["keen@example.com"].subject
    assert "quiet@example.com" not in recipients


def test_announcing_twice_posts_one_update(link_path, client, django_capture_on_commit_callbacks):
    answer(client, link_path, django_capture_on_commit_callbacks, decision="answer", text="Yes.")
    delivery = Delivery.objects.get()
    assert tasks.announce_answer.call(delivery.pk, True) is False
    assert Update.objects.count() == 1


def test_the_target_may_decline_with_a_reason(
    client, link_path, petition, mailoutbox, django_capture_on_commit_callbacks
):
    response = answer(client, link_path, django_capture_on_commit_callbacks,
                      decision="decline", text="We do not answer petitions.")  # fmt: skip
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.state() == Delivery.Status.DECLINED
    text = text_of(client.get(petition.get_absolute_url()))
    assert (
        "Jordan Blake , Director, Immigration and Customs Enforcement, declined to answer" in text
    )
    assert "We do not answer petitions." in text
    assert Update.objects.get().title == "Jordan Blake declined to answer"


def test_an_attached_letter_is_linked_from_the_petition_page(client, link_path, petition):
    letter = SimpleUploadedFile("reply.pdf", PDF, "application/pdf")
    client.post(link_path, {"decision": "answer", "text": "See our letter.", "attachment": letter})
    answer_row = Answer.objects.get()
    page = client.get(petition.get_absolute_url()).content.decode()
    assert f'href="{answer_row.attachment.url}"' in page
    assert "Read their letter (PDF)" in page
    with answer_row.attachment.open("rb") as stored:
        assert stored.read() == PDF


def test_the_organiser_records_an_answer_that_came_by_letter(
    client, alice, signers, delivered, petition, mailoutbox, django_capture_on_commit_callbacks
):
    client.login(username=alice.email, password=PASSWORD)
    dashboard = client.get(f"/p/{petition.slug}/dashboard/").content.decode()
    url = f"/p/{petition.slug}/deliveries/{delivered.pk}/answer/"
    assert url in dashboard
    assert client.get(url).status_code == 200
    mailoutbox.clear()
    day = delivered.delivered_on.isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"outcome": "answered", "source": "letter",
                                     "received_on": day, "text": "A letter came.",
                                     "email_signers": ""})  # fmt: skip
    assert response.status_code == 302
    answer_row = Answer.objects.get()
    assert answer_row.recorded_by == alice
    assert answer_row.source == Answer.Source.LETTER
    text = text_of(client.get(petition.get_absolute_url()))
    assert "(by letter; recorded by the organisers)" in text
    assert "A letter came." in text
    # Posted as an update, but not mailed: alice unticked "email it to signers".
    assert Update.objects.get().email_signers is False
    assert not [m for m in mailoutbox if m.to == ["keen@example.com"]]


def test_the_campaign_is_marked_won_with_a_note_and_signing_stops(client, alice, petition):
    client.login(username=alice.email, password=PASSWORD)
    note = "The director issued the guidance on 2 March."
    response = client.post(f"/p/{petition.slug}/outcome/",
                           {"outcome-outcome": "won", "outcome-note": note})  # fmt: skip
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == Petition.Status.WON
    assert petition.closed_at and petition.outcome_at
    client.logout()
    page = client.get(petition.get_absolute_url())
    assert page.status_code == 200
    assert note in text_of(page)
    assert "Won" in text_of(page)
    assert 'action="/p/' + petition.slug + '/sign/"' not in page.content.decode()
    assert petition in Petition.objects.public()


def test_a_campaign_can_be_closed_with_a_note_and_won_later_but_not_unwon(alice, petition):
    actions.record_outcome(petition=petition, outcome="closed", note="No answer came.")
    assert petition.status == Petition.Status.CLOSED
    closed_at = petition.closed_at
    actions.record_outcome(petition=petition, outcome="won", note="It came after all.")
    assert petition.status == Petition.Status.WON
    assert petition.closed_at == closed_at
    with pytest.raises(actions.ActionError):
        actions.record_outcome(petition=petition, outcome="closed", note="Hmm.")


def test_a_closed_petition_can_still_be_delivered(
    petition, jordan, alice, django_capture_on_commit_callbacks
):
    from groundswell.petitions.actions import close_petition
    from tests.targets.conftest import deliver

    close_petition(petition=petition)
    [delivery] = deliver(petition, alice, django_capture_on_commit_callbacks)
    assert delivery.status == Delivery.Status.SENT
