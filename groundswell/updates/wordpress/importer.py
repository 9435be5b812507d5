"""One import run: check every input, then import item by item, and report on each.

Nothing is written until every input has been read once: a file that is not an export, or
(without salvage) a damaged one, stops the run before the first post. Then each post is
written in its own transaction, so a failure at post 7 keeps posts 1 to 6, and the report says
where it stopped.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from groundswell.accounts.models import Organisation, User
from groundswell.petitions.models import Petition
from groundswell.updates.actions import ImportIndex, ImportOutcome, import_post
from groundswell.updates.wordpress import rest, wxr
from groundswell.updates.wordpress.items import BadFile, Context, Damage, Item, Skip, to_post
from groundswell.updates.wordpress.sources import Source, expand, read_text, sniff

SALVAGE_HINT = (
    "Nothing was imported. Run again with --salvage to import every whole post and keep "
    "what arrived of the broken one as a draft."
)


@dataclass
class Options:
    press_category: str = ""  # posts in this category or tag are press releases
    petition: Petition | None = None  # other posts become updates of this petition
    salvage: bool = False
    dry_run: bool = False


@dataclass
class Line:
    """One item of the report."""

    file: str
    index: int
    item: str  # "post 101", "page 7", "attachment 55"
    outcome: str  # ImportOutcome
    title: str = ""
    link: str = ""
    kind: str = ""  # "press release" or "update of <petition>"
    status: str = ""
    reason: str = ""
    warning: str = ""
    left_behind: list[str] = field(default_factory=list)


@dataclass
class Report:
    organisation: str
    dry_run: bool
    lines: list[Line] = field(default_factory=list)
    damage: list[dict] = field(default_factory=list)  # {"file", "where"}
    authors: list[str] = field(default_factory=list)  # notes on authors who are not members
    stopped: str = ""  # why the run stopped early, if it did

    def totals(self) -> dict[str, int]:
        counts = {outcome: 0 for outcome in ("imported", "updated", "unchanged", "skipped")}
        for line in self.lines:
            counts[line.outcome] += 1
        return counts

    def as_json(self) -> str:
        return json.dumps(
            {
                "organisation": self.organisation,
                "dry_run": self.dry_run,
                "totals": self.totals(),
                "items": [asdict(line) for line in self.lines],
                "damage": self.damage,
                "authors": self.authors,
                "stopped": self.stopped or None,
            },
            ensure_ascii=False,
            indent=2,
        )

    def as_text(self) -> str:
        out, current = [], None
        for line in self.lines:
            if line.file != current:
                current = line.file
                out.append(f"{current}:")
            head = f"  {line.outcome:<9} {line.item}"
            if line.title:
                head += f" “{line.title}”"
            if line.outcome == ImportOutcome.SKIPPED:
                head += f": {line.reason}"
            elif line.kind:
                head += f" as a {line.status} {line.kind}"
            out.append(head)
            if line.warning:
                out.append(f"            WARNING: {line.warning}")
            out.extend(f"            left behind: {note}" for note in line.left_behind)
        for broken in self.damage:
            out.append(f"{broken['file']} breaks at {broken['where']}.")
        out.extend(self.authors)
        totals = self.totals()
        verb = "Would import" if self.dry_run else "Imported"
        out.append(
            f"{verb} into {self.organisation}: {totals['imported']} new, {totals['updated']} "
            f"updated, {totals['unchanged']} unchanged, {totals['skipped']} skipped."
            + (" Dry run: nothing was written." if self.dry_run else "")
        )
        if self.stopped:
            out.append(self.stopped)
        return "\n".join(out)


def sources_of(paths: list[str], names: dict[str, str]) -> list[Source]:
    return [sniff(path, names.get(str(path), "")) for path in expand(paths)]


def check(sources: list[Source], context: Context) -> list[tuple[Source, Damage]]:
    """Read every input once, before anything is written. BadFile for one that is not an
    export; the damaged ones are returned."""
    damaged = []
    for source in sources:
        if source.format == "rest":
            damage = rest.check(source.name, read_text(source))
        else:
            damage = wxr.check(source.name, source.path, context)
        if damage is not None:
            damaged.append((source, damage))
    return damaged


def refusal(damaged: list[tuple[Source, Damage]]) -> str:
    breaks = "; ".join(f"{source.name} breaks at {damage.where}" for source, damage in damaged)
    return f"{breaks}. {SALVAGE_HINT}"


def run(
    *,
    organisation: Organisation,
    paths: list[str],
    options: Options,
    say: Callable[[str], None] = lambda _text: None,
    names: dict[str, str] | None = None,
) -> Report:
    """Import every post in ``paths`` into ``organisation``; BadFile if nothing can be.
    ``names`` shows a file under another name in the report (a downloaded page's URL)."""
    sources = sources_of(paths, names or {})
    context = Context()
    damaged = check(sources, context)
    if damaged and not options.salvage:
        raise BadFile(refusal(damaged))
    report = Report(organisation=str(organisation), dry_run=options.dry_run)
    seen: dict[str, str] = {}
    authors = _Authors(organisation)
    index = ImportIndex(organisation)
    for source in sources:
        for item in _items(source, context, options, report):
            line = _import_item(item, context, options, organisation, seen, authors, index)
            report.lines.append(line)
            say(f"{line.outcome} {line.item}")
            if line.outcome == "failed":
                line.outcome = ImportOutcome.SKIPPED
                done = len(report.lines) - 1
                report.stopped = (
                    f"Stopped at {item.label()} (item {item.index} of {source.name}): "
                    f"{line.reason}. The {done} item{'s' if done != 1 else ''} before it "
                    "were kept; nothing after it was imported. Running the import again "
                    "leaves what is already in unchanged."
                )
                return report
    report.authors = authors.notes()
    return report


def _items(source: Source, context: Context, options: Options, report: Report) -> Iterator[Item]:
    def broken(damage: Damage) -> None:
        report.damage.append({"file": source.name, "where": damage.where})

    if source.format == "rest":
        yield from rest.read(
            source.name, read_text(source), salvage=options.salvage, report_damage=broken
        )
    else:
        yield from wxr.read(source.name, source.path, context, report_damage=broken)


def _import_item(item, context, options, organisation, seen, authors, index) -> Line:
    line = Line(file=item.file, index=item.index, item=item.label(), outcome="skipped")
    try:
        post = to_post(item, context)
    except Skip as reason:
        line.reason = str(reason)
        line.title = str(item.fields.get("title") or "")[:80] if item.fields else ""
        return line
    line.title, line.link = post.title, post.source_url
    for key in {post.source_guid, post.source_url} - {""}:
        if key in seen:
            line.reason = f"the same post as {seen[key]}, which was read first"
            return line
    for key in {post.source_guid, post.source_url} - {""}:
        seen[key] = f"{item.label()} (item {item.index} of {item.file})"
    petition = options.petition
    if options.press_category:
        if options.press_category.strip().lower() in post.terms:
            petition = None
        elif petition is None:
            line.reason = (
                f"not in the press category “{options.press_category}” (give --petition SLUG "
                "to import the other posts as updates of a petition)"
            )
            return line
    line.warning, line.left_behind = post.warning, list(post.left_behind)
    line.kind = f"update of {petition.slug}" if petition else "press release"
    line.status = post.status
    try:
        line.outcome, reason = import_post(
            organisation=organisation,
            post=post,
            petition=petition,
            author=authors.member(post.author_email, item.fields.get("author")),
            dry_run=options.dry_run,
            index=index,
        )
    except Exception as error:  # a database error: stop, keeping what is in
        line.outcome, line.reason = "failed", f"{type(error).__name__}: {error}"
        return line
    line.reason = reason
    return line


class _Authors:
    """WordPress authors matched to the organisation's members by email, once each."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.found: dict[str, User | None] = {}
        self.unmatched: dict[str, str] = {}

    def member(self, email: str, login) -> User | None:
        if not email:
            return None
        if email not in self.found:
            self.found[email] = self.organisation.members.filter(email__iexact=email).first()
        if self.found[email] is None and login:
            self.unmatched[str(login)] = email
        return self.found[email]

    def notes(self) -> list[str]:
        return [
            f"Author “{login}” is not a member of {self.organisation} (matched by email), so "
            "their posts carry no author here."
            for login in sorted(self.unmatched)
        ]
