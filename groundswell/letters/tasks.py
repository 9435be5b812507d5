"""Background work of the letters app. Each section lists its periodic jobs here."""

from groundswell.letters.writing.tasks import PERIODIC as WRITING_PERIODIC

PERIODIC = [*WRITING_PERIODIC]
