"""Letters: open letters co-signed by organisations and people, requests logs, and
write-to-your-official campaigns (docs/letters.md)."""

from groundswell.letters.writing.models import *  # noqa: F403  write to your official
