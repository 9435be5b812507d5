"""Writers and co-signers in "My data", its erase link and retention (docs/privacy.md).

Letters that went out stay counted with nothing of the writer left in them; what never went
out is deleted; an organisation's approved co-signature stays without the person who gave it.
"""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from groundswell.core.email_address import normalise_email
from groundswell.letters import actions as letters
from groundswell.letters.models import CoSigner
from groundswell.letters.writing import actions
from groundswell.letters.writing.models import OfficialLetter, Writer
from groundswell.letters.writing.scoreboard import scoreboard
from groundswell.petitions import actions as petitions
from groundswell.petitions import tasks as petition_tasks
from groundswell.petitions.models import add_months
from groundswell.targets.models import Target, TargetContact
from tests.conftest import link_in
from tests.letters.conftest import png

SAM = "sam@example.com"


@pytest.fixture
def jayapal_by_email(campaign, union):
    jayapal = Target.objects.get(bioguide_id="J000298")
    TargetContact.objects.create(target=jayapal, organisation=union, email="jayapal@example.gov")
    return jayapal


@pytest.fixture
def second_campaign(union, small_congress):
    return actions.create_campaign(
        organisation=union,
        slug="fund-legal-defence",
        title="Fund officers' legal defence",
        subject="Fund officers' legal defence",
        letter="Please fund the defence.",
    )


def wrote(campaign, email=SAM, **fields) -> Writer:
    """A supporter writes to WA-7's three officials (and does not confirm yet)."""
    fields = {
        "name": "Sam Supporter", "street": "1 Main St", "city": "Seattle", "zip_code": "98105",
        "paragraph": "I have served for twenty years.", "state": "WA", "district": 7, **fields,
    }  # fmt: skip
    return actions.write_to_officials(campaign=campaign, email=email, **fields).writer


def wrote_and_sent(campaign, capture, email=SAM, **fields) -> Writer:
    """Confirmed: Jayapal's letter emailed (counted), Cantwell's reported sent (counted),
    Murray's handed off but never reported (not counted)."""
    writer = wrote(campaign, email, **fields)
    with capture(execute=True):
        actions.confirm_writer(token=writer.confirm_token())
    cantwell = writer.letters.get(target__bioguide_id="C000127")
    actions.report_sent(writer=writer, letter_id=cantwell.pk)
    writer.refresh_from_db()
    return writer


def cosigned(letter, email=SAM, *, approve_by=None, confirm=True) -> CoSigner:
    from django.core.files.base import ContentFile

    from groundswell.core.images import reencode
    from groundswell.letters.forms import resized_logo

    logo = resized_logo(reencode(png()))
    cosigner = letters.cosign_as_organisation(
        letter=letter.letter,
        organisation=letters.OrganisationInput(
            name="Coalition for Fair Work",
            website="https://fairwork.example.org",
            signed_by="Sam Supporter",
            email=email,
        ),
        logo=ContentFile(logo.read(), name=logo.name),
    )
    if confirm:
        cosigner = letters.confirm_cosigner(token=cosigner.confirmation_token())
    if approve_by:
        cosigner = letters.approve_cosigner(cosigner=cosigner, by=approve_by)
    return cosigner


def ask_for_my_data(client, capture, email=SAM, **extra):
    with capture(execute=True):
        return client.post("/my-data/", {"email": email}, **extra)


def erase_path(email=SAM) -> str:
    return f"/my-data/erase/{petitions.erase_token(email)}/"


# --- My data ---------------------------------------------------------------------------------


def test_my_data_lists_co_signatures_and_letters_to_officials(
    client, campaign, jayapal_by_email, letter, alice, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    wrote_and_sent(campaign, django_capture_on_commit_callbacks, email="Sam@Example.com")
    cosigned(letter, approve_by=alice)
    wrote(campaign, email="someone.else@example.com", name="Not Sam")
    smtp_server.messages.clear()

    ask_for_my_data(client, django_capture_on_commit_callbacks)

    [message] = smtp_server.messages
    assert message["To"] == SAM
    [attachment] = list(message.iter_attachments())
    data = json.loads(attachment.get_content())
    [cosignature] = data["cosignatures"]
    assert cosignature["letter_title"] == letter.title
    assert cosignature["organisation"] == "Coalition for Fair Work"
    assert cosignature["signed_by"] == "Sam Supporter" and cosignature["email"] == SAM
    assert cosignature["status"] == "Approved"
    [writer] = data["letters_to_officials"]
    assert writer["campaign_title"] == campaign.title
    assert (writer["name"], writer["street"], writer["zip_code"]) == (
        "Sam Supporter", "1 Main St", "98105",
    )  # fmt: skip
    assert writer["paragraph"] == "I have served for twenty years."
    sent = {letter["official"]: letter for letter in writer["letters"]}
    assert set(sent) == {
        "Representative Pramila Jayapal", "Senator Maria Cantwell", "Senator Patty Murray",
    }  # fmt: skip
    assert sent["Representative Pramila Jayapal"]["status"] == "Emailed"
    assert sent["Representative Pramila Jayapal"]["sent_at"]
    assert "I have served for twenty years." in sent["Senator Maria Cantwell"]["text"]
    assert "Not Sam" not in json.dumps(data)
    assert "/my-data/erase/" in data["erase_everything_url"]  # no signature, still erasable
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "LETTERS TO OFFICIALS" in text and "CO-SIGNATURES FOR ORGANISATIONS" in text
    assert "    Senator Patty Murray: Ready for the writer to send" in text.splitlines()
    assert "We hold nothing" not in text
    assert link_in(text, "/my-data/erase/")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Coalition for Fair Work (https://fairwork.example.org)" in html


def test_the_letters_part_of_my_data_is_in_the_language_it_was_asked_in(
    client, campaign, jayapal_by_email, settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    wrote_and_sent(campaign, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ask_for_my_data(client, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="es")
    [task] = default_task_backend.results

    with translation.override("en"):  # the worker's own language is the site's
        task.task.call(*task.args, **task.kwargs)

    [message] = mail.outbox
    assert "CARTAS A FUNCIONARIOS ELECTOS" in message.body
    assert "Enviada por correo" in message.body  # Jayapal's letter's status
    assert "Letters to officials" not in message.body


# --- Erasure ---------------------------------------------------------------------------------


def test_the_erase_page_says_what_happens_to_letters_and_co_signatures_and_changes_nothing(
    client, campaign, jayapal_by_email, letter, alice, django_capture_on_commit_callbacks
):
    wrote_and_sent(campaign, django_capture_on_commit_callbacks)
    cosigned(letter, approve_by=alice)

    page = client.get(erase_path())

    assert page.status_code == 200
    text = page.content.decode()
    assert "2 letters you wrote to officials went out" in text
    assert "We cannot unsend what the offices received" in text
    assert "1 letter to an official that has not gone out is deleted" in text
    assert "1 co-signature you gave for an organisation stays on its letter" in text
    assert "counted signature" not in text  # none held
    assert Writer.objects.get().name == "Sam Supporter"
    assert CoSigner.objects.get().email == SAM


def test_erasing_removes_the_writers_details_and_letters_and_keeps_the_scoreboard(
    client, campaign, second_campaign, jayapal_by_email, django_capture_on_commit_callbacks
):
    sent = wrote_and_sent(campaign, django_capture_on_commit_callbacks)
    pending = wrote(second_campaign)
    other = wrote_and_sent(campaign, django_capture_on_commit_callbacks, email="kim@example.com")
    before = scoreboard(campaign)
    handoff = sent.get_letters_path()

    response = client.post(erase_path())

    assert response.status_code == 200
    text = response.content.decode()
    assert "2 letters to officials still count, with nothing of yours left" in text
    assert "4 letters that had not gone out deleted" in text  # Murray's, and 3 pending
    after = scoreboard(campaign)
    assert (after.letters, len(after.offices)) == (before.letters, len(before.offices)) == (4, 2)
    sent.refresh_from_db()
    assert (sent.name, sent.email, sent.street, sent.city, sent.zip_code, sent.paragraph) == (
        ("", "", "", "", "", "")
    )
    assert sent.anonymised_at and sent.email_normalised == ""
    kept = OfficialLetter.objects.filter(writer=sent)
    assert kept.count() == 2 and set(kept.values_list("status", flat=True)) == {"sent", "reported"}
    for body in kept.values_list("body", flat=True):
        assert "asked for their personal data to be erased" in body
        assert "Sam" not in body and "Main St" not in body and "twenty years" not in body
    assert not kept.filter(email_normalised=SAM).exists()
    assert not Writer.objects.filter(pk=pending.pk).exists()
    assert not OfficialLetter.objects.filter(campaign=second_campaign).exists()
    assert client.get(handoff).status_code == 404  # the old email's link shows nothing
    other.refresh_from_db()
    assert other.name == "Sam Supporter" and other.email == "kim@example.com"
    assert "twenty years" in OfficialLetter.objects.filter(writer=other).first().body


def test_after_erasing_the_same_person_may_write_to_the_same_officials_again(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks
):
    wrote_and_sent(campaign, django_capture_on_commit_callbacks)
    client.post(erase_path())

    again = wrote(campaign)

    assert again.letters.count() == 3


def test_erasing_keeps_an_approved_co_signature_without_the_person_and_deletes_the_rest(
    client, letter, union, alice, mo, django_capture_on_commit_callbacks
):
    from tests.letters.conftest import start_letter

    shown = cosigned(letter, approve_by=alice)
    second = start_letter(union, alice, title="Two")
    petitions.submit_for_review(petition=second)
    second = petitions.approve_petition(petition=second, reviewer=mo)
    unconfirmed = cosigned(second, confirm=False)
    logo = unconfirmed.logo.path
    someone_else = cosigned(letter, "rosa@example.org", approve_by=alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(erase_path())

    text = response.content.decode()
    assert "1 co-signature for an organisation still shown, without your name" in text
    assert "1 co-signature for an organisation deleted" in text
    shown.refresh_from_db()
    assert shown.status == CoSigner.Status.APPROVED and shown.name == "Coalition for Fair Work"
    assert (shown.signed_by, shown.email) == ("", "")
    assert shown.email_normalised != normalise_email(SAM)
    assert list(CoSigner.objects.shown().filter(letter=letter)) == [shown, someone_else]
    assert not CoSigner.objects.filter(pk=unconfirmed.pk).exists()
    import os

    assert not os.path.exists(logo)
    someone_else.refresh_from_db()
    assert someone_else.signed_by == "Sam Supporter"


def test_an_old_erase_link_does_not_touch_letters_written_after_it_was_sent(
    client, campaign, second_campaign, letter, alice, jayapal_by_email,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    earlier = wrote_and_sent(campaign, django_capture_on_commit_callbacks)
    path = erase_path()
    assert client.post(path).status_code == 200
    earlier.refresh_from_db()
    assert earlier.name == ""
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        later = wrote_and_sent(second_campaign, django_capture_on_commit_callbacks)
        later_cosigner = cosigned(letter, approve_by=alice)

        page = client.get(path)
        response = client.post(path)

    assert page.status_code == response.status_code == 410
    assert "We hold nothing under this address any more" in response.content.decode()
    later.refresh_from_db()
    assert later.name == "Sam Supporter" and later.letters.count() == 3
    later_cosigner.refresh_from_db()
    assert later_cosigner.email == SAM


# --- Retention -------------------------------------------------------------------------------


def retention_job(capture):
    with capture(execute=True):
        return petition_tasks.remove_expired_personal_data.call()


def test_retention_removes_writers_details_the_organisations_period_after_they_wrote(
    campaign, jayapal_by_email, django_capture_on_commit_callbacks
):
    old = wrote_and_sent(campaign, django_capture_on_commit_callbacks)
    due = add_months(old.confirmed_at, campaign.organisation.signer_retention_months)
    with time_machine.travel(due - timedelta(days=1), tick=False):
        recent = wrote_and_sent(campaign, django_capture_on_commit_callbacks, email="k@example.com")
        assert retention_job(django_capture_on_commit_callbacks)["writers"] == 0
    old.refresh_from_db()
    assert old.name == "Sam Supporter"

    with time_machine.travel(due + timedelta(hours=1), tick=False):
        assert retention_job(django_capture_on_commit_callbacks)["writers"] == 1
        assert retention_job(django_capture_on_commit_callbacks)["writers"] == 0  # once

    old.refresh_from_db()
    assert (old.name, old.email, old.street, old.paragraph) == ("", "", "", "")
    bodies = OfficialLetter.objects.filter(writer=old).values_list("body", flat=True)
    assert len(bodies) == 2  # counted letters stay; the one never reported sent went
    assert all("retention period" in b and "Sam" not in b for b in bodies)
    assert scoreboard(campaign).letters == 4
    recent.refresh_from_db()
    assert recent.name == "Sam Supporter"


def test_retention_removes_co_signers_once_their_letters_signers_details_went(
    letter, alice, django_capture_on_commit_callbacks
):
    cosigner = cosigned(letter, approve_by=alice)
    petitions.close_petition(petition=letter)
    letter.refresh_from_db()
    petitions.remove_personal_data(petition=letter)

    assert retention_job(django_capture_on_commit_callbacks)["cosigners"] == 1

    cosigner.refresh_from_db()
    assert (cosigner.signed_by, cosigner.email) == ("", "")
    assert cosigner.status == CoSigner.Status.APPROVED
