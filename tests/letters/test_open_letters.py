import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from groundswell.letters import actions
from groundswell.letters.models import CoSigner, Letter
from groundswell.petitions.models import Petition
from groundswell.targets import actions as targets
from groundswell.targets.models import Delivery, Target
from tests.conftest import link_in, log_in_verified, sign, sign_and_confirm
from tests.letters.conftest import png, start_letter

pytestmark = pytest.mark.django_db


def _join(client, letter, **fields):
    code = Letter.objects.get(petition=letter).invitation_code
    data = {
        "name": "Coalition for Fair Work",
        "website": "https://fairwork.example.org",
        "logo": png(),
        "signed_by": "Rosa Diaz",
        "email": "rosa@fairwork.example.org",
        **fields,
    }
    return client.post(reverse("letters:join", args=[letter.slug, code]), data)


def test_an_organiser_writes_a_letter_as_a_draft_petition_of_kind_letter(client, alice, union):
    log_in_verified(client, alice)
    response = client.post(
        reverse("letters:new"),
        {
            "title": "A seat at the table",
            "summary": "Give officers a seat at the meetings.",
            "text": "Dear Director,\n\n<script>alert(1)</script>We **ask**.",
            "answer_within_days": "14",
            "remind_every_days": "7",
            "targets-TOTAL_FORMS": "1",
            "targets-INITIAL_FORMS": "0",
            "targets-0-name": "Jordan Blake",
            "targets-0-role": "Director, ICE",
        },
    )
    letter = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:manage", args=[letter.slug])
    assert letter.kind == Petition.Kind.LETTER and letter.status == Petition.Status.DRAFT
    assert "<script>" not in letter.reasons_html and "<strong>ask</strong>" in letter.reasons_html
    assert letter.delivery_plan.answer_within_days == 14
    assert Letter.objects.filter(petition=letter).exists()


@pytest.mark.parametrize("days", ["0", "-3"])
def test_a_deadline_in_the_past_is_refused_and_nothing_is_saved(client, alice, union, days):
    log_in_verified(client, alice)
    response = client.post(
        reverse("letters:new"),
        {
            "title": "A seat at the table",
            "summary": "Give officers a seat.",
            "text": "Dear Director.",
            "answer_within_days": days,
            "targets-TOTAL_FORMS": "1",
            "targets-INITIAL_FORMS": "0",
            "targets-0-name": "Jordan Blake",
            "targets-0-role": "Director, ICE",
        },
    )
    assert response.status_code == 422
    assert "a deadline in the past cannot be met" in response.content.decode()
    assert not Petition.objects.exists()


def test_the_action_refuses_a_deadline_in_the_past_too(union, alice):
    with pytest.raises(actions.ActionError, match="deadline in the past"):
        start_letter(union, alice, answer_within_days=0)
    assert not Petition.objects.exists()


def test_an_outsider_cannot_manage_a_letter_nor_approve_its_cosigners(client, letter, charlie):
    log_in_verified(client, charlie)
    assert client.get(reverse("letters:manage", args=[letter.slug])).status_code == 403
    _join(client, letter)
    cosigner = CoSigner.objects.get()
    response = client.post(reverse("letters:decide", args=[letter.slug, cosigner.pk, "approve"]))
    assert response.status_code == 403
    cosigner.refresh_from_db()
    assert cosigner.status == CoSigner.Status.UNCONFIRMED


def test_a_partner_organisation_confirms_by_email_and_shows_once_approved(
    client, letter, alice, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _join(client, letter)
    assert response.status_code == 200
    assert "check your email" in response.content.decode()
    cosigner = CoSigner.objects.get()
    assert cosigner.status == CoSigner.Status.UNCONFIRMED and cosigner.emailed_at
    # The logo was decoded, written anew and shrunk to fit 480 x 240.
    from PIL import Image

    with Image.open(cosigner.logo.path) as logo:
        assert logo.size == (480, 160)
    [message] = [m for m in smtp_server.messages if m["To"] == "rosa@fairwork.example.org"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(link_in(body, "/letters/cosigners/confirm/"))
    cosigner.refresh_from_db()
    # alice is told it waits for her approval.
    assert any(m["To"] == alice.email for m in smtp_server.messages)
    assert cosigner.status == CoSigner.Status.CONFIRMED
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "Coalition for Fair Work" not in page  # not before the organiser approves

    log_in_verified(client, alice)
    assert (
        "Coalition for Fair Work"
        in client.get(reverse("letters:manage", args=[letter.slug])).content.decode()
    )
    client.post(reverse("letters:decide", args=[letter.slug, cosigner.pk, "approve"]))
    client.logout()
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "Coalition for Fair Work" in page and cosigner.logo.url in page


def test_the_same_address_cannot_co_sign_twice_for_an_organisation(client, letter):
    _join(client, letter)
    response = _join(client, letter, name="Another name", email="Rosa@FairWork.example.org")
    assert response.status_code == 409
    assert "already co-signed" in response.content.decode()
    assert CoSigner.objects.count() == 1


def test_a_forged_invitation_link_is_refused(client, letter):
    url = reverse("letters:join", args=[letter.slug, "not-the-code"])
    response = client.post(
        url,
        {
            "name": "X",
            "website": "https://x.example",
            "logo": png(),
            "signed_by": "X",
            "email": "x@x.example",
        },
    )
    assert response.status_code == 410
    assert not CoSigner.objects.exists()


def test_a_forged_confirmation_link_is_refused(client, letter):
    _join(client, letter)
    cosigner = CoSigner.objects.get()
    token = cosigner.confirmation_token()
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(reverse("letters:confirm_cosigner", args=[forged]))
    assert response.status_code == 410
    cosigner.refresh_from_db()
    assert cosigner.status == CoSigner.Status.UNCONFIRMED


@pytest.mark.parametrize(
    "logo, message",
    [
        (
            lambda: __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "logo.svg",
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                content_type="image/svg+xml",
            ),
            "Upload a valid image",
        ),
        (
            lambda: __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "logo.png", b"MZ\x90\x00 not a picture", content_type="image/png"
            ),
            "Upload a valid image",
        ),
        (
            lambda: __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "logo.png", b"\x89PNG" + b"\0" * (2 * 1024 * 1024 + 1), content_type="image/png"
            ),
            "larger than 2 MB",
        ),
    ],
    ids=["svg", "not-an-image", "oversized"],
)
def test_svg_non_images_and_oversized_logos_are_refused_and_nothing_is_saved(
    client, letter, logo, message
):
    response = _join(client, letter, logo=logo())
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CoSigner.objects.exists()


def test_individuals_co_sign_through_the_petition_signing_path(client, letter):
    sign_and_confirm(letter, "sam@example.com")
    sign(letter, "Sam@Example.com")  # the same person, normalised: counted once
    page = client.get(letter.get_absolute_url()).content.decode()
    assert re.search(r'count-number">1<', page)
    assert "</strong> person has co-signed" in page
    assert f'action="/p/{letter.slug}/sign/"' in page


def test_letters_stay_out_of_the_petition_lists_and_redirect_to_their_own_page(
    client, letter, petition
):
    home = client.get("/").content.decode()
    assert petition.title in home and letter.title not in home
    api = client.get("/api/v1/petitions").json()
    assert [p["slug"] for p in api["items"]] == [petition.slug]
    response = client.get(reverse("petitions:detail", args=[letter.slug]))
    assert response.status_code == 301 and response["Location"] == f"/letters/{letter.slug}/"
    assert f"/letters/{letter.slug}/" in client.get("/sitemap.xml").content.decode()


def _approved(letter, name="Coalition for Fair Work"):
    from django.core.files.base import ContentFile

    from groundswell.core.images import reencode
    from groundswell.letters.forms import resized_logo

    logo = resized_logo(reencode(png()))
    cosigner = actions.cosign_as_organisation(
        letter=letter.letter,
        organisation=actions.OrganisationInput(
            name=name,
            website="https://fairwork.example.org",
            signed_by="Rosa",
            email=f"{name[:4].lower()}@example.org",
        ),
        logo=ContentFile(logo.read(), name=logo.name),
    )
    actions.confirm_cosigner(token=cosigner.confirmation_token())
    return cosigner


def test_the_delivery_pdf_names_the_approved_co_signing_organisations(letter, alice):
    from groundswell.targets import documents

    cosigner = _approved(letter)
    actions.approve_cosigner(cosigner=cosigner, by=alice)
    _approved(letter, name="Not Yet Approved League")
    sign_and_confirm(letter)
    pdf = documents.delivery_pdf(
        letter, list(letter.targets.all()), documents.breakdown(letter), letter.created_at
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Co-signing organisations" in text and "Coalition for Fair Work" in text
    assert "Not Yet Approved League" not in text
    assert "1 confirmed signature\n" in text or "1 confirmed signature " in text


def test_the_page_counts_the_days_sent_due_overdue_and_answered(
    client, letter, alice, time_machine
):
    Target.objects.update(email="director@agency.example.gov")
    time_machine.move_to("2026-03-02 12:00", tick=False)
    targets.deliver_petition(petition=letter, by=alice, answer_within_days=14)
    time_machine.move_to("2026-03-05 12:00", tick=False)
    assert (
        "Sent 3 days ago · answer due in 11 days"
        in client.get(letter.get_absolute_url()).content.decode()
    )
    time_machine.move_to("2026-03-20 12:00", tick=False)
    assert (
        "Sent 18 days ago · overdue by 4 days"
        in client.get(letter.get_absolute_url()).content.decode()
    )
    delivery = Delivery.objects.get()
    from datetime import date

    targets.record_outside_answer(
        delivery=delivery,
        by=alice,
        source="letter",
        received_on=date(2026, 3, 19),
        text="We will meet you on Monday.",
    )
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "Answered on 19 March 2026" in page and "We will meet you on Monday." in page


def test_the_target_answers_through_its_private_link_and_co_signers_who_opted_in_are_mailed(
    client, letter, alice, django_capture_on_commit_callbacks
):
    sign_and_confirm(letter, "wants@example.com", wants_updates=True)
    sign_and_confirm(letter, "quiet@example.com", wants_updates=False)
    Target.objects.update(email="director@agency.example.gov")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        targets.deliver_petition(petition=letter, by=alice, answer_within_days=14)
    [delivery_mail] = [m for m in mail.outbox if m.to == ["director@agency.example.gov"]]
    path = re.search(r"/p/[^/\s]+/respond/[^/\s]+/", delivery_mail.body).group()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"text": "We will meet the union on Monday."})
    assert response.status_code == 302
    recipients = {m.to[0] for m in mail.outbox}
    assert "wants@example.com" in recipients and "quiet@example.com" not in recipients
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "We will meet the union on Monday." in page


def test_a_forged_answer_link_is_refused_and_nothing_changes(client, letter, alice):
    Target.objects.update(email="director@agency.example.gov")
    targets.deliver_petition(petition=letter, by=alice, answer_within_days=14)
    response = client.post(f"/p/{letter.slug}/respond/forged-token-0123456789/", {"text": "Hi"})
    assert response.status_code in (404, 410)
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_an_answer_by_post_is_recorded_with_a_picture_of_the_letter(
    client, letter, alice, settings
):
    from groundswell.targets.models import Answer

    Target.objects.update(email="director@agency.example.gov")
    [delivery] = targets.deliver_petition(petition=letter, by=alice, answer_within_days=14)
    log_in_verified(client, alice)
    url = reverse("letters:record_answer", args=[letter.slug, delivery.pk])
    from django.utils import timezone

    response = client.post(
        url,
        {
            "outcome": "answered",
            "source": "letter",
            "received_on": timezone.localdate().isoformat(),
            "text": "By post: we will meet.",
            "attachment": png(name="scan.png"),
            "email_signers": "on",
        },
    )
    assert response.status_code == 302
    assert Answer.objects.get().attachment.name.endswith(".png")


def test_an_answer_copy_that_is_neither_pdf_nor_picture_is_refused(client, letter, alice):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    Target.objects.update(email="director@agency.example.gov")
    [delivery] = targets.deliver_petition(petition=letter, by=alice, answer_within_days=14)
    log_in_verified(client, alice)
    url = reverse("letters:record_answer", args=[letter.slug, delivery.pk])
    response = client.post(
        url,
        {
            "outcome": "answered",
            "source": "letter",
            "received_on": timezone.localdate().isoformat(),
            "text": "By post.",
            "attachment": SimpleUploadedFile("x.pdf", b"<html>no</html>"),
        },
    )
    assert response.status_code == 422
    assert "must be a PDF or a picture" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_an_outsider_cannot_record_an_answer(client, letter, alice, charlie):
    Target.objects.update(email="director@agency.example.gov")
    [delivery] = targets.deliver_petition(petition=letter, by=alice, answer_within_days=14)
    log_in_verified(client, charlie)
    response = client.get(reverse("letters:record_answer", args=[letter.slug, delivery.pk]))
    assert response.status_code == 403


def test_reminders_go_at_the_deadline_and_then_at_the_interval(
    letter, alice, time_machine, django_capture_on_commit_callbacks
):
    from groundswell.targets.models import Reminder
    from groundswell.targets.tasks import send_due_reminders

    Target.objects.update(email="director@agency.example.gov")
    time_machine.move_to("2026-03-02 12:00", tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        targets.deliver_petition(
            petition=letter, by=alice, answer_within_days=14, remind_every_days=7
        )

    def reminders_on(day: str) -> int:
        time_machine.move_to(f"{day} 12:00", tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            send_due_reminders.call()
        return Reminder.objects.filter(sent_at__isnull=False).count()

    assert reminders_on("2026-03-09") == 0  # a week in, before the deadline: none
    assert reminders_on("2026-03-16") == 1  # the deadline's day
    assert reminders_on("2026-03-22") == 1
    assert reminders_on("2026-03-23") == 2  # a week after the deadline
