"""The country select's HTML is made once per language, value and attributes, and shared."""

from django.utils import translation

from groundswell.petitions.forms import SignatureForm


def rendered(language: str, **data) -> str:
    with translation.override(language):
        form = SignatureForm(data or None)
        if data:
            form.is_valid()
        return str(form["country"])


def test_the_country_select_is_rendered_once_and_then_shared():
    first, again = rendered("en"), rendered("en")
    assert first is again  # the same string: not rendered a second time
    assert '<option value="US" selected>United States of America</option>' in first


def test_each_language_value_and_attribute_has_its_own_copy():
    english, spanish = rendered("en"), rendered("es")
    assert '<option value="DE">Germany</option>' in english
    assert '<option value="DE">Alemania</option>' in spanish
    chosen = rendered("en", name="Ann", email="ann@example.com", country="DE")
    assert '<option value="DE" selected>Germany</option>' in chosen
    assert '<option value="US" selected>' not in chosen
    refused = rendered("en", name="Ann", email="ann@example.com", country="XX")
    assert 'aria-invalid="true"' in refused and 'aria-invalid="true"' not in english
