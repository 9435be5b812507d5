"""Keep the Spanish catalogue whole: ``manage.py translations update`` and ``check``.

``update`` gathers every string marked for translation into
``groundswell/locale/<lang>/LC_MESSAGES/django.po`` (makemessages) and compiles the
``.mo`` files that are committed beside them (compilemessages), so that ``make run`` and
``make test`` need no gettext tools. ``check`` (run by ``make lint``) changes nothing: it
gathers the strings into a temporary copy and fails when a string in the code is missing
from the catalogue, untranslated or fuzzy, or when a committed ``.mo`` is not the
compiled ``.po``. Both need GNU gettext (Debian's ``gettext`` package). See docs/i18n.md.
"""

import gettext
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands import makemessages
from django.test.utils import override_settings

from groundswell.core.translated import other_languages

# What makemessages must not read: tests, tools and installed packages.
IGNORE = ["tests/*", "e2e/*", "bench/*", "var/*", "node_modules/*", "build/*"]


class Command(BaseCommand):
    help = "Update the translation catalogues (update) or check them for lint (check)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["update", "check"])

    def handle(self, *, action, **options):
        if shutil.which("msgfmt") is None:
            raise CommandError("GNU gettext is missing: apt-get install gettext")
        locale = Path(settings.LOCALE_PATHS[0])
        if action == "update":
            self._gather(locale)
            call_command("compilemessages", locale=other_languages(), verbosity=0)
            self.stdout.write(f"Updated and compiled {locale}")
            return
        problems = self._check(locale)
        if problems:
            raise CommandError("Translations are not complete:\n  " + "\n  ".join(problems))
        self.stdout.write("Translations complete: every string has its Spanish.")

    def _gather(self, locale: Path) -> None:
        with override_settings(LOCALE_PATHS=[locale]):
            call_command(
                _GatherInto(locale),
                locale=other_languages(),
                ignore_patterns=IGNORE,
                no_obsolete=True,
                add_location="file",
                verbosity=0,
            )

    def _check(self, locale: Path) -> list[str]:
        problems = []
        with tempfile.TemporaryDirectory() as temporary:
            copy = Path(temporary) / "locale"
            shutil.copytree(locale, copy)
            self._gather(copy)  # the code's strings, merged with what is translated
            for language in other_languages():
                po = locale / language / "LC_MESSAGES" / "django.po"
                gathered = copy / language / "LC_MESSAGES" / "django.po"
                problems += _missing(po, gathered)
                problems += _incomplete(gathered, po)
                problems += _stale_mo(po, Path(temporary) / f"{language}.mo")
        return problems


class _GatherInto(makemessages.Command):
    """makemessages, writing every string into ``locale`` (a temporary copy for the check):
    left to itself it writes into the nearest ``locale`` folder it walks past, the real one."""

    def __init__(self, locale: Path):
        super().__init__()
        self.into = str(locale)

    def find_files(self, root):
        files = super().find_files(root)
        for found in files:
            found.locale_dir = self.into
        return files


def _run(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """A GNU gettext tool on our own files (no input from anyone else)."""
    return subprocess.run(  # noqa: S603
        [shutil.which(tool) or tool, *args], check=check, capture_output=True, text=True
    )


def _msgids(po: Path) -> set[tuple[str, str]]:
    """(context, msgid) of every live entry, from msgfmt's own reading of the file."""
    mo = po.with_suffix(".ids.mo")
    _run("msgfmt", "-o", str(mo), str(po))
    with mo.open("rb") as f:
        catalogue = gettext.GNUTranslations(f)._catalog
    mo.unlink()
    ids = set()
    for key in catalogue:
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid:
            context, _, msgid = msgid.rpartition("\x04")
            ids.add((context, msgid))
    return ids


def _missing(po: Path, gathered: Path) -> list[str]:
    if not po.exists():
        return [f"{po} does not exist: run `manage.py translations update`"]
    # msgfmt leaves untranslated entries out of a .mo, so compare with a copy where each
    # entry is "translated" as itself (msgen), to see every msgid.
    found = []
    for path in (po, gathered):
        filled = path.with_suffix(".all.po")
        _run("msgen", "-o", str(filled), str(path))
        found.append(_msgids(filled))
        filled.unlink()
    have, wanted = found
    return [
        f"{po.relative_to(settings.BASE_DIR)}: missing msgid {msgid!r}"
        + (f" (context {context!r})" if context else "")
        for context, msgid in sorted(wanted - have)
    ]


def _incomplete(gathered: Path, po: Path) -> list[str]:
    statistics = _run(
        "msgfmt", "--check", "--statistics", "-o", "/dev/null", str(gathered), check=False
    )
    if statistics.returncode != 0:
        return [f"{po}: msgfmt --check failed: {statistics.stderr.strip()}"]
    line = statistics.stderr.strip()
    if "fuzzy" in line or "untranslated" in line:
        return [f"{po.relative_to(settings.BASE_DIR)}: {line}"]
    return []


def _stale_mo(po: Path, fresh: Path) -> list[str]:
    committed = po.with_suffix(".mo")
    if not committed.exists():
        return [f"{committed} is missing: run `manage.py translations update`"]
    _run("msgfmt", "-o", str(fresh), str(po))
    catalogues = []
    for path in (committed, fresh):
        with path.open("rb") as f:
            catalogues.append(gettext.GNUTranslations(f)._catalog)
    if catalogues[0] != catalogues[1]:
        return [f"{committed} is not the compiled .po: run `manage.py translations update`"]
    return []
