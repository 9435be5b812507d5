import copy
from functools import partial

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _
from django_countries.fields import LazyTypedChoiceField

from groundswell.core.cache import Kept
from groundswell.core.text import clean_line


class Form(forms.Form):
    """Our forms: labels without a trailing colon (they sit above their fields)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LineField(forms.CharField):
    """A name or title others will see: hidden characters out, NFC (core/text.py)."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_line(value) if value else value


def spanish_twin(field: forms.Field, label, help_text="") -> forms.Field:
    """The optional Spanish version of an English field (core/translated.py): the same kind,
    limits and widget, marked ``lang="es"`` for the browser's spelling and screen readers."""
    twin = copy.deepcopy(field)
    twin.required, twin.label, twin.help_text = False, label, help_text
    if isinstance(twin.widget, forms.Textarea):
        twin.widget.attrs["lang"] = "es"
    return twin


def check_spanish_version(form: forms.Form, data: dict, needed: dict[str, str]) -> None:
    """A Spanish version is whole or absent: Spanish words need the Spanish title, and a
    Spanish title needs the Spanish of each field in ``needed`` whose English is given."""
    spanish = [name for name in form.fields if name.endswith("_es")]
    if any(data.get(name) for name in spanish) and not data.get("title_es"):
        form.add_error("title_es", _("Give the Spanish title too, or leave the Spanish empty."))
    if data.get("title_es"):
        for name, message in needed.items():
            if data.get(name.removesuffix("_es")) and not data.get(name):
                form.add_error(name, message)


class SharedChoicesMixin:
    """For a long list of choices that never changes (countries): every form shares it.

    Django deep-copies a form's fields for each form it makes, and a choice field's choices
    with them. For 249 countries that was a third of the time signing took
    (docs/benchmarks.md); nothing ever changes these choices per form.
    """

    def __deepcopy__(self, memo):
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class ChoicesInLanguage(BaseChoiceIterator):
    """A long list of choices with translated names (django-countries' countries), listed
    once per language and shared by every form: the sign form in Spanish says "Alemania"."""

    def __init__(self, choices):
        self.choices = choices
        self.made: dict[str, list] = {}

    def __iter__(self):
        language = translation.get_language() or settings.LANGUAGE_CODE
        made = self.made.get(language)
        if made is None:
            made = self.made[language] = list(self.choices)
        return iter(made)


RENDERED_SELECTS = Kept(
    "rendered-selects",
    seconds=float("inf"),
    forgotten_by="nobody: the choices never change while the process lives",
    max_entries=2000,
)


class SharedSelect(forms.Select):
    """The select of a long list that never changes (countries), its HTML made once per
    language, name, value and attributes: Django's templates took about 10 ms for the 249
    options, on every sign form a page shows."""

    def render(self, name, value, attrs=None, renderer=None):
        key = (
            translation.get_language(),
            name,
            str(value),
            tuple(sorted({**self.attrs, **(attrs or {})}.items())),
            id(renderer),
        )
        make = partial(super().render, name, value, attrs, renderer)
        return RENDERED_SELECTS.get(key, make)


class CountryChoiceField(SharedChoicesMixin, LazyTypedChoiceField):
    """A country from django-countries' list, without copying the list for every form.

    A code is checked against a set: Django's ``ChoiceField`` walks the 249 choices for
    each value, which was most of the time the sign form's fields took to clean. Names are
    shown in the reader's language.
    """

    widget = SharedSelect

    def __init__(self, *, choices, **kwargs):
        super().__init__(choices=ChoicesInLanguage(choices), **kwargs)

    def valid_value(self, value) -> bool:
        codes = getattr(self, "_codes", None)
        if codes is None:
            codes = self._codes = frozenset(str(code) for code, _name in self.choices)
        return str(value) in codes
