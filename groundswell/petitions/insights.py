"""What the organiser learns from the signatures: growth, places, sources, a projection.

Nothing here reads the signatures table on a page view. The worker tallies confirmed
signatures into ``HourlyTally`` (per petition and hour) and ``Tally`` (per petition and
country, US state, source or referrer) once a minute (``tally_confirmed``), from the rows
confirmed since its last run, through the (petition, status, confirmed_at) index. Pages
read those small tables (``for_petition``).

The worker stops ``TALLY_LAG`` short of now: a confirmation's ``confirmed_at`` is taken
inside its transaction, so a row can commit a moment after its timestamp; two minutes is
far longer than any confirming transaction. Tallies are therefore a few minutes behind the
live count, and the page says so.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Substr, Trunc, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext

from groundswell.petitions.models import (
    HourlyTally,
    Petition,
    Signature,
    Tally,
    TallyMark,
    goal_for,
)
from groundswell.petitions.populations import STATE_POPULATION_2020
from groundswell.targets.zipcodes import state_for_prefix, state_name

TALLY_LAG = timedelta(minutes=2)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOURLY_SPAN = timedelta(hours=48)  # the chart is by hour this long, then by day
# The projection needs this many signatures in the last 24 hours to say anything, and
# says nothing about a goal further away than this.
PROJECTION_MIN_RECENT = 10
PROJECTION_HORIZON = timedelta(days=60)

# --- The worker's side ------------------------------------------------------------------------


def petitions_to_tally():
    """Open petitions; and any other public one until its tally has passed the moment it
    stopped taking signatures (closed, or won: the status changes with an UPDATE that
    leaves ``updated_at`` alone, so each moment is asked for by name)."""
    caught_up_with = ("closed_at", "outcome_at", "updated_at")
    return Petition.objects.filter(status__in=Petition.PUBLIC).filter(
        Q(status=Petition.Status.OPEN)
        | Q(tally_mark__isnull=True)
        | reduce(or_, (Q(tally_mark__until__lt=F(name) + TALLY_LAG) for name in caught_up_with))
    )


def tally_confirmed(now: datetime | None = None) -> int:
    """Tally what was confirmed since the last run, for every petition that may have any."""
    until = (now or timezone.now()) - TALLY_LAG
    tallied = 0
    for petition_id in petitions_to_tally().values_list("pk", flat=True):
        tallied += _tally_petition(petition_id, until)
    return tallied


def retally(petition: Petition, now: datetime | None = None) -> int:
    """Count a petition afresh: after signatures were added with past dates (an import)."""
    with transaction.atomic():
        HourlyTally.objects.filter(petition=petition).delete()
        Tally.objects.filter(petition=petition).delete()
        TallyMark.objects.update_or_create(petition=petition, defaults={"until": EPOCH})
    return _tally_petition(petition.pk, (now or timezone.now()) - TALLY_LAG)


def _tally_petition(petition_id: int, until: datetime) -> int:
    TallyMark.objects.get_or_create(petition_id=petition_id, defaults={"until": EPOCH})
    with transaction.atomic():
        # One tallier per petition at a time: the mark's row lock.
        mark = TallyMark.objects.select_for_update().get(petition_id=petition_id)
        if mark.until >= until:
            return 0
        rows = Signature.objects.filter(
            petition_id=petition_id,
            status=Signature.Status.CONFIRMED,
            confirmed_at__gte=mark.until,
            confirmed_at__lt=until,
        )
        if not rows.exists():  # a quiet minute: one small index probe, then move the mark
            TallyMark.objects.filter(pk=mark.pk).update(until=until)
            return 0
        added = _add_rows(petition_id, rows, sign=1)
        mark.until = until
        mark.save(update_fields=["until"])
    return added


def untally(petition_id: int, rows) -> int:
    """Take confirmed ``rows`` that are about to stop counting (a withdrawal) off the
    tallies they were added to, in the caller's transaction, before they change."""
    mark = TallyMark.objects.select_for_update().filter(petition_id=petition_id).first()
    if mark is None:
        return 0
    rows = rows.filter(status=Signature.Status.CONFIRMED, confirmed_at__lt=mark.until)
    return _add_rows(petition_id, rows, sign=-1)


def _add_rows(petition_id: int, rows, *, sign: int) -> int:
    """Add ``rows`` to the tallies (``sign`` 1), or take them off (-1)."""
    hours = dict(
        rows.annotate(hour=Trunc("confirmed_at", "hour", tzinfo=UTC))
        .values_list("hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if not hours:
        return 0

    def signed(counts: dict) -> dict:
        return {key: sign * n for key, n in counts.items()}

    _add_hours(petition_id, signed(hours))
    _add(petition_id, Tally.Kind.COUNTRY, signed(_grouped(rows, "country")))
    _add(petition_id, Tally.Kind.US_STATE, signed(_states(rows)))
    _add(petition_id, Tally.Kind.SOURCE, signed(_grouped(rows, "source")))
    by_referrer = _grouped(rows.filter(referred_by__isnull=False), "referred_by")
    _add(petition_id, Tally.Kind.REFERRER, signed(by_referrer))
    _add(petition_id, Tally.Kind.REFERRED, {"": sign * sum(by_referrer.values())})
    return sum(hours.values())


def _grouped(rows, column: str) -> dict[str, int]:
    found = rows.values_list(column).annotate(n=Count("pk")).order_by()
    return {str(key if key is not None else ""): n for key, n in found}


def _states(rows) -> dict[str, int]:
    """US signers by state, from their ZIP code's first three digits (targets/zipcodes.py)."""
    prefixes = (
        rows.filter(country="US", postcode__regex=r"^[0-9]{5}")
        .annotate(prefix=Substr("postcode", 1, 3))
        .values_list("prefix")
        .annotate(n=Count("pk"))
        .order_by()
    )
    states: dict[str, int] = {}
    for prefix, n in prefixes:
        state = state_for_prefix(prefix)
        if state:
            states[state] = states.get(state, 0) + n
    return states


def _add_hours(petition_id: int, hours: dict[datetime, int]) -> None:
    if not hours:
        return
    had = dict(
        HourlyTally.objects.filter(petition_id=petition_id, hour__in=hours).values_list(
            "hour", "count"
        )
    )
    HourlyTally.objects.bulk_create(
        [
            HourlyTally(petition_id=petition_id, hour=hour, count=max(0, had.get(hour, 0) + n))
            for hour, n in hours.items()
        ],
        update_conflicts=True,
        unique_fields=["petition", "hour"],
        update_fields=["count"],
    )


def _add(petition_id: int, kind: str, counts: dict[str, int]) -> None:
    counts = {key: n for key, n in counts.items() if n}
    if not counts:
        return
    had = dict(
        Tally.objects.filter(petition_id=petition_id, kind=kind, key__in=counts).values_list(
            "key", "count"
        )
    )
    Tally.objects.bulk_create(
        [
            Tally(petition_id=petition_id, kind=kind, key=key, count=max(0, had.get(key, 0) + n))
            for key, n in counts.items()
        ],
        update_conflicts=True,
        unique_fields=["petition", "kind", "key"],
        update_fields=["count"],
        batch_size=1000,
    )


# --- The pages' side --------------------------------------------------------------------------


@dataclass
class Bucket:
    start: datetime | date
    n: int

    @property
    def is_hour(self) -> bool:
        return isinstance(self.start, datetime)


@dataclass
class Projection:
    goal: int
    by: datetime
    recent: int  # signatures in the last 24 hours

    @property
    def when(self) -> str:
        """ "today", "tomorrow", "Thursday", or a date further off, in the reader's language
        and as "by …" wants it (Spanish: "hoy", "el jueves", "el 13 de noviembre")."""
        by = timezone.localtime(self.by)
        days = (by.date() - timezone.localdate()).days
        if days <= 0:
            return pgettext("at this rate, … by", "today")
        if days == 1:
            return pgettext("at this rate, … by", "tomorrow")
        if days < 7:
            return pgettext("at this rate, … by a weekday", "%(weekday)s") % {
                "weekday": date_format(by, "l")
            }
        return pgettext("at this rate, … by a date", "%(date)s") % {
            "date": date_format(by, "MONTH_DAY_FORMAT")
        }


@dataclass
class Place:
    code: str
    name: str
    n: int
    per_million: float | None = None


@dataclass
class Insights:
    hours: list[Bucket] = field(default_factory=list)
    days: list[Bucket] = field(default_factory=list)
    tallied_until: datetime | None = None
    projection: Projection | None = None
    countries: list[Place] = field(default_factory=list)
    states: list[Place] = field(default_factory=list)
    sources: list[tuple[str, int]] = field(default_factory=list)
    referred: int = 0
    top_referrers: list[tuple[str, int]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.hours or self.days)

    def by_day(self) -> list[Bucket]:
        """Every day from the first, the first 48 hours' buckets added up by local day."""
        totals: dict[date, int] = {}
        for bucket in self.hours:
            day = timezone.localtime(bucket.start).date()
            totals[day] = totals.get(day, 0) + bucket.n
        for bucket in self.days:
            totals[bucket.start] = totals.get(bucket.start, 0) + bucket.n
        return [Bucket(day, n) for day, n in sorted(totals.items())]


def for_petition(
    petition: Petition, *, count: int, private: bool, now: datetime | None = None
) -> Insights:
    """The tallies as the pages show them. ``private`` adds sources and referrers, which
    only the organisation sees. A handful of small indexed queries, whatever the count."""
    now = now or timezone.now()
    mark = TallyMark.objects.filter(petition=petition).values_list("until", flat=True).first()
    insights = Insights(tallied_until=mark if mark and mark > EPOCH else None)
    if insights.tallied_until is None:
        return insights
    tallies = HourlyTally.objects.filter(petition=petition)
    first = tallies.aggregate(first=Min("hour"))["first"]
    if first is None:
        return insights
    begun = petition.published_at or petition.created_at
    start = _hour(min(begun, first))
    end = petition.closed_at if petition.closed_at and not petition.is_signable() else now
    insights.hours, insights.days = _buckets(tallies, start, end)
    insights.projection = _projection(petition, tallies, count, now, insights.tallied_until)
    by_kind = _tallies(petition, private)
    insights.countries = _countries(by_kind.get(Tally.Kind.COUNTRY, []))
    insights.states = _state_places(by_kind.get(Tally.Kind.US_STATE, []))
    if private:
        insights.sources = by_kind.get(Tally.Kind.SOURCE, [])
        insights.referred = sum(n for _key, n in by_kind.get(Tally.Kind.REFERRED, []))
        insights.top_referrers = _top_referrers(petition)
    return insights


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _buckets(tallies, start: datetime, end: datetime) -> tuple[list[Bucket], list[Bucket]]:
    """One bucket per hour for the first 48 hours, then one per local day, zeros included."""
    switch = start + HOURLY_SPAN
    by_hour = dict(tallies.filter(hour__lt=switch).values_list("hour", "count"))
    hours, hour = [], start
    while hour < switch and hour <= end:
        hours.append(Bucket(hour, by_hour.get(hour, 0)))
        hour += timedelta(hours=1)
    if end < switch:
        return hours, []
    by_day = dict(
        tallies.filter(hour__gte=switch)
        .annotate(day=TruncDate("hour"))
        .values_list("day")
        .annotate(n=Sum("count"))
        .order_by()
    )
    days, day = [], timezone.localtime(switch).date()
    last = timezone.localtime(end).date()
    while day <= last:
        days.append(Bucket(day, by_day.get(day, 0)))
        day += timedelta(days=1)
    return hours, days


def _projection(petition, tallies, count: int, now: datetime, until: datetime):
    """When the next goal is reached at the last 24 hours' pace, or None if that is
    meaningless: a closed petition, too few recent signatures, or too far off."""
    if not petition.is_signable():
        return None
    since = _hour(now - timedelta(hours=24))
    recent = tallies.filter(hour__gte=since).aggregate(n=Sum("count"))["n"] or 0
    span = (until - since).total_seconds()
    if recent < PROJECTION_MIN_RECENT or span <= 0:
        return None
    goal = goal_for(count)
    seconds = (goal - count) * span / recent
    if seconds > PROJECTION_HORIZON.total_seconds():
        return None
    return Projection(goal=goal, by=now + timedelta(seconds=seconds), recent=recent)


def _tallies(petition, private: bool) -> dict[str, list[tuple[str, int]]]:
    kinds = [Tally.Kind.COUNTRY, Tally.Kind.US_STATE]
    if private:
        kinds += [Tally.Kind.SOURCE, Tally.Kind.REFERRED]
    by_kind: dict[str, list[tuple[str, int]]] = {}
    rows = Tally.objects.filter(petition=petition, kind__in=kinds).order_by("-count", "key")
    for kind, key, n in rows.values_list("kind", "key", "count"):
        by_kind.setdefault(kind, []).append((key, n))
    return by_kind


def _countries(rows) -> list[Place]:
    from django_countries import countries

    return [Place(code, countries.name(code) or code or "Unknown", n) for code, n in rows]


def _state_places(rows) -> list[Place]:
    places = []
    for code, n in rows:
        people = STATE_POPULATION_2020.get(code)
        per_million = n * 1_000_000 / people if people else None
        places.append(Place(code, state_name(code), n, per_million))
    return places


def _top_referrers(petition, limit: int = 10) -> list[tuple[str, int]]:
    top = list(
        Tally.objects.filter(petition=petition, kind=Tally.Kind.REFERRER)
        .order_by("-count", "key")
        .values_list("key", "count")[:limit]
    )
    names = dict(
        Signature.objects.filter(pk__in=[int(key) for key, _n in top]).values_list("pk", "name")
    )
    return [(names.get(int(key), "A removed signature"), n) for key, n in top]
