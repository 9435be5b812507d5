"""The geometry of the insights' SVG charts, drawn by templates/petitions/_bar_chart.html.

Server-side SVG with presentation attributes and classes only (styled by static/css), so
the site's Content-Security-Policy needs no exception and no script runs. pygal was
considered: it writes inline <style> and <script> into every chart, which the CSP blocks.
"""

import json
import math
from datetime import timedelta
from pathlib import Path

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from groundswell.petitions.insights import Bucket

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 26, 14, 46  # room for the labels at both ends
MAX_X_LABELS = 8
DASH = "\u2013"  # an en dash, between the ends of a range


def _at(value: float) -> str:
    """A coordinate as SVG wants it: a string, never localised ("1,234.5" would break)."""
    return f"{value:.1f}".removesuffix(".0")


def nice_step(largest: int, ticks: int = 4) -> int:
    """1, 2 or 5 times a power of ten, so that about ``ticks`` steps reach ``largest``."""
    if largest <= ticks:
        return 1
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover


def bar_chart(buckets: list[Bucket]) -> dict:
    """Axes, gridlines, labels and one bar per bucket, in the SVG's user units."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    largest = max((b.n for b in buckets), default=0)
    step = nice_step(largest)
    top = max(step, math.ceil(largest / step) * step)
    baseline = TOP + plot_h
    y_ticks = [
        {"y": _at(baseline - value * plot_h / top), "label": intcomma(value)}
        for value in range(0, top + 1, step)
    ]
    slot = plot_w / max(1, len(buckets))
    every = max(1, math.ceil(len(buckets) / MAX_X_LABELS))
    bars, x_ticks = [], []
    for i, bucket in enumerate(buckets):
        height = bucket.n * plot_h / top
        x = LEFT + i * slot
        middle = _at(x + slot / 2)
        bars.append(
            {
                "x": _at(x + slot * 0.1),
                "y": _at(baseline - height),
                "width": _at(max(1.0, slot * 0.8)),
                "height": _at(height),
                "middle": middle,
                "value_y": _at(max(TOP + 10, baseline - height - 4)),
                "n": bucket.n,
                "title": ngettext(
                    "%(when)s: %(n)s signature", "%(when)s: %(n)s signatures", bucket.n
                )
                % {"when": bucket_label(bucket), "n": intcomma(bucket.n)},
            }
        )
        if i % every == 0:
            x_ticks.append({"x": middle, "label": tick_label(bucket)})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "baseline": baseline,
        "plot_height": plot_h,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
        "x_label_y": baseline + 18,
        "y_label_x": LEFT - 6,
        "tick_end": baseline + 5,
        "title_y": HEIGHT - 4,
        "bars": bars,
        "unit": "hour" if buckets and buckets[0].is_hour else "day",
    }


def bucket_label(bucket: Bucket) -> str:
    if bucket.is_hour:
        start = timezone.localtime(bucket.start)
        end = start + timedelta(hours=1)
        return f"{date_format(start, 'D j M')}, {start:%H:%M}{DASH}{end:%H:%M}"
    return date_format(bucket.start, "D j M Y")  # day and month names in the reader's language


def tick_label(bucket: Bucket) -> str:
    if bucket.is_hour:
        start = timezone.localtime(bucket.start)
        return f"{date_format(start, 'D')} {start:%H:%M}"
    return date_format(bucket.start, "j M")


# Each state's outline as an SVG path in a 960 x 610 frame, drawn from the Census Bureau's
# cartographic boundary file (data/README.md says how; data/make_us_states.py does it).
STATE_PATHS = json.loads((Path(__file__).parent / "data" / "us_states.json").read_text())
MAP_WIDTH, MAP_HEIGHT = 960, 610
SHADES = 5  # classes of signatures per million residents, lightest to darkest


def state_map(states) -> dict:
    """States coloured by signatures per million residents (``insights.Place`` list)."""
    from groundswell.petitions.populations import STATE_POPULATION_2020
    from groundswell.targets.zipcodes import state_name

    found = {place.code: place for place in states}
    rates = sorted(p.per_million for p in states if p.per_million)
    top = rates[-1] if rates else 0
    bounds = [top * (i + 1) / SHADES for i in range(SHADES)]  # equal steps up to the top
    shapes = []
    for code, path in STATE_PATHS.items():
        place = found.get(code)
        n = place.n if place else 0
        rate = n * 1_000_000 / STATE_POPULATION_2020[code]
        shade = 0 if not n else next(i + 1 for i, b in enumerate(bounds) if rate <= b + 1e-9)
        shapes.append(
            {
                "code": code,
                "d": path,
                "shade": shade,
                "title": ngettext(
                    "%(state)s: %(n)s signature, %(rate)s per million residents",
                    "%(state)s: %(n)s signatures, %(rate)s per million residents",
                    n,
                )
                % {"state": state_name(code), "n": intcomma(n), "rate": f"{rate:,.1f}"},
            }
        )
    legend = [
        {"shade": i + 1, "label": f"{(bounds[i - 1] if i else 0):,.1f}{DASH}{bound:,.1f}"}
        for i, bound in enumerate(bounds)
    ]
    return {
        "width": MAP_WIDTH,
        "height": MAP_HEIGHT,
        "states": shapes,
        "legend": legend if top else [],
    }
