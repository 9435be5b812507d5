"""How a reader gets Spanish: Accept-Language, the footer's switcher (a cookie), ?lang=es."""

from django.conf import settings

from groundswell.core import i18n


def test_a_browser_that_prefers_spanish_gets_the_page_in_spanish(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    page = response.content.decode()
    assert '<html lang="es">' in page and "Peticiones" in page
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]


def test_a_browser_that_prefers_another_language_gets_english(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="en">' in page and "Petitions" in page


def test_the_switcher_remembers_the_choice_in_a_cookie_without_an_account(client, db):
    page = client.get("/my-data/?lang=en").content.decode()
    assert 'action="/language/"' in page and 'value="es"' in page
    assert 'name="next" value="/my-data/"' in page  # back to the page, without its ?lang=
    response = client.post("/language/", {"language": "es", "next": "/my-data/"})
    assert response.status_code == 302 and response["Location"] == "/my-data/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "Mis datos" in client.get("/my-data/").content.decode()


def test_the_switcher_refuses_a_post_from_another_site(client, db):
    response = client.post("/language/", {"language": "es"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switcher_never_puts_a_link_with_a_token_into_the_page(client, petition):
    from tests.conftest import sign

    token = sign(petition).confirmation_token()
    page = client.get(f"/p/confirm/{token}/").content.decode()
    assert 'action="/language/"' in page and token not in page.split('action="/language/"')[1]


def test_lang_in_the_address_wins_over_the_cookie_and_the_browser(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/?lang=es", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in page
    assert '<html lang="en">' in client.get("/?lang=xx").content.decode()  # unknown: ignored


def test_links_name_the_language_only_when_it_is_not_the_sites_own():
    assert i18n.with_language("/p/x/?ref=abc", "es") == "/p/x/?ref=abc&lang=es"
    assert i18n.with_language("/p/x/?lang=es&ref=abc", "en") == "/p/x/?ref=abc"
    assert i18n.with_language("/p/x/", "es") == "/p/x/?lang=es"


def test_the_edge_decides_the_language_as_django_does():
    environ = {"HTTP_ACCEPT_LANGUAGE": "es-419,es;q=0.9", "QUERY_STRING": ""}
    assert i18n.of_environ(environ) == "es"
    assert i18n.of_environ({**environ, "HTTP_COOKIE": "a=b; django_language=en"}) == "en"
    assert i18n.of_environ({**environ, "QUERY_STRING": "ref=x&lang=en"}) == "en"
    assert i18n.of_environ({}) == "en"
