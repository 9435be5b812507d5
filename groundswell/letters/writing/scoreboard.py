"""The public scoreboard: "N letters to M offices; K offices have answered", office by office.

Counted letters are those emailed by the worker or marked sent by their writer; letters
waiting for a confirmation, and officials with no contact on file, are not counted. Three
queries whatever the number of letters.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Min
from django.utils import timezone

from groundswell.letters.writing.models import OfficeAnswer, OfficialLetter, WritingCampaign
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
