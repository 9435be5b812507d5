"""From a ZIP code (or a state and district) to the members of Congress who represent it.

A ZIP's districts come from the targets app's in-memory copy of the ZIP table
(``congress.districts_of_zip``: no query); the officials are one indexed query (``Target``
by chamber, state and district), so that a change staff make to an entry shows at once.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from groundswell.targets.congress import STATES as CONGRESS_STATES
from groundswell.targets.congress import districts_of_zip
from groundswell.targets.models import Chamber, Target, ZipDistrict


def clean_zip(text: str) -> str | None:
    """ "02139" or "02139-4307" → "02139"; anything else → None."""
    text = (text or "").strip()
    if len(text) == 10 and text[5] == "-" and text[6:].isdigit():
        text = text[:5]
    if len(text) == 5 and text.isascii() and text.isdigit():
        return text
    return None


@dataclass
class District:
    state: str
    number: int
    representatives: list[Target] = field(default_factory=list)
    senators: list[Target] = field(default_factory=list)

    @property
    def officials(self) -> list[Target]:
        """Both senators, then the member(s): whom a supporter here writes to."""
        return [*self.senators, *self.representatives]

    @property
    def key(self) -> str:
        return f"{self.state}-{self.number}"

    @property
    def label(self) -> str:
        name = CONGRESS_STATES.get(self.state, self.state)
        return f"{name}, at large" if self.number == 0 else f"{name}, district {self.number}"


def districts_for_zip(zip_code: str) -> list[District]:
    """The districts a ZIP lies in (several when it crosses a line), with their members."""
    return _with_representatives(sorted(set(districts_of_zip(zip_code))))


def districts_in_state(state: str) -> list[District]:
    """Every district of a state, for a supporter whose ZIP is unknown."""
    pairs = set(ZipDistrict.objects.filter(state=state).values_list("state", "district").distinct())
    pairs |= set(
        Target.objects.filter(chamber=Chamber.HOUSE, us_state=state).values_list(
            "us_state", "us_district"
        )
    )
    return _with_representatives(sorted(pairs))


def _with_representatives(pairs: list[tuple[str, int]]) -> list[District]:
    """The districts with their members and their state's senators: one query, for those
    rows only (not a large state's every member: California has 52)."""
    if not pairs:
        return []
    districts = {(s, d): District(s, d) for s, d in pairs}
    wanted = Q(chamber=Chamber.SENATE, us_state__in={s for s, _d in pairs})
    for state, number in pairs:
        wanted |= Q(chamber=Chamber.HOUSE, us_state=state, us_district=number)
    members = Target.objects.filter(wanted).order_by("name")
    senators: dict[str, list[Target]] = {}
    for member in members:
        if member.chamber == Chamber.SENATE:
            senators.setdefault(member.us_state, []).append(member)
        elif (member.us_state, member.us_district) in districts:
            districts[(member.us_state, member.us_district)].representatives.append(member)
    for district in districts.values():
        district.senators = senators.get(district.state, [])
    return list(districts.values())


def officials_for(state: str, district: int) -> list[Target]:
    """The two senators of ``state`` and the representative(s) of its ``district``."""
    return list(
        Target.objects.filter(
            Q(chamber=Chamber.SENATE, us_state=state)
            | Q(chamber=Chamber.HOUSE, us_state=state, us_district=district)
        ).order_by("-chamber", "name")  # senate before house
    )


def parse_district_key(key: str) -> tuple[str, int] | None:
    """ "TX-7" → ("TX", 7); None when it is not a state and a district number."""
    state, _, number = (key or "").partition("-")
    if state in CONGRESS_STATES and number.isdigit() and len(number) <= 2:
        return state, int(number)
    return None
