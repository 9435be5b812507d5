"""Bad input gets a clear 4xx, never a 500, and changes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from groundswell.targets.forms import MAX_ATTACHMENT_MB
from groundswell.targets.models import Answer, AnswerLink, Delivery, Target
from tests.conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def still_waiting():
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT
    assert not Answer.objects.exists()
    return delivery


def test_an_empty_answer_is_refused_and_the_link_still_works(client, link_path):
    response = client.post(link_path, {"decision": "answer", "text": "   "})
    assert response.status_code == 422
    assert "Write your answer, or choose to decline" in response.content.decode()
    still_waiting()
    assert client.get(link_path).status_code == 200


def test_an_attachment_that_is_not_a_pdf_is_refused(client, link_path):
    fake = SimpleUploadedFile("answer.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(link_path, {"decision": "answer", "text": "See the letter.",
                                       "attachment": fake})  # fmt: skip
    assert response.status_code == 422
    assert "must be a PDF document" in response.content.decode()
    still_waiting()


def test_an_oversized_attachment_is_refused(client, link_path):
    size = MAX_ATTACHMENT_MB * 1024 * 1024
    big = SimpleUploadedFile("letter.pdf", PDF + b"0" * size + b"\n%%EOF\n", "application/pdf")
    response = client.post(link_path, {"decision": "answer", "text": "See the letter.",
                                       "attachment": big})  # fmt: skip
    assert response.status_code == 422
    assert f"larger than {MAX_ATTACHMENT_MB} MB" in response.content.decode()
    still_waiting()


def test_a_small_pdf_is_kept_under_a_name_of_our_choosing(client, link_path, petition):
    letter = SimpleUploadedFile("../../etc/letter.exe", PDF, "application/octet-stream")
    response = client.post(link_path, {"decision": "answer", "text": "Attached.",
                                       "attachment": letter})  # fmt: skip
    assert response.status_code == 302
    answer = Answer.objects.get()
    assert answer.attachment.name.startswith("answers/")
    assert answer.attachment.name.endswith(".pdf")
    assert ".." not in answer.attachment.name
    assert answer.attachment.url in client.get(petition.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda path: path[:-5] + ("A" if path[-5] != "A" else "B") + path[-4:],  # one character
        lambda path: path.rsplit("/", 2)[0] + "/not-a-token/",
        lambda path: path.rsplit("/", 2)[0] + "/" + "x" * 300 + "/",
    ],
)
def test_a_bad_token_is_a_clear_404(client, link_path, mangle):
    response = client.get(mangle(link_path))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert client.post(mangle(link_path), {"text": "Hello"}).status_code == 404
    still_waiting()


def test_an_expired_token_is_a_clear_410(client, link_path):
    later = AnswerLink.objects.get().expires_at + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        response = client.post(link_path, {"decision": "answer", "text": "Late"})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    still_waiting()


def test_a_used_token_is_a_clear_410(client, link_path):
    assert client.post(link_path, {"decision": "decline"}).status_code == 302
    response = client.post(link_path, {"decision": "answer", "text": "Changed our mind"})
    assert response.status_code == 410
    assert Delivery.objects.get().status == Delivery.Status.DECLINED


def test_a_link_whose_delivery_was_answered_another_way_is_a_clear_410(
    client, link_path, delivered, alice
):
    from groundswell.targets import actions

    actions.record_outside_answer(delivery=delivered, by=alice, source="letter",
                                  received_on=timezone.localdate(), text="By post.")  # fmt: skip
    response = client.get(link_path)
    assert response.status_code == 410
    assert "already been answered" in response.content.decode()


def log_in(client, user):
    client.login(username=user.email, password=PASSWORD)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"outcome": "answered", "source": "letter", "received_on": "2999-01-01", "text": "Hi"},
         "cannot have come in the future"),
        ({"outcome": "answered", "source": "letter", "received_on": "yesterday", "text": "Hi"},
         "Enter a valid date"),
        ({"outcome": "answered", "source": "carrier-pigeon", "received_on": "2020-01-01",
          "text": "Hi"}, "Select a valid choice"),
        ({"outcome": "answered", "source": "letter", "received_on": "2020-01-01", "text": ""},
         "Write what the answer said"),
    ],
)  # fmt: skip
def test_a_bad_outside_answer_is_refused(client, alice, delivered, petition, form, error):
    log_in(client, alice)
    response = client.post(f"/p/{petition.slug}/deliveries/{delivered.pk}/answer/", form)
    assert response.status_code == 422
    assert error in response.content.decode()
    still_waiting()


def test_an_outside_answer_before_the_delivery_is_refused(client, alice, delivered, petition):
    log_in(client, alice)
    day_before = (delivered.delivered_on - timedelta(days=1)).isoformat()
    form = {"outcome": "answered", "source": "letter", "received_on": day_before, "text": "Hi"}
    response = client.post(f"/p/{petition.slug}/deliveries/{delivered.pk}/answer/", form)
    assert response.status_code == 422
    assert "cannot predate the delivery" in response.content.decode()
    still_waiting()


@pytest.mark.parametrize(
    ("action", "form", "error"),
    [
        ("delivery-plan/", {"plan-delivery_threshold": "many"}, "Enter a whole number"),
        ("delivery-plan/", {"plan-remind_every_days": "0"}, "greater than or equal to 1"),
        ("deliver/", {"deliver-answer_within_days": "-3"}, "greater than or equal to 1"),
        ("outcome/", {"outcome-outcome": "won", "outcome-note": ""}, "This field is required"),
        ("outcome/", {"outcome-outcome": "lost", "outcome-note": "x"}, "Select a valid choice"),
    ],
)
def test_bad_organiser_forms_are_refused(client, alice, petition, jordan, action, form, error):
    log_in(client, alice)
    response = client.post(f"/p/{petition.slug}/{action}", form)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not Delivery.objects.exists()


def test_delivering_to_targets_without_an_email_address_says_what_to_do(client, alice, petition):
    log_in(client, alice)
    response = client.post(f"/p/{petition.slug}/deliver/", {})
    assert response.status_code == 409
    assert "Add an email address for Jordan Blake" in response.content.decode()
    assert not Delivery.objects.exists()


def test_delivering_twice_is_refused(client, alice, delivered, petition):
    log_in(client, alice)
    response = client.post(f"/p/{petition.slug}/deliver/", {})
    assert response.status_code == 409
    assert "delivered to every target" in response.content.decode()
    assert Delivery.objects.count() == 1


def test_a_draft_cannot_be_delivered(client, alice, draft):
    Target.objects.update(email="director@agency.example.gov")
    log_in(client, alice)
    response = client.post(f"/p/{draft.slug}/deliver/", {})
    assert response.status_code == 409
    assert not Delivery.objects.exists()


def test_a_target_edit_with_a_bad_email_is_refused_and_a_namesake_is_allowed(
    client, alice, mo, jordan, union
):
    """Two people may share a name and role: entries are picked by id, not by their words."""
    from groundswell.petitions.actions import TargetInput
    from tests.conftest import start_petition

    start_petition(union, alice, targets=[TargetInput("Other Person", "Deputy")])
    log_in(client, mo)  # only staff change the directory's address
    url = f"/targets/{jordan.pk}/edit/"
    bad = client.post(url, {"name": "Jordan Blake", "role": jordan.role, "email": "not-an-email"})
    assert bad.status_code == 422
    jordan.refresh_from_db()
    assert jordan.email == "director@agency.example.gov"
    log_in(client, alice)
    same = client.post(url, {"name": "Other Person", "role": "Deputy"})
    assert same.status_code == 302
    assert Target.objects.filter(name="Other Person", role="Deputy").count() == 2


def test_the_api_answers_a_missing_target_with_json(client, db):
    response = client.get("/api/v1/targets/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such person in the directory."}
    assert client.get("/api/v1/targets/abc").status_code == 422
