"""Writing, confirming by email, delivery by contact method, dedupe and the scoreboard."""

import pytest
from django.db import IntegrityError, transaction

from groundswell.letters.writing import actions
from groundswell.letters.writing.models import OfficeAnswer, OfficialLetter, Writer
from groundswell.targets.models import Target, TargetContact
from tests.letters.writing.conftest import link, write

JAYAPAL_EMAIL = "letters@jayapal.example.gov"


@pytest.fixture
def jayapal_by_email(campaign, union):
    """The union delivers to Jayapal's office by email (its own address, decision 5)."""
    jayapal = Target.objects.get(bioguide_id="J000298")
    TargetContact.objects.create(target=jayapal, organisation=union, email=JAYAPAL_EMAIL)
    return jayapal


def write_and_confirm(client, campaign, capture, mailoutbox, **fields):
    with capture(execute=True):
        write(client, campaign, **fields)
    confirm = link(mailoutbox[-1].body, "/confirm/")
    with capture(execute=True):
        return client.get(confirm)


def test_nothing_goes_out_until_the_writer_confirms_by_email(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        page = write(client, campaign)
    assert page.status_code == 200
    assert "Check your email" in page.content.decode()
    [confirmation] = mailoutbox
    assert confirmation.to == ["sam@example.com"]
    assert set(OfficialLetter.objects.values_list("status", flat=True)) == {"pending"}
    assert "0 letters to 0 offices" in client.get(f"/write/{campaign.slug}/").content.decode()


def test_confirming_emails_the_office_that_takes_email_with_a_private_answer_link(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox
):
    handoff = write_and_confirm(client, campaign, django_capture_on_commit_callbacks, mailoutbox)
    assert handoff.status_code == 302
    letter = mailoutbox[-1]
    assert letter.to == [JAYAPAL_EMAIL]
    assert letter.reply_to == ["sam@example.com"]
    assert letter.body.startswith("Dear Representative Pramila Jayapal,")
    assert "I have served for twenty years." in letter.body
    assert "1 Main St" in letter.body
    assert "/write/answer/" in letter.body
    sent = OfficialLetter.objects.get(target=jayapal_by_email)
    assert sent.status == OfficialLetter.Status.SENT and sent.sent_at


def test_offices_with_web_forms_or_phones_get_a_hand_off_page_and_count_once_marked_sent(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox
):
    handoff = write_and_confirm(client, campaign, django_capture_on_commit_callbacks, mailoutbox)
    page = client.get(handoff.url)
    text = page.content.decode()
    assert "https://www.cantwell.senate.gov/contact" in text  # her form
    assert "Call 202-224-2621" in text  # Murray: phone only, a call script
    assert text.count("I sent it</button>") == 2  # Cantwell and Murray
    assert "1 letter to 1 office" in client.get(f"/write/{campaign.slug}/").content.decode()
    cantwell = OfficialLetter.objects.get(target__bioguide_id="C000127")
    assert cantwell.status == OfficialLetter.Status.HANDED_OFF
    client.post(handoff.url, {"letter": cantwell.pk})
    cantwell.refresh_from_db()
    assert cantwell.status == OfficialLetter.Status.REPORTED
    scoreboard = client.get(f"/write/{campaign.slug}/").content.decode()
    assert "2 letters to 2 offices; 0 offices have answered" in scoreboard


def test_a_second_letter_to_the_same_official_is_not_sent_and_the_writer_is_told(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox
):
    write_and_confirm(client, campaign, django_capture_on_commit_callbacks, mailoutbox)
    sent_before = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = write(client, campaign, email="SAM@example.com", paragraph="Again!")
    assert again.status_code == 409
    assert "You have already written to" in again.content.decode()
    assert len(mailoutbox) == sent_before
    assert OfficialLetter.objects.count() == 3
    assert Writer.objects.count() == 1


def test_writing_from_another_district_of_the_same_state_only_adds_the_new_member(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox
):
    write_and_confirm(client, campaign, django_capture_on_commit_callbacks, mailoutbox)
    page = write(client, campaign, district="WA-9", zip_code="98118")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Adam Smith" in text and "no second letter is sent" in text
    assert OfficialLetter.objects.count() == 4


def test_the_database_itself_refuses_a_second_letter_to_the_same_official(campaign, mailoutbox):
    written = actions.write_to_officials(
        campaign=campaign, name="Sam", email="sam@example.com", state="WA", district=7
    )
    letter = written.letters[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficialLetter.objects.create(
            campaign=campaign,
            writer=written.writer,
            target=letter.target,
            email_normalised="sam@example.com",
            method="web_form",
        )


def test_an_official_with_no_contact_on_file_gets_no_letter_and_is_not_counted(
    client, campaign, django_capture_on_commit_callbacks, mailoutbox
):
    write_and_confirm(
        client, campaign, django_capture_on_commit_callbacks, mailoutbox,
        district="VT-0", zip_code="05401",
    )  # fmt: skip
    assert not OfficialLetter.objects.filter(target__bioguide_id="B001318").exists()
    assert OfficialLetter.objects.count() == 2  # the senators


def test_the_text_is_frozen_when_the_letter_goes_out(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox
):
    write_and_confirm(client, campaign, django_capture_on_commit_callbacks, mailoutbox)
    campaign.letter = "Something else entirely."
    campaign.save()
    for letter in OfficialLetter.objects.all():
        assert "Officer Discretion Act" in letter.body
        assert "Something else" not in letter.body


def test_missing_name_email_or_address_is_a_form_error_and_nothing_is_stored(client, campaign):
    page = write(client, campaign, name="", email="not-an-email", street="")
    assert page.status_code == 422
    assert OfficialLetter.objects.count() == 0
    assert 'name="district" value="WA-7"' in page.content.decode()


def test_a_forged_district_is_refused(client, campaign):
    assert write(client, campaign, district="WA-99; drop").status_code == 422
    assert write(client, campaign, district="VT-0", zip_code="98105").status_code == 422
    assert OfficialLetter.objects.count() == 0


def test_a_forged_confirmation_link_confirms_nothing(client, campaign, mailoutbox):
    actions.write_to_officials(
        campaign=campaign, name="Sam", email="sam@example.com", state="WA", district=7
    )
    page = client.get(f"/write/{campaign.slug}/confirm/forged:token/")
    assert page.status_code == 404
    assert not Writer.objects.filter(status="confirmed").exists()


def test_a_hand_off_page_needs_the_private_reference_of_a_confirmed_writer(client, campaign):
    written = actions.write_to_officials(
        campaign=campaign, name="Sam", email="sam@example.com", state="WA", district=7
    )
    assert client.get(written.writer.get_letters_path()).status_code == 404  # not confirmed
    assert client.get(f"/write/{campaign.slug}/sent/guess/").status_code == 404


def test_a_draft_campaign_is_hidden_from_outsiders(client, campaign, charlie):
    campaign.status = "draft"
    campaign.save()
    client.force_login(charlie)
    assert client.get(f"/write/{campaign.slug}/").status_code == 404


def test_an_email_letter_whose_sender_died_is_sent_again_when_its_lease_runs_out(
    campaign, jayapal_by_email, mailoutbox, time_machine
):
    from datetime import timedelta

    from django.utils import timezone

    written = actions.write_to_officials(
        campaign=campaign, name="Sam", email="sam@example.com", state="WA", district=7
    )
    actions.confirm_writer(token=written.writer.confirm_token())
    [(claimed, _token)] = actions.claim_letter_emails()  # and the worker dies here
    assert actions.claim_letter_emails() == []  # leased: nobody else takes it
    time_machine.move_to(timezone.now() + timedelta(hours=1))
    from groundswell.letters.writing import tasks

    assert tasks.send_official_letters.call() == 1
    assert [m.to for m in mailoutbox if m.to == [JAYAPAL_EMAIL]] == [[JAYAPAL_EMAIL]]
    claimed.refresh_from_db()
    assert claimed.status == OfficialLetter.Status.SENT


def test_the_office_answers_once_through_its_private_link_and_the_scoreboard_shows_it(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox
):
    write_and_confirm(client, campaign, django_capture_on_commit_callbacks, mailoutbox)
    answer = link(mailoutbox[-1].body, "/answer/")
    assert client.get(answer).status_code == 200
    client.post(answer, {"text": "The congresswoman supports the bill."})
    assert OfficeAnswer.objects.get().target == jayapal_by_email
    again = client.post(answer, {"text": "Changed our mind."})
    assert again.status_code == 410
    assert OfficeAnswer.objects.get().text == "The congresswoman supports the bill."
    page = client.get(f"/write/{campaign.slug}/").content.decode()
    assert "1 office has answered" in page and "supports the bill" in page


def test_a_forged_answer_link_answers_nothing(client, campaign):
    page = client.post("/write/answer/forged-token/", {"text": "We agree."})
    assert page.status_code == 404
    assert "not valid" in page.content.decode()
    assert OfficeAnswer.objects.count() == 0


def test_the_scoreboard_counts_letters_offices_and_days_waiting(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    from datetime import timedelta

    from django.utils import timezone

    write_and_confirm(client, campaign, django_capture_on_commit_callbacks, mailoutbox)
    write_and_confirm(
        client, campaign, django_capture_on_commit_callbacks, mailoutbox, email="kim@example.com"
    )
    time_machine.move_to(timezone.now() + timedelta(days=9))
    page = client.get(f"/write/{campaign.slug}/").content.decode()
    assert "2 letters to 1 office; 0 offices have answered" in page
    assert "Waiting 9 days for an answer" in page


def test_writing_is_rate_limited_per_address_and_nothing_is_stored_past_the_limit(
    client, campaign, settings
):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "WRITE_RATE_PER_EMAIL": "2/h"}
    assert write(client, campaign, district="WA-7").status_code == 200
    assert write(client, campaign, district="WA-9", zip_code="98118").status_code == 200
    writers, letters = Writer.objects.count(), OfficialLetter.objects.count()
    page = write(client, campaign, district="WA-7", email="SAM@Example.com")  # the same person
    assert page.status_code == 429
    assert "Too many attempts" in page.content.decode()
    assert (Writer.objects.count(), OfficialLetter.objects.count()) == (writers, letters)


def test_a_spanish_reader_is_asked_to_confirm_in_spanish_and_the_link_keeps_spanish(
    client, campaign, jayapal_by_email, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            f"/write/{campaign.slug}/letters/?lang=es",
            {"name": "Sam Writer", "email": "sam@example.com", "street": "1 Main St",
             "city": "Seattle", "zip": "98105", "district": "WA-7"},
        )  # fmt: skip
    assert page.status_code == 200
    assert Writer.objects.get().language == "es"
    [confirmation] = mailoutbox
    assert confirmation.subject.startswith("Confirme sus cartas")
    assert confirmation.extra_headers["Content-Language"] == "es"
    confirm = link(confirmation.body, "/confirm/")
    assert "lang=es" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        handoff = client.get(confirm)
    assert handoff.status_code == 302 and "lang=es" in handoff["Location"]
