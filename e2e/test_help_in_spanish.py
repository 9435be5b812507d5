"""The help request once in Spanish, in a real Chromium: a browser that asks for Spanish
gets the Spanish intake page, asks, and gets a Spanish receipt; the matched adviser (on an
English laptop) is told through the real SMTP server and says she can help; the seeker's
notice arrives in Spanish, subject included, and the link in it leads back to their request
in Spanish."""

import re

import pytest
from django.db import connections
from playwright.sync_api import expect

from e2e.conftest import ARTIFACTS, _page
from e2e.test_help_programme import adviser_logs_in
from e2e.test_signers_rights import only_message_to, path_in
from tests.support.conftest import cheap_argon2, enrol_adviser, start_programme

pytestmark = pytest.mark.browser

SITUATION = "Trabajo en una oficina de campo y quiero pasar a la logística."
SPANISH = {"locale": "es-MX", "extra_http_headers": {"Accept-Language": "es-MX,es;q=0.9"}}
PHONE_SIZE = {"width": 390, "height": 844}
DESKTOP_SIZE = {"width": 1280, "height": 800}
SHOTS = ARTIFACTS / "issue-18"


@pytest.fixture(autouse=True)
def _cheap_argon2(settings):
    cheap_argon2(settings)  # the live server runs in this process: same settings


@pytest.fixture
def programme(union, alice):
    return start_programme(union, alice)


@pytest.fixture
def rosa(programme, alice):
    return enrol_adviser(
        programme, alice, email="rosa@example.org", name="Rosa Asesora", languages=["es", "en"]
    )


@pytest.fixture
def seeker(browser):
    with _page(browser, viewport=PHONE_SIZE, **SPANISH) as page:
        yield page


@pytest.fixture
def laptop(browser):
    with _page(browser, viewport={"width": 1200, "height": 900}) as page:
        yield page


def shoot_at_both_sizes(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in (PHONE_SIZE, DESKTOP_SIZE):
        page.set_viewport_size(size)
        page.screenshot(
            path=str(SHOTS / f"es-help-{name}-{size['width']}x{size['height']}.png"), full_page=True
        )
    page.set_viewport_size(PHONE_SIZE)


def fill_in_the_intake_in_spanish(page) -> None:
    page.get_by_label("El tipo de trabajo que hace ahora").select_option("enforcement")
    page.get_by_label("Currículum y postulaciones").check()
    page.get_by_label("Dónde se encuentra, más o menos").select_option("latin-america")
    page.get_by_label("El idioma en el que quiere conversar").select_option("es")
    page.get_by_label("Entre semana, por la noche").check()
    page.get_by_label("Su situación").fill(SITUATION)
    page.get_by_label("Un correo electrónico para avisos (opcional)").fill("tranquila@example.net")
    page.get_by_label(re.compile("^Entiendo: para enviar avisos")).check()


def test_a_seeker_asks_for_help_in_spanish_and_is_answered_in_spanish(
    live_server, programme, rosa, seeker, laptop, smtp_server
):
    url = live_server.url
    seeker.goto(f"{url}/help/{programme.slug}/")
    expect(seeker.get_by_role("heading", name="Cómo se protege su solicitud")).to_be_visible()
    seeker.get_by_role("link", name="Pedir ayuda").click()
    expect(seeker.get_by_role("heading", level=1)).to_have_text("Pedir ayuda")
    fill_in_the_intake_in_spanish(seeker)
    shoot_at_both_sizes(seeker, "intake")
    seeker.get_by_role("button", name="Enviar mi solicitud").click()

    expect(seeker.get_by_role("heading", level=1)).to_have_text(
        "Recibimos su solicitud. Guarde su código de comprobante."
    )
    receipt = seeker.locator("[data-receipt]").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4}-){6}[A-Z2-7]{4}", receipt)
    shoot_at_both_sizes(seeker, "receipt")
    seeker.get_by_label("Guardé mi código de comprobante en un lugar seguro").check()
    seeker.get_by_role("button", name="Ir a mi solicitud").click()
    expect(seeker.get_by_text("Le preguntamos a un asesor adecuado")).to_be_visible()

    # Rosa, the Spanish-speaking adviser matched with the request, is told by email (in
    # the site's language: advisers keep theirs) and says she can help.
    offer = only_message_to(smtp_server, rosa.email)
    assert offer["Subject"] == "A request was offered to you"
    adviser_logs_in(laptop, url, rosa)
    laptop.get_by_role("link", name=re.compile(r"^Request ")).click()
    expect(laptop.get_by_text("Spanish", exact=True)).to_be_visible()
    laptop.get_by_role("button", name="I can help with this").click()
    expect(laptop.get_by_text("Waiting for the person who asked to accept you")).to_be_visible()

    # The seeker's notice, in Spanish through the real SMTP server, leads back in Spanish.
    notice = only_message_to(smtp_server, "tranquila@example.net")
    assert notice["Subject"] == "Hay novedades para usted"
    body = notice.get_body(preferencelist=("plain",)).get_content()
    assert "Hay novedades para usted" in body and "ingrese su código de comprobante" in body
    assert "Rosa" not in body and programme.name not in body
    seeker.get_by_role("button", name="Salir (cerrar la sesión de esta solicitud)").click()
    seeker.goto(url + path_in(notice, "/help/return/"))
    seeker.get_by_label("Su código de comprobante").fill(receipt)
    seeker.get_by_role("button", name="Abrir mi solicitud").click()
    expect(seeker.get_by_role("heading", level=1)).to_have_text("Su solicitud")
    expect(seeker.get_by_role("button", name="Aceptar a Rosa como mi asesor")).to_be_visible()
    connections.close_all()  # see e2e/test_help_programme.py
