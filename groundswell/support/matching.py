"""Which advisers to propose for a request: rules, not judgement.

Required: the seeker's language; at least one shared skill or the seeker's sector;
capacity left; no tie to the seeker's employer (compared as keyed hashes); not offered this
request before. Ranked by shared skills, then sector, then how close the adviser's time zone
is to the seeker's region, then by who has the lightest load.
"""

from groundswell.support.models import REGION_OFFSETS, AdviserProfile, HelpRequest


def hours_apart(a: float, b: float) -> float:
    gap = abs(a - b) % 24
    return min(gap, 24 - gap)


def is_eligible(adviser: AdviserProfile, help_request: HelpRequest) -> bool:
    shared = set(help_request.skills) & set(adviser.skills)
    return (
        help_request.language in adviser.languages
        and adviser.load < adviser.capacity
        and bool(shared or help_request.sector in adviser.sectors)
        and not (help_request.employer_hash and help_request.employer_hash in adviser.tie_hashes())
    )


def score(adviser: AdviserProfile, help_request: HelpRequest) -> float:
    shared = len(set(help_request.skills) & set(adviser.skills))
    sector = 2 if help_request.sector in adviser.sectors else 0
    gap = hours_apart(adviser.utc_offset_hours(), REGION_OFFSETS.get(help_request.region, 0))
    return 3 * shared + sector - gap / 4


def candidates(help_request: HelpRequest) -> list[AdviserProfile]:
    offered_before = help_request.matches.values_list("adviser_id", flat=True)
    advisers = (
        AdviserProfile.objects.matchable()
        .with_load()
        .filter(programme_id=help_request.programme_id)
        .exclude(pk__in=list(offered_before))
    )
    eligible = [a for a in advisers if is_eligible(a, help_request)]
    return sorted(eligible, key=lambda a: (-score(a, help_request), a.load, a.pk))
