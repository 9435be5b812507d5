"""The US state of a ZIP code, from its first three digits. Approximate, on purpose.

A ZIP code's first three digits (its "sectional center") almost always lie in one state,
and USPS assigns them in ranges by state. This table of ranges is enough to count
signatures by state for a delivery; it is not an address validator. It is wrong for the
few sectional centers that straddle a border (a handful of towns are served from a
neighbouring state), it cannot tell an unassigned prefix from an assigned one, and it
knows nothing about a ZIP code that was typed wrongly. Deliveries say "approximate".
"""

# (first prefix, last prefix, state), checked in order: the exceptions come first.
_RANGES: list[tuple[int, int, str]] = [
    # Exceptions inside another state's range.
    (5, 5, "NY"),  # Holtsville, NY (IRS)
    (55, 55, "MA"),  # Andover, MA (IRS)
    (201, 201, "VA"),  # Dulles, VA
    (202, 205, "DC"),
    (340, 340, "AA"),  # Armed Forces Americas
    (398, 399, "GA"),
    (569, 569, "DC"),
    (733, 733, "TX"),  # Austin, TX (IRS)
    (885, 885, "TX"),  # El Paso, TX
    (962, 966, "AP"),  # Armed Forces Pacific
    (967, 968, "HI"),
    (969, 969, "GU"),  # Guam and the Northern Mariana Islands
    # The ranges.
    (6, 7, "PR"),
    (8, 8, "VI"),
    (9, 9, "PR"),
    (10, 27, "MA"),
    (28, 29, "RI"),
    (30, 38, "NH"),
    (39, 49, "ME"),
    (50, 59, "VT"),
    (60, 69, "CT"),
    (70, 89, "NJ"),
    (90, 99, "AE"),  # Armed Forces Europe
    (100, 149, "NY"),
    (150, 196, "PA"),
    (197, 199, "DE"),
    (200, 200, "DC"),
    (206, 219, "MD"),
    (220, 246, "VA"),
    (247, 268, "WV"),
    (270, 289, "NC"),
    (290, 299, "SC"),
    (300, 319, "GA"),
    (320, 349, "FL"),
    (350, 369, "AL"),
    (370, 385, "TN"),
    (386, 397, "MS"),
    (400, 427, "KY"),
    (430, 459, "OH"),
    (460, 479, "IN"),
    (480, 499, "MI"),
    (500, 528, "IA"),
    (530, 549, "WI"),
    (550, 567, "MN"),
    (570, 577, "SD"),
    (580, 588, "ND"),
    (590, 599, "MT"),
    (600, 629, "IL"),
    (630, 658, "MO"),
    (660, 679, "KS"),
    (680, 693, "NE"),
    (700, 714, "LA"),
    (716, 729, "AR"),
    (730, 749, "OK"),
    (750, 799, "TX"),
    (800, 816, "CO"),
    (820, 831, "WY"),
    (832, 838, "ID"),
    (840, 847, "UT"),
    (850, 865, "AZ"),
    (870, 884, "NM"),
    (889, 898, "NV"),
    (900, 961, "CA"),
    (970, 979, "OR"),
    (980, 994, "WA"),
    (995, 999, "AK"),
]

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
    "VI": "US Virgin Islands", "GU": "Guam", "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}  # fmt: skip

UNKNOWN = "Unknown"


def state_for_prefix(prefix: str) -> str | None:
    """The two-letter state of a three-digit ZIP prefix ("100" → "NY"), or None."""
    if len(prefix) != 3 or not prefix.isascii() or not prefix.isdigit():
        return None
    n = int(prefix)
    for first, last, state in _RANGES:
        if first <= n <= last:
            return state
    return None


def state_for_zip(postcode: str) -> str | None:
    """The state of a US ZIP code ("10001", "10001-1234"), or None if it cannot be told."""
    postcode = postcode.strip()
    if len(postcode) < 5 or not postcode[:5].isdigit():
        return None
    return state_for_prefix(postcode[:3])


def state_name(code: str | None) -> str:
    return STATE_NAMES.get(code or "", UNKNOWN)
