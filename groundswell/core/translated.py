"""A campaign's own words in more than one language (docs/i18n.md, "Per-item translations").

A model lists the fields an organiser can translate in ``TRANSLATED_FIELDS`` and has one
column per other language beside each, named ``<field>_<language>`` (``title_es``). The
first field decides whether a version exists: a Spanish title means a Spanish version, and
its form asks for the rest. Templates read ``obj.text.title``: the reader's language when
there is a version in it, else the original, with ``obj.text.is_original_only`` set so the
page can say so. Open letters reuse it the same way.
"""

from django.conf import settings
from django.utils import translation


def other_languages() -> list[str]:
    """The languages a campaign can be translated into (all but the site's own)."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class Text:
    """An object's words in one language: ``text.title``. Each field is read when asked for,
    so that a list that loaded only some columns (``.only(...)``) loads no more."""

    def __init__(self, obj, language: str, wanted: str):
        self._obj, self.language, self.wanted = obj, language, wanted

    def __getattr__(self, name):
        if name.startswith("_") or name not in self._obj.TRANSLATED_FIELDS:
            raise AttributeError(name)
        if self.language != settings.LANGUAGE_CODE:
            return getattr(self._obj, f"{name}_{self.language}") or getattr(self._obj, name)
        return getattr(self._obj, name)

    @property
    def is_original_only(self) -> bool:
        """The reader wanted another language and there is no version in it."""
        return self.language != self.wanted


class Translatable:
    TRANSLATED_FIELDS: tuple[str, ...] = ()

    def has_version(self, language: str) -> bool:
        if language == settings.LANGUAGE_CODE:
            return True
        return bool(getattr(self, f"{self.TRANSLATED_FIELDS[0]}_{language}", ""))

    def text_in(self, language: str | None) -> Text:
        wanted = language or settings.LANGUAGE_CODE
        if wanted in other_languages() and self.has_version(wanted):
            return Text(self, wanted, wanted)
        return Text(self, settings.LANGUAGE_CODE, wanted)

    @property
    def text(self) -> Text:
        """The words in the active language (a request's, or an email's recipient's)."""
        return self.text_in(translation.get_language())
