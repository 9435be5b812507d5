"""What the letters app holds under an email address, for "My data", erasure and retention.

Co-signatures given for organisations (``CoSigner``) and letters written to officials
(``Writer`` and its ``OfficialLetter`` rows). Registered with ``core.personal_data`` in
``LettersConfig.ready``; the petitions app's "My data" email, erase link and retention job
run it with their own (decision 13). Read-only here: the writes are the actions'.
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from groundswell.core.emails import absolute
from groundswell.core.personal_data import Entry, Holder, Section
from groundswell.letters import actions
from groundswell.letters.models import CoSigner, OfficialLetter
from groundswell.letters.writing import actions as writing


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def report(email_normalised: str) -> list[Section]:
    return [_cosignatures(email_normalised), _letters(email_normalised)]


def _cosignatures(email_normalised: str) -> Section:
    section = Section("cosignatures", _("Co-signatures for organisations"))
    held = actions.cosigners_of(email_normalised).select_related("letter").order_by("pk")
    for c in held:
        lines = [
            (_("Organisation"), f"{c.name} ({c.website})"),
            (_("Signed for it by"), c.signed_by),
            (_("Email"), c.email),
            (_("Co-signed"), _when(c.created_at)),
        ]
        if c.confirmed_at:
            lines.append((_("Confirmed"), _when(c.confirmed_at)))
        section.entries.append(
            Entry(
                title=f"{c.letter.title} — {c.get_status_display()}",
                lines=lines,
                data={
                    "letter_title": c.letter.title,
                    "letter_url": absolute(c.letter.get_absolute_url()),
                    "status": c.get_status_display(),
                    "organisation": c.name,
                    "website": c.website,
                    "signed_by": c.signed_by,
                    "email": c.email,
                    "signed_at": c.created_at,
                    "confirmed_at": c.confirmed_at,
                    "approved_at": c.approved_at,
                },
            )
        )
    return section


def _letters(email_normalised: str) -> Section:
    section = Section("letters_to_officials", _("Letters to officials"))
    writers = (
        writing.writers_of(email_normalised)
        .select_related("campaign")
        .prefetch_related("letters__target")
        .order_by("pk")
    )
    for w in writers:
        letters = sorted(w.letters.all(), key=lambda letter: (letter.target.name, letter.pk))
        place = " ".join(p for p in (w.city, w.us_state, w.zip_code) if p)
        lines = [
            (_("Written"), _when(w.created_at)),
            (_("Confirmed"), _when(w.confirmed_at) or _("not yet")),
            (_("Name"), w.name),
            (_("Email"), w.email),
            (_("Address"), ", ".join(p for p in (w.street, place) if p)),
            (_("Your paragraph"), w.paragraph or _("(none)")),
            # One letter a line (the text email indents the lines after the first).
            (pgettext("addressed to", "To"), "\n    ".join(map(_letter_line, letters))),
        ]
        section.entries.append(
            Entry(
                title=f"{w.campaign.title} — {w.get_status_display()}",
                lines=lines,
                data={
                    "campaign_title": w.campaign.title,
                    "campaign_url": absolute(w.campaign.get_absolute_url()),
                    "status": w.get_status_display(),
                    "written_at": w.created_at,
                    "confirmed_at": w.confirmed_at,
                    "name": w.name,
                    "email": w.email,
                    "street": w.street,
                    "city": w.city,
                    "state": w.us_state,
                    "district": w.us_district,
                    "zip_code": w.zip_code,
                    "paragraph": w.paragraph,
                    "letters": [_letter_data(letter) for letter in letters],
                },
            )
        )
    return section


def _official(letter: OfficialLetter) -> str:
    return f"{letter.target.title} {letter.target.name}".strip()


def _letter_line(letter: OfficialLetter) -> str:
    line = f"{_official(letter)}: {letter.get_status_display()}"
    return f"{line}, {_when(letter.sent_at)}" if letter.sent_at else line


def _letter_data(letter: OfficialLetter) -> dict:
    return {
        "official": _official(letter),
        "role": letter.target.role,
        "how": letter.get_method_display(),
        "status": letter.get_status_display(),
        "sent_at": letter.sent_at,
        "subject": letter.subject,
        "text": letter.body,
    }


# --- Erasure ---------------------------------------------------------------------------------


def to_erase(email_normalised: str, issued) -> list[str]:
    """What erasing would do, one sentence per kind of record held at ``issued``."""
    cosigners = actions.cosigners_of(email_normalised).filter(created_at__lte=issued)
    letters = OfficialLetter.objects.filter(
        writer__in=writing.writers_of(email_normalised).filter(created_at__lte=issued)
    )
    counted = letters.filter(status__in=OfficialLetter.COUNTED).count()
    unsent = letters.exclude(status__in=OfficialLetter.COUNTED).count()
    shown = cosigners.filter(status__in=CoSigner.SHOWN).count()
    unshown = cosigners.exclude(status__in=CoSigner.SHOWN).count()
    return _said(
        (
            counted,
            ngettext(
                "%(n)d letter you wrote to an official went out: it stays counted on the "
                "campaign's scoreboard, but we remove your name, email address, street "
                "address and paragraph, and replace our copy of the letter with a note "
                "that you asked for it to be erased. We cannot unsend what the office "
                "received: to have their copy removed, ask the office.",
                "%(n)d letters you wrote to officials went out: they stay counted on the "
                "campaign's scoreboard, but we remove your name, email address, street "
                "address and paragraph, and replace our copies of the letters with a note "
                "that you asked for them to be erased. We cannot unsend what the offices "
                "received: to have their copies removed, ask the offices.",
                counted,
            ),
        ),
        (
            unsent,
            ngettext(
                "%(n)d letter to an official that has not gone out is deleted, and will "
                "not be sent.",
                "%(n)d letters to officials that have not gone out are deleted, and will "
                "not be sent.",
                unsent,
            ),
        ),
        (
            shown,
            ngettext(
                "%(n)d co-signature you gave for an organisation stays on its letter (the "
                "organisation signed, and its name, website and logo are its own), but "
                "your name and email address are removed from it.",
                "%(n)d co-signatures you gave for organisations stay on their letters (the "
                "organisations signed, and their names, websites and logos are their own), "
                "but your name and email address are removed from them.",
                shown,
            ),
        ),
        (
            unshown,
            ngettext(
                "%(n)d co-signature you gave for an organisation that is not shown "
                "(unconfirmed, waiting for approval or declined) is deleted.",
                "%(n)d co-signatures you gave for organisations that are not shown "
                "(unconfirmed, waiting for approval or declined) are deleted.",
                unshown,
            ),
        ),
    )


def erase(email_normalised: str, issued) -> list[str]:
    """Erase what was held at ``issued``; what was done, one sentence per kind of record."""
    letters = writing.erase_writers_of(email_normalised=email_normalised, issued=issued)
    cosigners = actions.erase_cosigners_of(email_normalised=email_normalised, issued=issued)
    kept, unsent = letters["letters_kept"], letters["letters_deleted"]
    shown, unshown = cosigners["cosigners_anonymised"], cosigners["cosigners_deleted"]
    return _said(
        (
            kept,
            ngettext(
                "%(n)d letter to an official still counts, with nothing of yours left in our copy.",
                "%(n)d letters to officials still count, with nothing of yours left in our copies.",
                kept,
            ),
        ),
        (
            unsent,
            ngettext(
                "%(n)d letter that had not gone out deleted.",
                "%(n)d letters that had not gone out deleted.",
                unsent,
            ),
        ),
        (
            shown,
            ngettext(
                "%(n)d co-signature for an organisation still shown, without your name "
                "and email address.",
                "%(n)d co-signatures for organisations still shown, without your name and "
                "email address.",
                shown,
            ),
        ),
        (
            unshown,
            ngettext(
                "%(n)d co-signature for an organisation deleted.",
                "%(n)d co-signatures for organisations deleted.",
                unshown,
            ),
        ),
    )


def _said(*counts: tuple[int, str]) -> list[str]:
    return [sentence % {"n": n} for n, sentence in counts if n]


def remove_expired(now) -> dict[str, int]:
    return {
        "writers": writing.remove_expired_writer_data(now),
        "cosigners": actions.remove_expired_cosigner_data(),
    }


HOLDER = Holder(
    name="letters",
    report=report,
    to_erase=to_erase,
    erase=erase,
    remove_expired=remove_expired,
)
