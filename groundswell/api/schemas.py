from datetime import date, datetime

from ninja import Field, Schema


class TargetOut(Schema):
    """A decision-maker. ``name`` and ``role`` are as petitions show them; the rest is the
    directory entry (empty strings where nobody has filled it in)."""

    id: int
    name: str
    role: str
    title: str
    office: str
    country: str = Field(description="ISO 3166 code, or empty")
    state: str
    district: str
    email: str = Field(
        description="The directory's public contact address, kept by staff. A campaign's "
        "organisation may deliver to an address of its own instead; that one is not published."
    )
    website: str
    photo_url: str | None
    url: str = Field(description="The target's public page")

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code or ""

    @staticmethod
    def resolve_photo_url(obj) -> str | None:
        from groundswell.core.emails import absolute

        return absolute(obj.photo.url) if obj.photo else None

    @staticmethod
    def resolve_url(obj) -> str:
        from groundswell.core.emails import absolute

        return absolute(obj.get_absolute_url())


class OrganisationOut(Schema):
    name: str
    slug: str


class PetitionOut(Schema):
    slug: str
    title: str
    status: str
    demand: str
    targets: list[TargetOut]
    organisation: OrganisationOut
    signature_count: int
    goal: int
    created_at: datetime
    published_at: datetime | None
    closes_on: date | None
    url: str


class AnswerOut(Schema):
    text: str = Field(description="The answer, or the reason given for declining")
    received_on: date
    recorded_at: datetime
    source: str = Field(
        description="link (the target answered through their private link), letter, email, "
        "press, meeting or other (recorded by the organisers)"
    )
    attachment_url: str | None


class DeliveryOut(Schema):
    id: int
    target_id: int
    target_name: str
    state: str = Field(description="sent, answered, declined or overdue (sent, past its deadline)")
    method: str = Field(description="email, post or hand")
    delivered_at: datetime
    deadline: date | None
    waiting_days: int = Field(description="Days from delivery until the answer, or until today")
    signature_count: int | None = Field(description="The count in the PDF the target received")
    responded_at: datetime | None
    answer: AnswerOut | None


class PetitionDetailOut(PetitionOut):
    deliveries: list[DeliveryOut]
    outcome_note: str = Field(description="What the organisers say about how it ended")
    outcome_at: datetime | None


class CampaignOut(Schema):
    slug: str
    title: str
    status: str
    url: str
    organisation: OrganisationOut
    delivery: DeliveryOut | None


class TargetDetailOut(TargetOut):
    campaigns: list[CampaignOut]


class CountOut(Schema):
    slug: str
    signature_count: int
    goal: int


class SignatureIn(Schema):
    name: str
    email: str
    postcode: str
    country: str
    comment: str = ""
    show_name: bool = False
    wants_updates: bool = False
    ref: str = ""
    # Where the signer came from: email, x, facebook, whatsapp, mastodon, link, qr or
    # embed; anything else is recorded as none.
    src: str = ""


class Accepted(Schema):
    status: str


class Error(Schema):
    detail: str | list
