"""An open letter can carry its own Spanish version, as a petition can (core/translated.py)."""

from django.urls import reverse

from groundswell.petitions import actions as petitions
from groundswell.petitions.models import Petition
from tests.conftest import log_in_verified
from tests.letters.conftest import start_letter

FORM = {
    "title": "A seat at the table",
    "summary": "Give officers a seat at the meetings.",
    "text": "Dear Director,\n\nWe **ask**.",
    "answer_within_days": "14",
    "targets-TOTAL_FORMS": "1",
    "targets-INITIAL_FORMS": "0",
    "targets-0-name": "Jordan Blake",
    "targets-0-role": "Director, ICE",
}
SPANISH = {
    "title_es": "Un lugar en la mesa",
    "summary_es": "Den a los agentes un lugar en las reuniones.",
    "text_es": "Estimado director:\n\n**Pedimos**.",
}


def test_an_organiser_writes_the_spanish_version_with_the_letter(client, alice, union):
    log_in_verified(client, alice)
    response = client.post(reverse("letters:new"), {**FORM, **SPANISH})
    assert response.status_code == 302
    letter = Petition.objects.get()
    assert letter.title_es == "Un lugar en la mesa"
    assert letter.demand_es == SPANISH["summary_es"]
    assert "<strong>Pedimos</strong>" in letter.reasons_html_es


def test_half_a_spanish_version_is_refused_and_nothing_is_saved(client, alice, union):
    log_in_verified(client, alice)
    response = client.post(reverse("letters:new"), {**FORM, "title_es": "Un lugar en la mesa"})
    assert response.status_code == 422
    assert "Give the summary in Spanish too." in response.content.decode()
    assert "Give the letter in Spanish too." in response.content.decode()
    assert not Petition.objects.exists()


def open_letter(union, alice, mo, **fields):
    drafted = start_letter(union, alice, **fields)
    petitions.submit_for_review(petition=drafted)
    return petitions.approve_petition(petition=drafted, reviewer=mo)


def test_a_spanish_reader_reads_the_spanish_letter(client, union, alice, mo):
    letter = open_letter(
        union, alice, mo, title_es="Un lugar en la mesa", summary_es="Pedimos un lugar.",
        text_es="Estimado director:\n\n**Esperamos** seis semanas.",
    )  # fmt: skip
    page = client.get(letter.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Un lugar en la mesa</h1>" in page
    assert "<strong>Esperamos</strong> seis semanas" in page
    assert "solo está disponible en inglés" not in page
    english = client.get(letter.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>A seat at the table</h1>" in english


def test_without_a_spanish_version_a_spanish_reader_is_told_so(client, union, alice, mo):
    letter = open_letter(union, alice, mo)
    page = client.get(letter.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>A seat at the table</h1>" in page
    assert "Esta carta solo está disponible en inglés." in page
