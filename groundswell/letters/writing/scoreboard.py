"""The public scoreboard: "N letters to M offices; K offices have answered", office by office.

Counted letters are those emailed by the worker or marked sent by their writer; letters
waiting for a confirmation, and officials with no contact on file, are not counted. Three
queries whatever the number of letters.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Min
from django.utils import timezone

from groundswell.letters.writing.models import (
    OfficeAnswer,
    OfficialLetter,
    Writer,
    WritingCampaign,
)
from groundswell.targets.models import Target


@dataclass
class Office:
    target: Target
    letters: int
    first_sent_on: date
    answer: OfficeAnswer | None

    @property
    def days_waiting(self) -> int:
        end = self.answer.received_on if self.answer else timezone.localdate()
        return max(0, (end - self.first_sent_on).days)


@dataclass
class Scoreboard:
    letters: int
    offices: list[Office]

    @property
    def answered(self) -> int:
        return sum(1 for office in self.offices if office.answer)


@dataclass
class Tally:
    """For the organisers: writers and letters by state, counted or not (two queries)."""

    writers: dict[str, int]
    letters: dict[str, int]

    @property
    def pending_writers(self) -> int:
        return self.writers.get(Writer.Status.PENDING, 0)

    @property
    def confirmed_writers(self) -> int:
        return self.writers.get(Writer.Status.CONFIRMED, 0)

    def letters_by_status(self) -> list[tuple[str, int]]:
        """Each state a letter can be in, in the order letters move, with how many are."""
        return [(s.label, self.letters.get(s.value, 0)) for s in OfficialLetter.Status]


def _by_status(queryset) -> dict[str, int]:
    rows = queryset.values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def tally(campaign: WritingCampaign) -> Tally:
    return Tally(
        writers=_by_status(Writer.objects.filter(campaign=campaign)),
        letters=_by_status(OfficialLetter.objects.filter(campaign=campaign)),
    )


def scoreboard(campaign: WritingCampaign) -> Scoreboard:
    counts = list(
        OfficialLetter.objects.counted()
        .filter(campaign=campaign)
        .values("target_id")
        .annotate(n=Count("pk"), first=Min("sent_at"))
        .order_by()
    )
    targets = Target.objects.in_bulk([row["target_id"] for row in counts])
    answers = {
        a.target_id: a
        for a in OfficeAnswer.objects.filter(campaign=campaign, target_id__in=list(targets))
    }
    offices = [
        Office(
            targets[row["target_id"]],
            row["n"],
            timezone.localdate(row["first"]),
            answers.get(row["target_id"]),
        )
        for row in counts
    ]
    offices.sort(key=lambda o: (-o.letters, o.target.name))
    return Scoreboard(sum(o.letters for o in offices), offices)
