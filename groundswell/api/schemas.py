from datetime import date, datetime

from ninja import Schema


class TargetOut(Schema):
    name: str
    role: str


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


class Accepted(Schema):
    status: str


class Error(Schema):
    detail: str | list
