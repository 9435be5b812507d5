"""A seeker who asks in Spanish is answered in Spanish: the pages, the receipt, the errors,
later visits with the receipt code and the notices the worker mails. The language is kept
with the request (`HelpRequest.page_language`); advisers' mail does not follow it."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from groundswell.support import tasks
from groundswell.support.models import HelpRequest, Match
from tests.support.conftest import (
    INTAKE,
    ask_for_help,
    enrol_adviser,
    log_in_adviser,
    seeker_accepts_first_adviser,
)


@pytest.fixture
def rosa(programme, alice):
    """An adviser who speaks Spanish: requests in Spanish are matched with her."""
    return enrol_adviser(
        programme, alice, email="rosa@example.org", name="Rosa Asesora", languages=["es", "en"]
    )


SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_a_browser_that_asks_for_spanish_gets_the_intake_page_in_spanish(programme):
    page = Client(**SPANISH_BROWSER).get(f"/help/{programme.slug}/ask/").content.decode()
    assert "<h1>Pedir ayuda</h1>" in page
    assert "El idioma en el que quiere conversar" in page
    assert "Norteamérica: hora del Centro y del Este" in page
    assert "Ask for help" not in page


def test_form_errors_reach_a_spanish_seeker_in_spanish(programme, vera):
    response = Client(**SPANISH_BROWSER).post(
        f"/help/{programme.slug}/ask/",
        {**INTAKE, "language": "es", "notify_email": "quiet@example.net"},
    )
    assert response.status_code == 422
    assert "Marque esta casilla para dejar una dirección" in response.content.decode()


def test_choosing_to_talk_in_spanish_gives_a_spanish_receipt_even_in_an_english_browser(
    programme, vera
):
    seeker = Client(**ENGLISH_BROWSER)
    assert (
        seeker.post(f"/help/{programme.slug}/ask/", {**INTAKE, "language": "es"}).status_code == 302
    )
    receipt_page = seeker.get("/help/receipt/")
    assert "Guarde su código de comprobante" in receipt_page.content.decode()
    assert receipt_page["Content-Language"] == "es"
    assert HelpRequest.objects.get().page_language == "es"


def test_a_talk_language_the_site_is_not_in_keeps_the_language_the_form_was_read_in(
    programme, vera, alice
):
    from groundswell.support import actions

    actions.update_programme(programme=programme, by=alice, languages=["en", "es", "fr"])
    seeker = Client(**SPANISH_BROWSER)
    assert (
        seeker.post(f"/help/{programme.slug}/ask/", {**INTAKE, "language": "fr"}).status_code == 302
    )
    assert HelpRequest.objects.get().page_language == "es"
    assert "Guarde su código de comprobante" in seeker.get("/help/receipt/").content.decode()


def test_a_spanish_seeker_returning_from_an_english_browser_sees_their_request_in_spanish(
    programme, rosa
):
    receipt = ask_for_help(Client(**SPANISH_BROWSER), programme, language="es")
    later = Client(**ENGLISH_BROWSER)
    assert "Return to your request" in later.get("/help/return/").content.decode()
    assert later.post("/help/return/", {"receipt": receipt}).status_code == 302
    page = later.get("/help/request/").content.decode()
    assert "<h1>Su solicitud</h1>" in page
    assert "Le preguntamos a un asesor adecuado para su solicitud" in page
    assert "Your request" not in page


def test_an_action_refused_on_a_spanish_seekers_page_is_explained_in_spanish(programme, vera):
    seeker = Client(**ENGLISH_BROWSER)
    ask_for_help(seeker, programme, language="es")
    response = seeker.post("/help/request/message/", {"body": "¿Hola?"})
    assert response.status_code == 409
    assert "Por ahora no tiene asesor." in response.content.decode()


def test_the_worker_mails_a_spanish_seeker_in_spanish_whatever_language_it_runs_in(
    programme, vera, smtp_server
):
    ask_for_help(
        Client(**ENGLISH_BROWSER),
        programme,
        language="es",
        notify_email="tranquila@example.net",
        notify_consent="on",
    )
    smtp_server.messages.clear()  # whatever the intake itself sent
    with translation.override("en"):  # the worker's own language is not the seeker's
        tasks.notify_seeker.call(HelpRequest.objects.get().pk)
    (notice,) = smtp_server.messages
    assert notice["To"] == "tranquila@example.net"
    assert notice["Subject"] == "Hay novedades para usted"
    body = notice.get_body(preferencelist=("plain",)).get_content()
    assert "ingrese su código de comprobante" in body and "/help/return/" in body
    html = notice.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="es">' in html and "vaya a esta página" in html


def test_an_english_seekers_notice_stays_in_english_after_a_spanish_one(
    programme, vera, rosa, django_capture_on_commit_callbacks
):
    advisers = {vera.pk: log_in_adviser(Client(), vera), rosa.pk: log_in_adviser(Client(), rosa)}
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_help(
            Client(), programme, notify_email="es@example.net", notify_consent="on", language="es"
        )
        ask_for_help(Client(), programme, notify_email="en@example.net", notify_consent="on")
        for match in Match.objects.all():
            advisers[match.adviser_id].post(f"/help/adviser/r/{match.code}/accept/")
    subjects = {m.to[0]: m.subject for m in mail.outbox if m.to[0].endswith("example.net")}
    assert subjects == {
        "es@example.net": "Hay novedades para usted",
        "en@example.net": "There is news for you",
    }


def test_a_seeker_can_switch_the_language_of_their_pages_and_notices(programme, vera):
    seeker = Client(**SPANISH_BROWSER)
    ask_for_help(seeker, programme, language="es")
    assert seeker.post("/help/request/language/", {"language": "en"}).status_code == 302
    assert HelpRequest.objects.get().page_language == "en"
    assert "<h1>Your request</h1>" in seeker.get("/help/request/").content.decode()
    refused = seeker.post("/help/request/language/", {"language": "xx"})
    assert refused.status_code == 422
    assert HelpRequest.objects.get().page_language == "en"


def test_an_adviser_is_mailed_in_the_sites_language_when_a_spanish_seeker_accepts(
    programme, rosa, django_capture_on_commit_callbacks
):
    seeker = Client(**SPANISH_BROWSER)
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_help(seeker, programme, language="es")
        seeker_accepts_first_adviser(seeker, log_in_adviser(Client(), rosa), Match.objects.get())
    to_rosa = [m for m in mail.outbox if m.to == [rosa.email]]
    assert to_rosa[-1].subject == "You were accepted as an adviser"
