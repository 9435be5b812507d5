"""A Spanish-speaking supporter signs, confirms and is thanked in Spanish, in a real Chromium,
with the confirmation mailed through a real SMTP server (issue 18, "Spanish throughout")."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from groundswell.petitions.models import Petition, Signature

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).parent / "artifacts" / "issue-18"
SPANISH_TITLE = "Permitan que los agentes usen su criterio sin temor a ser suspendidos"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/p/confirm/[^\s]+)")


@pytest.fixture
def bilingual(petition):
    Petition.objects.filter(pk=petition.pk).update(
        title_es=SPANISH_TITLE,
        demand_es="Emitan una guía por escrito que proteja el criterio de los agentes.",
        reasons_html_es="<p>Los agentes están capacitados para evaluar cada caso.</p>",
    )
    return petition


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_a_spanish_reader_signs_confirms_and_is_thanked_in_spanish(
    live_server, browser, bilingual, smtp_server, width, height
):
    phone = width < 600
    with browser.new_context(
        locale="es-MX",  # Accept-Language: es-MX
        viewport={"width": width, "height": height},
        is_mobile=phone,
        has_touch=phone,
    ) as context:
        page = context.new_page()
        page.goto(live_server.url + bilingual.get_absolute_url())
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text(SPANISH_TITLE)
        expect(page.get_by_role("heading", name="Firme esta petición")).to_be_visible()
        _shoot(page, f"es-petition-{width}x{height}")

        page.get_by_role("textbox", name="Nombre").fill("Ana Ramírez")
        page.get_by_role("textbox", name="Correo electrónico").fill(f"ana{width}@example.net")
        page.get_by_role("textbox", name="Código postal (ZIP)").fill("78701")
        page.get_by_role("combobox", name="País").select_option("US")
        page.get_by_role("button", name="Firmar", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Casi listo: revise su correo")
        _shoot(page, f"es-thanks-{width}x{height}")

        [message] = smtp_server.messages
        assert message["Subject"] == f"Confirme su firma: {SPANISH_TITLE}"
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "Gracias por firmar" in body
        html = message.get_body(preferencelist=("html",)).get_content()
        assert 'lang="es"' in html and "Confirmar mi firma" in html
        confirm = CONFIRM_LINK.search(body).group(1)
        assert confirm.endswith("?lang=es")

        page.goto(live_server.url + confirm)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gracias, Ana Ramírez: su firma cuenta"
        )
        _shoot(page, f"es-confirmed-{width}x{height}")
    assert Signature.objects.get().language == "es"


def test_an_english_browser_switches_to_spanish_with_the_footer_and_stays_there(
    live_server, browser, bilingual
):
    with browser.new_context(locale="en-US", java_script_enabled=False) as context:
        page = context.new_page()
        page.goto(live_server.url + bilingual.get_absolute_url())
        expect(page.get_by_role("heading", level=1)).to_have_text(bilingual.title)
        page.get_by_role("button", name="Español").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(SPANISH_TITLE)
        page.goto(live_server.url + "/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Peticiones")
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Petitions")
