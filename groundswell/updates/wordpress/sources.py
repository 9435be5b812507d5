"""What the files given to the import are: REST JSON, WXR XML, or something to refuse.

Decided from the first bytes, not the name: an error page saved as ``posts.json`` is HTML
whatever it is called.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from groundswell.updates.wordpress.items import BadFile

SNIFF = 4096
SUFFIXES = {".json", ".xml", ".wxr"}


@dataclass(frozen=True)
class Source:
    name: str  # as shown in the report
    path: Path
    format: str  # "rest" or "wxr"


def _natural(path: Path):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def expand(paths: list[str]) -> list[Path]:
    """Files as given; a folder stands for its .json/.xml files in natural order (page-2
    before page-10)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(
                (p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES),
                key=_natural,
            )
            if not inside:
                raise BadFile(f"{given} is a folder with no .json or .xml files in it.")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise BadFile(f"{given} does not exist.")
    return found


def sniff(path: Path, name: str = "") -> Source:
    """The Source for ``path``, or BadFile saying what it is instead."""
    name = name or str(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(SNIFF)
    except OSError as error:
        raise BadFile(f"Cannot read {name}: {error.strerror}.") from None
    if not head.strip():
        raise BadFile(f"{name} is empty.")
    if b"\x00" in head:
        raise BadFile(f"{name} is a binary file, not a WordPress export.")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut by the 4 KiB read
            raise BadFile(
                f"{name} is not UTF-8 text (byte {error.start}): a binary file, not a "
                "WordPress export."
            ) from None
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    lower = text[:200].lower()
    if lower.startswith(("<!doctype html", "<html")) or "<html" in lower[:100]:
        raise BadFile(
            f"{name} is an HTML page, not a WordPress export: probably an error or login page "
            "saved in its place. Download it again."
        )
    if text.startswith(("{", "[")):
        return Source(name, path, "rest")
    if text.startswith("<"):
        return Source(name, path, "wxr")
    raise BadFile(f"{name} is neither JSON nor XML, so not a WordPress export.")


def read_text(source: Source) -> str:
    try:
        return source.path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFile(f"{source.name} is not UTF-8 text (byte {error.start}).") from None
