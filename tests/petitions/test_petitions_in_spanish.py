"""A petition in Spanish: its own Spanish words, the signer's language in every email,
Spanish form errors, and dates and numbers in each language's one format."""

import datetime

from django.core import mail
from django.utils import timezone

from groundswell.petitions import actions
from groundswell.petitions.models import Petition, Signature
from tests.conftest import PASSWORD, link_in, sign

SPANISH = "es-MX,es;q=0.9"
FORM = {"name": "Sam", "email": "sam@example.com", "postcode": "10001", "country": "US"}


def test_a_petition_with_a_spanish_version_shows_it_to_a_spanish_reader(client, bilingual):
    page = client.get(f"/p/{bilingual.slug}/", HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    assert "<h1>Financien los autobuses nocturnos de la ciudad</h1>" in page
    assert "Financien el servicio nocturno todo el año." in page
    assert "<strong>necesitan</strong>" in page  # the Spanish reasons, rendered as Markdown
    assert "Firme esta petición" in page and "solo está disponible en inglés" not in page
    assert '<option value="DE">Alemania</option>' in page  # django-countries' own Spanish
    english = client.get(f"/p/{bilingual.slug}/").content.decode()
    assert "<h1>Fund the city&#x27;s night buses</h1>" in english


def test_a_petition_without_one_says_it_is_only_in_english(client, petition):
    page = client.get(f"/p/{petition.slug}/?lang=es").content.decode()
    assert "Esta petición solo está disponible en inglés." in page
    assert f"<h1>{petition.title}</h1>" in page
    assert '<article class="petition" lang="en">' in page  # screen readers read it as English
    assert "solo está disponible" not in client.get(f"/p/{petition.slug}/").content.decode()


def test_share_links_and_the_sign_form_keep_the_language_of_the_page(client, bilingual):
    page = client.get(f"/p/{bilingual.slug}/", HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    assert f'action="/p/{bilingual.slug}/sign/?lang=es"' in page
    assert f"/p/{bilingual.slug}/?lang=es&amp;src=link" in page
    assert "Firm%C3%A9" in page  # the shared text is Spanish too ("Firmé …")
    english = client.get(f"/p/{bilingual.slug}/").content.decode()
    assert "lang=es" not in english.split("</head>")[1]  # only the hreflang alternate names it


def test_signing_in_spanish_sends_the_confirmation_in_spanish(
    client, bilingual, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/p/{bilingual.slug}/sign/?lang=es", FORM)
    assert response.status_code == 302 and response["Location"].endswith("/thanks/?lang=es")
    assert Signature.objects.get().language == "es"
    [message] = smtp_server.messages
    assert message["Subject"] == (
        "Confirme su firma: Financien los autobuses nocturnos de la ciudad"
    )
    assert message["Content-Language"] == "es"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Estimado/a Sam:" in body and "Gracias por firmar" in body
    confirm = link_in(body, "/p/confirm/")
    assert confirm.endswith("?lang=es")
    thanks = client.get(confirm, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Gracias, Sam: su firma cuenta" in thanks


def test_a_signer_in_english_still_gets_english(
    client, bilingual, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/p/{bilingual.slug}/sign/", FORM, HTTP_ACCEPT_LANGUAGE="en-US")
    [message] = mail.outbox
    assert message.subject == "Please confirm your signature: Fund the city's night buses"
    assert "?lang=" not in message.body


def test_signing_again_is_answered_in_the_language_of_the_first_signature(
    bilingual, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(bilingual, language="es")
    actions.confirm_signature(token=Signature.objects.get().confirmation_token())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign(bilingual)  # the same person, from an English page
    assert mail.outbox[0].subject.startswith("Usted ya firmó: Financien")


def test_form_errors_are_in_spanish(client, petition):
    response = client.post(f"/p/{petition.slug}/sign/?lang=es", {**FORM, "email": "x"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Introduzca una dirección de correo electrónico válida." in page  # Django's own
    response = client.post(f"/p/{petition.slug}/sign/?lang=es", {**FORM, "name": ""})
    assert "Este campo es obligatorio." in response.content.decode()


def test_the_organiser_writes_the_spanish_version_in_the_petition_form(client, alice, union):
    client.login(username=alice.email, password=PASSWORD)
    form = {"title": "Fund the night buses", "demand": "Fund them.",
            "targets-TOTAL_FORMS": "3", "targets-INITIAL_FORMS": "0",
            "targets-0-name": "Dana Mayor", "targets-0-role": "Mayor"}  # fmt: skip
    assert 'name="title_es"' in client.get("/p/new/").content.decode()
    refused = client.post("/p/new/", {**form, "demand_es": "Fináncienlos."})
    assert refused.status_code == 422
    assert "Give the Spanish title too" in refused.content.decode()
    assert not Petition.objects.exists()
    saved = client.post("/p/new/", {**form, "title_es": "Financien", "demand_es": "Fináncienlos."})
    assert saved.status_code == 302
    petition = Petition.objects.get()
    assert (petition.title_es, petition.demand_es) == ("Financien", "Fináncienlos.")
    assert petition.text_in("es").title == "Financien"


def test_dates_and_numbers_have_one_format_per_language(client, petition):
    Petition.objects.filter(pk=petition.pk).update(
        published_at=timezone.make_aware(datetime.datetime(2026, 11, 13, 12))
    )
    english = client.get(f"/p/{petition.slug}/").content.decode()
    spanish = client.get(f"/p/{petition.slug}/?lang=es").content.decode()
    assert "on 13 November 2026" in english
    assert "el 13 de noviembre de 2026" in spanish
    assert "Nov. 13, 2026" not in english + spanish


def test_the_projection_and_the_charts_speak_the_readers_language():
    from django.utils import translation

    from groundswell.petitions.charts import bucket_label
    from groundswell.petitions.insights import Bucket, Projection

    now = timezone.now()
    with translation.override("es"):
        assert Projection(goal=1000, by=now, recent=10).when == "hoy"
        assert Projection(goal=1000, by=now + datetime.timedelta(days=1), recent=10).when == (
            "mañana"
        )
        in_three_days = Projection(goal=1000, by=now + datetime.timedelta(days=3), recent=10)
        assert in_three_days.when.startswith("el ") and in_three_days.when[3:] in {
            "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"
        }  # fmt: skip
        assert (
            bucket_label(Bucket(datetime.date(2026, 11, 13), 5)) == "vie 13 Nov 2026"
        )  # Django's own Spanish names
    assert bucket_label(Bucket(datetime.date(2026, 11, 13), 5)) == "Fri 13 Nov 2026"


def test_my_data_asked_for_in_spanish_is_sent_in_spanish(
    client, petition, django_capture_on_commit_callbacks
):
    sign(petition, email="ana@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my-data/?lang=es", {"email": "ana@example.com"})
    [message] = mail.outbox
    assert message.subject.startswith("Los datos que")
    assert "FIRMAS" in message.body
