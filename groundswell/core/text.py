"""Names and titles as people see them: no hidden characters, one normal form.

A name or title is shown to others (recent signers, petition pages, the directory,
emails). Invisible characters let one look like another, or hide what it says: a
right-to-left override turns "Sam cod.exe" into "Sam exe.doc", a zero-width space makes
"Alice" and "Al\u200bice" two different names that look the same. So a name or title
keeps only what can be seen, in NFC (one spelling per accented letter).
"""

import re
import unicodedata

# Invisible characters that are not Unicode "format" (Cf) characters, the category that
# holds the bidi controls, zero-width spaces and joiners, word joiner and BOM: fillers
# that render as nothing, the combining grapheme joiner, and the blank braille pattern.
_INVISIBLE_OTHERS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")
# ZWNJ and ZWJ spell words in Persian, Arabic and Indic scripts (and join emoji): kept
# between two letters or signs outside ASCII, dropped anywhere else.
_JOINERS = frozenset("\u200c\u200d")
_SPACES = re.compile(r"\s+")


def _is_hidden(char: str) -> bool:
    if char == "\x00":  # left for the form's validator to refuse, as Django does
        return False
    category = unicodedata.category(char)
    return category in ("Cf", "Cc", "Co", "Cs", "Cn") or char in _INVISIBLE_OTHERS


def _visible_joiner(text: str, at: int) -> bool:
    before, after = text[at - 1 : at], text[at + 1 : at + 2]
    return all(
        c and not c.isascii() and unicodedata.category(c)[0] in "LMS" for c in (before, after)
    )


def clean_line(value: str) -> str:
    """A one-line name or title: NFC, hidden characters out, runs of spaces made one."""
    if value.isascii() and value.isprintable():  # most names: nothing hidden, already NFC
        return _SPACES.sub(" ", value).strip()
    text = unicodedata.normalize("NFC", value)
    kept = [
        char
        for at, char in enumerate(text)
        if char.isspace()
        or not _is_hidden(char)
        or (char in _JOINERS and _visible_joiner(text, at))
    ]
    return _SPACES.sub(" ", "".join(kept)).strip()
