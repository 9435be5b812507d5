"""A Spanish reader sees the delivery, the days of silence and the deadline in Spanish, with
dates in the Spanish format; the decision-makers' directory too."""

from django.test import Client

from tests.targets.test_waiting_and_overdue import at, deliver_on_the_first_of_march, text_of

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


def test_the_days_of_silence_and_the_deadline_read_in_spanish_with_spanish_dates(
    petition, jordan, alice, django_capture_on_commit_callbacks
):
    deliver_on_the_first_of_march(petition, alice, django_capture_on_commit_callbacks)
    reader = Client(**SPANISH)
    with at(2):
        text = text_of(reader.get(f"/p/{petition.slug}/"))
    assert "Entregada a Jordan Blake el 1 de marzo de 2027: 1 día esperando respuesta" in text
    assert "Se pide respuesta para el 15 de marzo de 2027." in text
    with at(20):
        text = text_of(reader.get(f"/p/{petition.slug}/"))
    assert "19 días esperando respuesta" in text
    assert "Atrasada: se pidió respuesta para el 15 de marzo de 2027, hace 5 días." in text


def test_the_directory_reads_in_spanish(
    petition, jordan, alice, django_capture_on_commit_callbacks
):
    deliver_on_the_first_of_march(petition, alice, django_capture_on_commit_callbacks)
    text = text_of(Client(**SPANISH).get(f"/targets/{jordan.pk}/"))
    assert "Campañas dirigidas a Jordan Blake" in text
    assert "1 entregadas · 0 respondidas · 1 esperando respuesta" in text
