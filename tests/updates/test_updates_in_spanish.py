"""An update's own Spanish version, for Spanish readers and for signers who signed in Spanish."""

from django.core import mail

from groundswell.updates import actions
from tests.conftest import log_in_verified, sign


def test_an_update_with_a_spanish_version_shows_it_and_one_without_says_so(client, petition, alice):
    both = actions.write_update(
        petition=petition, author=alice, title="We met the director", body="It went **well**.",
        title_es="Nos reunimos con el director", body_es="Salió **bien**.",
    )  # fmt: skip
    english_only = actions.write_update(
        petition=petition, author=alice, title="Thank you", body="Thanks."
    )
    for update in (both, english_only):
        actions.publish_update(update=update, by=alice)
    page = client.get(both.get_absolute_url() + "?lang=es").content.decode()
    assert "<h1>Nos reunimos con el director</h1>" in page and "<strong>bien</strong>" in page
    page = client.get(english_only.get_absolute_url() + "?lang=es").content.decode()
    assert "Esta actualización solo está disponible en inglés." in page
    assert "<h1>Thank you</h1>" in page


def test_the_organiser_writes_the_spanish_version_in_the_update_form(client, petition, alice):
    log_in_verified(client, alice)
    url = f"/p/{petition.slug}/updates/new/"
    refused = client.post(url, {"title": "T", "body": "B", "body_es": "Texto"})
    assert refused.status_code == 422
    client.post(url, {"title": "T", "body": "B", "title_es": "Título", "body_es": "Texto"})
    update = petition.updates.get()
    assert (update.title_es, update.body_html_es) == ("Título", "<p>Texto</p>\n")


def test_a_signer_who_signed_in_spanish_gets_the_spanish_version_by_email(
    petition, alice, django_capture_on_commit_callbacks
):
    from groundswell.core import emails

    signature = sign(petition, wants_updates=True, language="es")
    update = actions.write_update(
        petition=petition, author=alice, title="We met the director", body="It went well.",
        title_es="Nos reunimos con el director", body_es="Salió bien.",
    )  # fmt: skip
    mail.outbox.clear()
    emails.petition_update(update, signature=signature, unsubscribe_path="/unsubscribe/x/")
    [message] = mail.outbox
    assert message.subject.startswith("Nos reunimos con el director")
    assert "Salió bien." in message.body and "?lang=es" in message.body
