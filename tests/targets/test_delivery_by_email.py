"""A delivery as the target's mail server receives it: over real SMTP on loopback."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from groundswell.targets.models import Answer, AnswerLink, Delivery
from tests.conftest import open_petition, sign_and_confirm
from tests.targets.conftest import JORDAN_EMAIL, answer_path, deliver


def sign_up_three(petition):
    sign_and_confirm(petition, "ann@example.com", name="Ann Shown", show_name=True,
                     postcode="10001", comment="=HYPERLINK(1)")  # fmt: skip
    sign_and_confirm(petition, "ben@example.com", name="Ben Hidden", postcode="94110")
    sign_and_confirm(petition, "cat@example.com", name="Cat Abroad", show_name=True,
                     postcode="SW1A 1AA", country="GB")  # fmt: skip


@pytest.fixture
def received(smtp_server, petition, jordan, alice, django_capture_on_commit_callbacks):
    """The delivery email Jordan Blake's server received, after three people signed."""
    sign_up_three(petition)
    deliver(petition, alice, django_capture_on_commit_callbacks, answer_within_days=14)
    [message] = [m for m in smtp_server.messages if m["To"] == JORDAN_EMAIL]
    return message


def attachments(message) -> dict:
    return {part.get_filename(): part for part in message.iter_attachments()}


def test_the_pdf_opens_and_states_the_count_the_places_and_the_shown_names(received, petition):
    pdf = attachments(received)[f"{petition.slug}.pdf"]
    assert pdf.get_content_type() == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.get_content()))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "3 confirmed signatures" in text
    assert petition.title in text
    assert "Issue written guidance protecting lawful discretion." in text
    assert "United States of America 2" in text
    assert "United Kingdom 1" in text
    assert "New York 1" in text
    assert "California 1" in text
    assert "Ann Shown" in text
    assert "Cat Abroad" in text
    assert "Ben Hidden" not in text
    assert "example.com" not in text


def test_the_csv_has_a_row_per_signer_with_only_the_names_they_chose_to_show(received, petition):
    part = attachments(received)[f"{petition.slug}-signers.csv"]
    assert part.get_content_type() == "text/csv"
    content = part.get_content()
    content = content if isinstance(content, str) else content.decode()
    today = timezone.localdate().isoformat()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows == [
        {"confirmed_on": today, "name": "Ann Shown", "country": "US", "us_state": "NY",
         "comment": "'=HYPERLINK(1)"},
        {"confirmed_on": today, "name": "", "country": "US", "us_state": "CA", "comment": ""},
        {"confirmed_on": today, "name": "Cat Abroad", "country": "GB", "us_state": "",
         "comment": ""},
    ]  # fmt: skip
    assert "@" not in content


def test_the_email_asks_for_an_answer_by_the_deadline_and_holds_the_count(received, petition):
    body = received.get_body(preferencelist=("plain",)).get_content()
    deadline = timezone.localdate() + timedelta(days=14)
    assert f"by {deadline.day} {deadline:%B %Y}" in body
    assert "signed by 3 people" in body
    assert "(3 signatures)" in received["Subject"]
    assert answer_path(body).startswith(f"/p/{petition.slug}/respond/")
    delivery = Delivery.objects.get()
    assert delivery.signature_count == 3
    assert delivery.emailed_at is not None


def test_only_a_hash_of_the_answer_token_is_stored(received):
    path = answer_path(received.get_body(preferencelist=("plain",)).get_content())
    token = path.rstrip("/").rsplit("/", 1)[1]
    [link] = AnswerLink.objects.all()
    assert token not in link.token_hash
    assert len(token) >= 43  # 256 random bits
    assert AnswerLink.objects.for_token(token).get() == link


def test_the_answer_link_works_once(client, received, petition):
    path = answer_path(received.get_body(preferencelist=("plain",)).get_content())
    page = client.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"  # the token never leaves in a Referer
    assert "no-store" in page["Cache-Control"]

    response = client.post(path, {"decision": "answer", "text": "We will meet the union."})
    assert response.status_code == 302
    assert response["Location"] == f"/p/{petition.slug}/#answers"

    again = client.post(path, {"decision": "answer", "text": "Actually, we will not."})
    assert again.status_code == 410
    assert "has been used" in again.content.decode()
    assert client.get(path).status_code == 410
    assert Answer.objects.get().text == "We will meet the union."


def test_the_answer_link_does_not_work_for_another_petition(
    client, received, petition, union, alice, mo
):
    other = open_petition(union, alice, mo, title="Another campaign")
    token = answer_path(received.get_body(preferencelist=("plain",)).get_content()).split("/")[-2]
    elsewhere = f"/p/{other.slug}/respond/{token}/"
    assert client.get(elsewhere).status_code == 404
    assert client.post(elsewhere, {"decision": "answer", "text": "Hijack"}).status_code == 404
    assert not Answer.objects.exists()
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_the_answer_link_expires(client, received):
    path = answer_path(received.get_body(preferencelist=("plain",)).get_content())
    link = AnswerLink.objects.get()
    # Asked to answer within 14 days, the link works at least 60.
    assert link.expires_at - link.created_at == timedelta(days=60)
    with time_machine.travel(link.expires_at - timedelta(minutes=1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(link.expires_at + timedelta(minutes=1), tick=False):
        response = client.post(path, {"decision": "answer", "text": "Too late?"})
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    assert not Answer.objects.exists()
