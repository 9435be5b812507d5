"""A small Congress for every write-to-your-official test, and alice's campaign on it.

Washington: two senators (one with a web form, one by phone only), districts 7 and 9.
Vermont: two senators and one at-large member, who has no contact on file at all.
ZIP 98105 lies in WA-7 alone, 98118 in WA-7 and WA-9, 05401 in Vermont (at large).
"""

import re

import pytest

from groundswell.letters.writing import actions
from groundswell.targets import congress

LEGISLATORS = (
    "bioguide,official_name,chamber,state,district,senate_class,party,"
    "term_start,term_end,url,contact_form,phone,office_address\n"
    """\
C000127,Maria Cantwell,senate,WA,,1,Democrat,2025-01-03,2031-01-03,https://www.cantwell.senate.gov,https://www.cantwell.senate.gov/contact,202-224-3441,
M001111,Patty Murray,senate,WA,,3,Democrat,2023-01-03,2029-01-03,https://www.murray.senate.gov,,202-224-2621,
J000298,Pramila Jayapal,house,WA,7,,Democrat,2025-01-03,2027-01-03,https://jayapal.house.gov,https://jayapal.house.gov/contact,202-225-3106,
S000510,Adam Smith,house,WA,9,,Democrat,2025-01-03,2027-01-03,https://adamsmith.house.gov,,202-225-8901,
S000033,Bernard Sanders,senate,VT,,1,Independent,2025-01-03,2031-01-03,https://www.sanders.senate.gov,https://www.sanders.senate.gov/contact,202-224-5141,
W000800,Peter Welch,senate,VT,,3,Democrat,2023-01-03,2029-01-03,https://www.welch.senate.gov,https://www.welch.senate.gov/contact,202-224-4242,
B001318,Becca Balint,house,VT,0,,Democrat,2025-01-03,2027-01-03,,,,
"""
)
ZIPS = """state_fips,state_abbr,zcta,cd
53,WA,98105,7
53,WA,98118,7
53,WA,98118,9
50,VT,05401,0
"""
EMAIL_LINK = re.compile(r"https?://[^/\s]+(/write/[^\s\"<>]+)")


def link(body: str, part: str) -> str:
    paths = [p for p in EMAIL_LINK.findall(body) if part in p]
    assert paths, f"no {part} link in:\n{body}"
    return paths[0]


@pytest.fixture
def congress_files(tmp_path):
    legislators, zips = tmp_path / "legislators.csv", tmp_path / "zips.csv"
    legislators.write_text(LEGISLATORS)
    zips.write_text(ZIPS)
    return legislators, zips


@pytest.fixture
def small_congress(db, congress_files):
    legislators, zips = congress_files
    return congress.load(legislators=legislators, zips=zips, edition="test edition 1")


@pytest.fixture
def campaign(union, small_congress):
    return actions.create_campaign(
        organisation=union,
        slug="protect-discretion",
        title="Protect officers' discretion",
        subject="Protect officers' discretion",
        letter="Please co-sponsor the Officer Discretion Act.",
    )


WRITER = {
    "name": "Sam Supporter",
    "email": "sam@example.com",
    "street": "1 Main St",
    "city": "Seattle",
    "paragraph": "I have served for twenty years.",
}


def write(client, campaign, district="WA-7", zip_code="98105", **fields):
    data = {**WRITER, "zip": zip_code, "district": district, **fields}
    return client.post(f"/write/{campaign.slug}/letters/", data)
