"""The director's office answers alice's petition through its private link, in Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from groundswell.targets import actions
from groundswell.targets.models import Answer, Delivery, Target

pytestmark = pytest.mark.browser

DIRECTOR = "director@agency.example.gov"
ANSWER_PATH = re.compile(r"/p/[^/\s]+/respond/[^/\s]+/")
LETTER = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def answer_path(petition, alice, django_capture_on_commit_callbacks):
    """alice delivers her petition to Jordan Blake; the path of the link his office got."""
    Target.objects.filter(name="Jordan Blake").update(email=DIRECTOR)
    with django_capture_on_commit_callbacks(execute=True):
        actions.deliver_petition(petition=petition, by=alice, answer_within_days=14)
    [message] = [m for m in mail.outbox if m.to == [DIRECTOR]]
    return ANSWER_PATH.search(message.body).group()


def test_the_target_answers_through_the_link_and_the_answer_is_on_the_petition_page(
    live_server, petition, answer_path, phone, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    phone.goto(live_server.url + petition.get_absolute_url())
    answers = phone.get_by_role("region", name="Delivery and answers")
    expect(answers).to_contain_text(re.compile(r"Delivered to Jordan Blake on .+ — waiting 0 days"))

    phone.goto(live_server.url + answer_path)
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        f"Answer the petition “{petition.title}”"
    )
    phone.get_by_role("textbox", name="Your answer").fill(
        "The director will meet the union's officers on Monday to discuss written guidance."
    )
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(LETTER)
    phone.get_by_label("Attach a letter (PDF, optional)").set_input_files(str(letter))
    screenshot(phone, "target-answer-1-form")

    phone.get_by_role("button", name="Publish our answer").tap()

    expect(phone).to_have_url(re.compile(re.escape(petition.get_absolute_url()) + "#answers$"))
    expect(phone.get_by_role("status")).to_contain_text("Your answer is published")
    answers = phone.get_by_role("region", name="Delivery and answers")
    expect(answers).to_contain_text(re.compile(r"answered on .+ after 0 days"))
    expect(answers).to_contain_text("meet the union's officers on Monday")
    expect(answers.get_by_role("link", name="Read their letter (PDF)")).to_be_visible()
    screenshot(phone, "target-answer-2-petition")

    assert Delivery.objects.get().status == Delivery.Status.ANSWERED
    assert Answer.objects.get().attachment.name.endswith(".pdf")
    # The link worked once.
    response = phone.request.get(live_server.url + answer_path)
    assert response.status == 410
