"""Fraud rules: which signatures each matches, as a database condition, and a preview.

A rule only reads; ``moderation.actions.run_invalidation`` applies it in batches.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core.network import hash_network, networks_in
from groundswell.petitions.models import Signature

# Postcode shapes for the countries the rule knows (upper case, as signing stores them).
POSTCODE_PATTERNS = {
    "US": r"^[0-9]{5}(-?[0-9]{4})?$",
    "GB": r"^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$",
    "CA": r"^[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]$",
    "DE": r"^[0-9]{5}$",
    "FR": r"^[0-9]{5}$",
    "ES": r"^[0-9]{5}$",
    "IT": r"^[0-9]{5}$",
    "MX": r"^[0-9]{5}$",
    "NL": r"^[0-9]{4} ?[A-Z]{2}$",
    "AU": r"^[0-9]{4}$",
    "IE": r"^[A-Z][0-9][0-9W] ?[0-9A-Z]{4}$",
}

# The most (network, minute) groups a burst rule may name: beyond that, narrow it down.
MOST_BURSTS = 2000


def scope(petition_id: int | None):
    """The signatures a rule may remove: pending or confirmed, on one petition or all."""
    signatures = Signature.objects.filter(status__in=Signature.INVALIDATABLE)
    return signatures.filter(petition_id=petition_id) if petition_id else signatures


@dataclass(frozen=True)
class Rule:
    kind: str
    parameters: dict = field(default_factory=dict)

    @classmethod
    def from_stored(cls, kind: str, parameters: dict) -> "Rule":
        return cls(kind, dict(parameters))

    def describe(self) -> str:
        p = self.parameters
        if self.kind == "email_domain":
            return f"email addresses at {p['domain']}"
        if self.kind == "network":
            return f"signatures from the network {p['network']}"
        if self.kind == "time_window":
            return f"signatures made from {p['start']} to {p['end']}"
        if self.kind == "postcode_country":
            return f"postcodes that are not valid in {p['country']}"
        return f"{p['per_minute']} or more signatures from one network within a minute"

    def condition(self, signatures) -> Q:
        """The rows of ``signatures`` this rule matches, as a condition on Signature."""
        p = self.parameters
        if self.kind == "email_domain":
            domain = p["domain"]
            return Q(email_normalised__endswith="@" + domain) | Q(
                email_normalised__endswith="." + domain
            )
        if self.kind == "network":
            return Q(network_hash__in=[hash_network(n) for n in networks_in(p["network"])])
        if self.kind == "time_window":
            start = datetime.fromisoformat(p["start"])
            end = datetime.fromisoformat(p["end"])
            return Q(created_at__gte=start, created_at__lt=end)
        if self.kind == "postcode_country":
            country = p["country"]
            return Q(country=country) & ~Q(postcode__regex=POSTCODE_PATTERNS[country])
        if self.kind == "burst":
            return _bursts(signatures, int(p["per_minute"]))
        raise ValueError(f"unknown rule {self.kind}")


def _bursts(signatures, per_minute: int) -> Q:
    groups = (
        signatures.exclude(network_hash="")
        .annotate(minute=TruncMinute("created_at"))
        .values("network_hash", "minute")
        .annotate(n=Count("id"))
        .filter(n__gte=per_minute)
        .order_by()[: MOST_BURSTS + 1]
    )
    condition = Q(pk__in=[])
    groups = list(groups)
    if len(groups) > MOST_BURSTS:
        raise ValueError(
            _(
                "More than %(most)s bursts match: raise the number per minute, "
                "or choose one petition."
            )
            % {"most": MOST_BURSTS}
        )
    for group in groups:
        start = group["minute"]
        if timezone.is_naive(start):
            start = timezone.make_aware(start, timezone.get_current_timezone())
        condition |= Q(
            network_hash=group["network_hash"],
            created_at__gte=start,
            created_at__lt=start + timedelta(minutes=1),
        )
    return condition


def pk_ranges(signatures, size: int):
    """Half-open (low, high) primary-key ranges covering ``signatures``, ``size`` wide."""
    bounds = signatures.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    low = bounds["low"]
    while low <= bounds["high"]:
        yield low, low + size
        low += size


@dataclass
class Preview:
    matched: int
    sample: list
    in_scope: int
    # Petitions (id, title, matched, of) where the rule matches more than half.
    over_half: list

    @property
    def matches_everything(self) -> bool:
        return self.matched > 0 and self.matched >= self.in_scope

    @property
    def needs_second_confirmation(self) -> bool:
        return self.matches_everything or bool(self.over_half)


def preview(rule: Rule, petition_id: int | None, sample_size: int = 20) -> Preview:
    signatures = scope(petition_id)
    matching = signatures.filter(rule.condition(signatures))
    per_petition = dict(matching.values_list("petition").annotate(n=Count("id")).order_by())
    matched = sum(per_petition.values())
    totals = dict(
        scope(None)
        .filter(petition_id__in=per_petition)
        .values_list("petition")
        .annotate(n=Count("id"))
        .order_by()
    )
    from groundswell.petitions.models import Petition

    titles = dict(Petition.objects.filter(pk__in=per_petition).values_list("pk", "title"))
    over_half = [
        (pk, titles.get(pk, ""), n, totals.get(pk, 0))
        for pk, n in sorted(per_petition.items())
        if n * 2 > totals.get(pk, 0)
    ]
    sample = list(
        matching.select_related("petition")
        .order_by("-pk")
        .only("email", "postcode", "country", "status", "created_at", "petition__title", "name")[
            :sample_size
        ]
    )
    in_scope = sum(totals.values()) if petition_id else signatures.count()
    return Preview(matched=matched, sample=sample, in_scope=in_scope, over_half=over_half)


def masked_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
