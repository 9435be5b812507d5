"""Loading the US Congress directory (members and ZIP → district) from public CSV files.

The files and their provenance are in ``targets/data/us-congress/``; an operator reruns
``manage.py load_us_congress`` with newer ones. Loading is idempotent: members are matched
by bioguide id and updated in place (so letters and deliveries that point at them stay,
and organisations' own addresses for them, ``TargetContact``, are never touched; the
directory's ``email``, which staff keep, is not overwritten either). A member missing from
the new file has left Congress: their entry stays with ``chamber`` emptied, so no lookup
finds them. The ZIP table is replaced whole, in the same transaction.
"""

import csv
import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from groundswell.targets.models import Chamber, DirectoryEdition, ZipDistrict
from groundswell.targets.zipcodes import STATE_NAMES

DATA = Path(__file__).parent / "data" / "us-congress"
LEGISLATORS = DATA / "legislators-current.csv"
ZIPS = DATA / "zccd.csv"

# Where members of Congress sit: the 50 states, DC and the five territories with a delegate.
STATES = {
    **{code: name for code, name in STATE_NAMES.items() if code not in {"AA", "AE", "AP"}},
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}

LEGISLATOR_COLUMNS = {"bioguide", "official_name", "chamber", "state", "district", "party"}
ZIP_COLUMNS = {"state_abbr", "zcta", "cd"}


class BadFile(ValueError):
    """A file that is not what the loader expects; the message names the file and line."""


@dataclass(frozen=True)
class Loaded:
    edition: DirectoryEdition
    created: int
    updated: int
    retired: int


EDITION_CHECK_SECONDS = 1.0
_lock = threading.Lock()
_cache: dict = {"edition": None, "checked": 0.0, "zips": {}}


def forget_zip_table() -> None:
    """Read the table again at the next lookup (the loader calls this after a load)."""
    with _lock:
        _cache.update(edition=None, checked=0.0, zips={})


def _zip_table() -> dict[str, list[tuple[str, int]]]:
    now = time.monotonic()
    if now - _cache["checked"] < EDITION_CHECK_SECONDS and _cache["edition"] is not None:
        return _cache["zips"]
    edition = (
        DirectoryEdition.objects.filter(directory=DirectoryEdition.US_CONGRESS)
        .order_by("-loaded_at", "-pk")
        .values_list("pk", "loaded_at")
        .first()
    )
    with _lock:
        if edition != _cache["edition"] or edition is None:
            zips: dict[str, list[tuple[str, int]]] = {}
            for zcta, state, district in ZipDistrict.objects.values_list(
                "zcta", "state", "district"
            ).iterator(chunk_size=5000):
                zips.setdefault(zcta, []).append((state, district))
            _cache.update(edition=edition, zips=zips)
        _cache["checked"] = now
        return _cache["zips"]


def districts_of_zip(zcta: str) -> list[tuple[str, int]]:
    """The (state, district) pairs of a ZIP, from this process's copy of the table.

    The table (42,000 rows, a few MB as tuples) is read once per process and edition, so a
    lookup costs no query. A process checks at most once a second whether another edition
    was loaded (by ``load_us_congress`` in another process); ``load`` forgets this process's
    copy itself.
    """
    return _zip_table().get(zcta, [])


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def seat_name(chamber: str, state: str, district: int | None) -> str:
    """ "U.S. Senator for Washington", "U.S. Representative for Texas's 7th district"."""
    name = STATES.get(state, state)
    if chamber == Chamber.SENATE:
        return f"U.S. Senator for {name}"
    if not district:
        return f"U.S. Representative for {name} (at large)"
    return f"U.S. Representative for {name}'s {ordinal(district)} district"


def _rows(path: Path, columns: set[str]):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = columns - set(reader.fieldnames or [])
        if missing:
            raise BadFile(f"{path.name}: missing columns {', '.join(sorted(missing))}")
        yield from enumerate(reader, start=2)


def _member_fields(row: dict, where: str) -> dict:
    chamber, state = row["chamber"].strip().lower(), row["state"].strip().upper()
    if chamber not in Chamber.values or state not in STATES:
        raise BadFile(f"{where}: unknown chamber {chamber!r} or state {state!r}")
    district = None
    if chamber == Chamber.HOUSE:
        try:
            district = int(row["district"] or 0)
        except ValueError:
            raise BadFile(f"{where}: district {row['district']!r} is not a number") from None
    title = "Senator" if chamber == Chamber.SENATE else "Representative"
    return {
        "name": row["official_name"].strip(),
        "role": seat_name(chamber, state, district),
        "title": title,
        "office": "United States Senate"
        if chamber == Chamber.SENATE
        else "U.S. House of Representatives",
        "country": "US",
        "state": STATES[state],
        "district": ""
        if district is None
        else ("At large" if district == 0 else f"District {district}"),
        "chamber": chamber,
        "us_state": state,
        "us_district": district,
        "party": row["party"].strip(),
        "website": (row.get("url") or "").strip(),
        "contact_form_url": (row.get("contact_form") or "").strip(),
        "phone": (row.get("phone") or "").strip(),
    }


def read_members(path: Path) -> dict[str, dict]:
    members = {}
    for line, row in _rows(path, LEGISLATOR_COLUMNS):
        bioguide = row["bioguide"].strip()
        if not bioguide:
            raise BadFile(f"{path.name} line {line}: no bioguide id")
        members[bioguide] = _member_fields(row, f"{path.name} line {line}")
    return members


def read_zips(path: Path) -> set[tuple[str, str, int]]:
    rows = set()
    for line, row in _rows(path, ZIP_COLUMNS):
        zcta, state = row["zcta"].strip().zfill(5), row["state_abbr"].strip().upper()
        if not (
            zcta.isdigit() and len(zcta) == 5 and state in STATES and row["cd"].strip().isdigit()
        ):
            raise BadFile(f"{path.name} line {line}: not a ZIP, state and district")
        rows.add((zcta, state, int(row["cd"])))
    return rows


def default_edition(legislators: Path, zips: Path) -> str:
    if legislators == LEGISLATORS and zips == ZIPS:
        return (DATA / "EDITION").read_text().strip()
    digest = hashlib.sha256(legislators.read_bytes() + zips.read_bytes()).hexdigest()[:10]
    return f"{legislators.name} + {zips.name} (sha256 {digest}, loaded {timezone.localdate()})"


def load(*, legislators: Path = LEGISLATORS, zips: Path = ZIPS, edition: str = "") -> Loaded:
    """Load (or reload) both files; nothing changes unless both read cleanly."""
    from groundswell.targets import actions

    members = read_members(legislators)
    zip_rows = read_zips(zips)
    loaded = actions.save_congress_directory(
        members=members,
        zip_rows=zip_rows,
        edition=edition or default_edition(legislators, zips),
    )
    forget_zip_table()  # this process reads the new table at its next lookup
    return loaded
