"""Write-to-your-official campaigns in the API: campaigns, the ZIP lookup and the scoreboard.

Read-only and public (no token): the same data the campaign pages show. Writing a letter
stays on the page, where the supporter confirms by email.
"""

from datetime import date, datetime

from django.http import Http404
from ninja import Field, Router, Schema, Status

from groundswell.api.pagination import Page, page, paginate
from groundswell.api.schemas import Error, OrganisationOut
from groundswell.core.emails import absolute
from groundswell.letters.writing import access, lookup
from groundswell.letters.writing.models import WritingCampaign
from groundswell.letters.writing.scoreboard import scoreboard
from groundswell.targets.models import DirectoryEdition, Target

router = Router(tags=["write to your official"])


class WritingCampaignOut(Schema):
    slug: str
    title: str
    status: str
    summary: str
    subject: str
    letter: str = Field(description="The suggested letter; writers may add a paragraph")
    organisation: OrganisationOut
    created_at: datetime
    url: str


class OfficialOut(Schema):
    id: int
    name: str
    role: str
    chamber: str = Field(description="senate or house")
    party: str
    state: str = Field(description="Two-letter code")
    district: int | None = Field(description="House seats only; 0 for an at-large seat")
    contact_method: str = Field(description="email, web_form, phone or none")
    contact_form_url: str
    phone: str
    website: str


class DistrictOut(Schema):
    state: str
    district: int
    label: str
    officials: list[OfficialOut] = Field(description="Its two senators, then its member(s)")


class LookupOut(Schema):
    zip: str
    districts: list[DistrictOut] = Field(description="Several when the ZIP crosses a line")
    edition: str = Field(description="The edition of the congressional data loaded")


class OfficeOut(Schema):
    official: OfficialOut
    letters: int
    first_letter_on: date
    days_waiting: int
    answered_on: date | None
    answer: str | None


class ScoreboardOut(Schema):
    letters: int = Field(description="Letters emailed, or marked sent by their writer")
    offices: int
    offices_answered: int
    by_office: list[OfficeOut]


def _campaign_out(campaign: WritingCampaign) -> dict:
    return {
        **{f: getattr(campaign, f) for f in ("slug", "title", "status", "summary", "subject")},
        "letter": campaign.letter,
        "organisation": campaign.organisation,
        "created_at": campaign.created_at,
        "url": absolute(campaign.get_absolute_url()),
    }


def _official_out(target: Target) -> dict:
    return {
        "id": target.pk,
        "name": target.name,
        "role": target.role,
        "chamber": target.chamber,
        "party": target.party,
        "state": target.us_state,
        "district": target.us_district,
        "contact_method": target.contact_method(),
        "contact_form_url": target.contact_form_url,
        "phone": target.phone,
        "website": target.website,
    }


def _public(slug: str) -> WritingCampaign:
    return access.public_campaign(slug)


@router.get(
    "/campaigns",
    response={200: Page[WritingCampaignOut], 422: Error},
    summary="Open and closed write-to-your-official campaigns, newest first",
)
def list_campaigns(request, limit: int | None = None, cursor: str | None = None):
    campaigns = access.public_campaigns()
    items, next_url = paginate(request, campaigns, key=("-pk",), limit=limit, cursor=cursor)
    return page([_campaign_out(c) for c in items], next_url)


@router.get(
    "/campaigns/{slug}",
    response={200: WritingCampaignOut, 404: Error},
    summary="One write-to-your-official campaign",
)
def get_campaign(request, slug: str):
    return _campaign_out(_public(slug))


@router.get(
    "/campaigns/{slug}/scoreboard",
    response={200: ScoreboardOut, 404: Error},
    summary="Letters to each office, its answer and the days it has been waiting",
)
def get_scoreboard(request, slug: str):
    board = scoreboard(_public(slug))
    return {
        "letters": board.letters,
        "offices": len(board.offices),
        "offices_answered": board.answered,
        "by_office": [
            {
                "official": _official_out(o.target),
                "letters": o.letters,
                "first_letter_on": o.first_sent_on,
                "days_waiting": o.days_waiting,
                "answered_on": o.answer.received_on if o.answer else None,
                "answer": o.answer.text if o.answer else None,
            }
            for o in board.offices
        ],
    }


@router.get(
    "/officials",
    response={200: LookupOut, 404: Error, 422: Error},
    summary="The members of Congress for a US ZIP code",
    description="A ZIP that crosses a district line returns each district: ask which.",
)
def find_officials(request, zip: str):
    zip_code = lookup.clean_zip(zip)
    if zip_code is None:
        return Status(422, {"detail": "zip: enter a five-digit US ZIP code, such as 02139."})
    districts = lookup.districts_for_zip(zip_code)
    if not districts:
        raise Http404(f"We do not know the ZIP code {zip_code}: choose a state instead.")
    edition = DirectoryEdition.current()
    return {
        "zip": zip_code,
        "districts": [
            {
                "state": d.state,
                "district": d.number,
                "label": d.label,
                "officials": [_official_out(t) for t in d.officials],
            }
            for d in districts
        ],
        "edition": edition.edition if edition else "",
    }
