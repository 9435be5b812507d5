"""A campaign's own words in more than one language (docs/i18n.md, "Per-item translations").

A model lists the fields an organiser can translate in ``TRANSLATED_FIELDS`` and has one
column per other language beside each, named ``<field>_<language>`` (``title_es``). The
first field decides whether a version exists: a Spanish title means a Spanish version, and
its form asks for the rest. Templates read ``obj.text.title``: the reader's language when
there is a version in it, else the original, with ``obj.text.is_original_only`` set so the
page can say so. Open letters reuse it the same way.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation


def other_languages() -> list[str]:
    """The languages a campaign can be translated into (all but the site's own)."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@dataclass(frozen=True)
class Text:
    language: str  # the language of these words
    wanted: str  # the reader's language
    values: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

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
        if wanted not in other_languages() or not self.has_version(wanted):
            original = {name: getattr(self, name) for name in self.TRANSLATED_FIELDS}
            return Text(settings.LANGUAGE_CODE, wanted, original)
        values = {
            name: getattr(self, f"{name}_{wanted}") or getattr(self, name)
            for name in self.TRANSLATED_FIELDS
        }
        return Text(wanted, wanted, values)

    @property
    def text(self) -> Text:
        """The words in the active language (a request's, or an email's recipient's)."""
        return self.text_in(translation.get_language())
