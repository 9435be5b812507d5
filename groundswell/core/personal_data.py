"""Personal data held under an email address outside the petitions app (decision 13).

"My data", its erase link and the hourly retention job belong to the petitions app
(``petitions/rights.py``, ``personal_data.py``, ``actions.py``). Another app whose rows
hold a person's details under their address (letters: co-signers and writers) registers
a ``Holder`` in its ``AppConfig.ready``, and the petitions app runs it with its own:
core imports no app, and petitions imports no app that depends on it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Entry:
    """One record in the "My data" email: a title, its lines (label, value) as the person
    reads them, and the same record for ``my-data.json``."""

    title: str
    lines: list[tuple[str, str]]
    data: dict


@dataclass
class Section:
    """One kind of record: its heading in the email and its key in ``my-data.json``."""

    key: str
    heading: str
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Holder:
    """What an app does for "My data", erasure and retention. Each callable takes the
    address folded by ``core.email_address.normalise_email``.

    - ``report(email)``: its sections of the report (in the active language);
    - ``to_erase(email, issued)``: what erasing what it held at ``issued`` would do, one
      sentence for the person per kind of record (none: it holds nothing); changes nothing;
    - ``erase(email, issued)``: do it, inside the caller's transaction; what it did, one
      sentence per kind of record;
    - ``remove_expired(now)``: its part of the retention job, ``{what: how many}``.
    """

    name: str
    report: Callable[[str], list[Section]]
    to_erase: Callable[[str, datetime], list[str]]
    erase: Callable[[str, datetime], list[str]]
    remove_expired: Callable[[datetime], dict[str, int]]


_holders: dict[str, Holder] = {}


def register(holder: Holder) -> None:
    """Called from an ``AppConfig.ready``; registering the same name again replaces it."""
    _holders[holder.name] = holder


def holders() -> list[Holder]:
    return list(_holders.values())
