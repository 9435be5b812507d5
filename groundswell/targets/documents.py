"""What a target receives: a PDF of the petition with its counts, and a CSV of its signers.

Neither holds a signer's email address or full postcode. Names appear only for signers who
chose "show my name"; everyone else is counted, not named.
"""

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from groundswell.petitions.models import Petition, Signature
from groundswell.targets.zipcodes import state_for_zip, state_name

NAMES_PER_PARAGRAPH = 200


@dataclass
class Breakdown:
    """A petition's confirmed signatures counted by country and US state, read together."""

    count: int = 0
    by_country: list[tuple[str, int]] = field(default_factory=list)
    by_state: list[tuple[str, int]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def breakdown(petition: Petition) -> Breakdown:
    confirmed = Signature.objects.filter(petition=petition).confirmed()
    by_country = dict(confirmed.order_by().values_list("country").annotate(n=Count("id")))
    by_state: Counter = Counter()
    # Grouped by the whole ZIP code (a few thousand rows at most), mapped to states here;
    # rows whose postcode was removed (retention, erasure) kept their state in us_state.
    us_zips = (
        confirmed.filter(country="US")
        .order_by()
        .values_list("postcode", "us_state")
        .annotate(n=Count("id"))
    )
    for postcode, us_state, n in us_zips:
        by_state[state_name(state_for_zip(postcode) or us_state or None)] += n
    names = list(
        confirmed.filter(show_name=True)
        .order_by("confirmed_at", "pk")
        .values_list("name", flat=True)
    )
    return Breakdown(
        count=sum(by_country.values()),
        by_country=sorted(
            ((countries.name(code) or code or "Unknown", n) for code, n in by_country.items()),
            key=lambda item: (-item[1], item[0]),
        ),
        by_state=sorted(by_state.items(), key=lambda item: (-item[1], item[0])),
        names=names,
    )


# --- PDF ------------------------------------------------------------------------------------

_FONTS = Path(reportlab.__file__).parent / "fonts"


def _styles() -> dict:
    """Bitstream Vera (shipped with reportlab) rather than Helvetica: it is embedded, so
    accented names print the same everywhere."""
    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vera", str(_FONTS / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("VeraBd", str(_FONTS / "VeraBd.ttf")))
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName="Vera", fontSize=10.5)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, textColor=colors.grey),
        "title": ParagraphStyle("title", parent=sheet["Title"], fontName="VeraBd", fontSize=18),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontName="VeraBd", fontSize=13),
        "demand": ParagraphStyle("demand", parent=body, fontName="VeraBd", fontSize=12),
        "count": ParagraphStyle("count", parent=body, fontName="VeraBd", fontSize=15, leading=20),
    }


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


_BLOCK_END = re.compile(r"</(?:p|h2|h3|h4|blockquote|ul|ol|pre|table|tr)>|<hr\s*/?>")
_INLINE = [
    (re.compile(r"<(/?)strong>"), r"<\1b>"),
    (re.compile(r"<(/?)em>"), r"<\1i>"),
    (re.compile(r"<li>"), "• "),
    (re.compile(r"</li>|<br\s*/?>"), "<br/>"),
    (re.compile(r"</t[dh]>"), " · "),
    (re.compile(r"<(?!/?[bi]>|br/>)[^>]*>"), ""),  # every other tag; links keep their text
]


def _paragraphs(html: str) -> list[str]:
    """The organiser's sanitised Markdown HTML as paragraphs of reportlab's small markup."""
    parts = []
    for block in _BLOCK_END.split(html or ""):
        for pattern, replacement in _INLINE:
            block = pattern.sub(replacement, block)
        block = block.strip().removesuffix("<br/>").strip().removesuffix(" ·")
        if block:
            parts.append(block)
    return parts


def _table(rows: list[tuple[str, int]], heading: str, style) -> Table:
    data = [[heading, _("Signatures")]] + [[name, intcomma(n)] for name, n in rows]
    table = Table(data, colWidths=[110 * mm, 40 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Vera", 9.5),
                ("FONT", (0, 0), (-1, 0), "VeraBd", 9.5),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return table


def delivery_pdf(petition: Petition, targets: list, data: Breakdown, when: datetime) -> bytes:
    """The petition as delivered: its words, the count, the counts by place, the names."""
    styles = _styles()
    day = date_format(timezone.localtime(when), "DATE_FORMAT")
    addressed = "; ".join(f"{t.name}, {t.role}" for t in targets)
    story = [
        Paragraph(_text(petition.title), styles["title"]),
        Paragraph(_text(_("To %(targets)s") % {"targets": addressed}), styles["body"]),
        Paragraph(
            _text(
                _("From %(organisation)s, delivered on %(day)s")
                % {"organisation": petition.organisation.name, "day": day}
            ),
            styles["small"],
        ),
        Spacer(1, 6 * mm),
        Paragraph(
            _text(
                ngettext("%(n)s confirmed signature", "%(n)s confirmed signatures", data.count)
                % {"n": intcomma(data.count)}
            ),
            styles["count"],
        ),
        Paragraph(
            _text(
                _(
                    "Every signature was confirmed from the signer's own email address; each "
                    "person is counted once."
                )
            ),
            styles["small"],
        ),
        Paragraph(_text(_("What we ask")), styles["h2"]),
        Paragraph(_text(petition.demand), styles["demand"]),
    ]
    reasons = _paragraphs(petition.reasons_html)
    if reasons:
        story.append(
            Paragraph(
                _text(_("The letter") if petition.is_letter else _("Why it matters")),
                styles["h2"],
            )
        )
        story += [Paragraph(part, styles["body"]) for part in reasons]
    if petition.is_letter:
        story += _cosigning_organisations(petition, styles)
    story += [Paragraph(_text(_("Signatures by country")), styles["h2"])]
    story.append(
        _table(data.by_country, _("Country"), styles) if data.by_country else _none(styles)
    )
    if data.by_state:
        story += [
            Paragraph(_text(_("Signatures from the United States by state")), styles["h2"]),
            Paragraph(
                _text(
                    _("Approximate: the state is read from the first three digits of the ZIP code.")
                ),
                styles["small"],
            ),
            _table(data.by_state, _("State"), styles),
        ]
    story.append(Paragraph(_text(_("Signers who chose to show their name")), styles["h2"]))
    if data.names:
        for start in range(0, len(data.names), NAMES_PER_PARAGRAPH):
            chunk = data.names[start : start + NAMES_PER_PARAGRAPH]
            story.append(Paragraph(_text(", ".join(chunk)), styles["body"]))
        hidden = data.count - len(data.names)
        if hidden > 0:
            story.append(
                Paragraph(
                    _text(
                        ngettext(
                            "… and %(n)s more who signed without showing their name.",
                            "… and %(n)s more who signed without showing their name.",
                            hidden,
                        )
                        % {"n": intcomma(hidden)}
                    ),
                    styles["small"],
                )
            )
    else:
        story.append(_none(styles))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=petition.title,
        author=petition.organisation.name,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    document.build(story)
    return buffer.getvalue()


def _cosigning_organisations(petition: Petition, styles) -> list:
    """An open letter's approved co-signing organisations (groundswell/letters)."""
    from groundswell.letters.models import CoSigner

    shown = CoSigner.objects.filter(letter=petition).shown().values_list("name", "website")
    story = [Paragraph(_text(_("Co-signing organisations")), styles["h2"])]
    rows = [Paragraph(_text(f"{name} ({website})"), styles["body"]) for name, website in shown]
    return story + (rows or [_none(styles)])


def _none(styles) -> Paragraph:
    return Paragraph(_text(_("None.")), styles["small"])


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = ["confirmed_on", "name", "country", "us_state", "comment"]


def _csv_safe(value: str) -> str:
    """Stop spreadsheet programs from running a signer's text as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def delivery_csv(petition: Petition) -> bytes:
    """One row per confirmed signature; a name only where its signer chose to show it."""
    rows = (
        Signature.objects.filter(petition=petition)
        .confirmed()
        .order_by("confirmed_at", "pk")
        .values_list(
            "confirmed_at", "name", "show_name", "country", "postcode", "us_state", "comment"
        )
        .iterator(chunk_size=2000)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for confirmed_at, name, show_name, country, postcode, us_state, comment in rows:
        state = (state_for_zip(postcode) or us_state) if country == "US" else None
        writer.writerow(
            [
                timezone.localdate(confirmed_at).isoformat(),
                _csv_safe(name) if show_name else "",
                country,
                state or "",
                _csv_safe(comment),
            ]
        )
    return buffer.getvalue().encode()
