"""Build us_states.json (SVG outlines of the states) from the Census Bureau's state file.

    python groundswell/petitions/data/make_us_states.py cb_2018_us_state_500k.json

The input is a GeoJSON of the U.S. Census Bureau's 2018 cartographic boundary file of
states (cb_2018_us_state_500k; see README.md beside this script). The output maps each
two-letter code to an SVG path in a 960 x 610 frame: the lower 48 states and DC in an
Albers equal-area projection (standard parallels 29.5° and 45.5°, as the Census Bureau's
own national maps), Alaska (at 35% scale), Hawaii and Puerto Rico in insets, simplified
to about half a pixel. Standard library only.
"""

import json
import math
import sys
from itertools import pairwise
from pathlib import Path

WIDTH, HEIGHT = 960, 610
KEEP = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR",
}  # fmt: skip


def albers(lat1: float, lat2: float, lat0: float, lon0: float):
    """Albers equal-area conic on a sphere: (lon, lat) in degrees to (x, y), y up."""
    p1, p2, p0 = (math.radians(v) for v in (lat1, lat2, lat0))
    n = (math.sin(p1) + math.sin(p2)) / 2
    c = math.cos(p1) ** 2 + 2 * n * math.sin(p1)
    rho0 = math.sqrt(c - 2 * n * math.sin(p0)) / n

    def project(lon: float, lat: float) -> tuple[float, float]:
        theta = n * math.radians(lon - lon0)
        rho = math.sqrt(c - 2 * n * math.sin(math.radians(lat))) / n
        return rho * math.sin(theta), rho0 - rho * math.cos(theta)

    return project


LOWER_48 = albers(29.5, 45.5, 37.5, -96)
ALASKA = albers(55, 65, 50, -154)
HAWAII = albers(8, 18, 3, -157)
PUERTO_RICO = albers(17, 19, 18, -66.5)


def rings(geometry: dict) -> list[list[list[float]]]:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [ring for polygon in polygons for ring in polygon]


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iteratively."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        far, index = 0.0, None
        for i in range(first + 1, last):
            x, y = points[i]
            if length:
                distance = abs(dy * (x - x1) - dx * (y - y1)) / length
            else:  # a closed ring's two ends are one point
                distance = math.hypot(x - x1, y - y1)
            if distance > far:
                far, index = distance, i
        if index is not None and far > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area(points) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(points))) / 2


def main(source: str) -> None:
    features = json.loads(Path(source).read_text())["features"]
    projected: dict[str, list] = {}
    for feature in features:
        code = feature["properties"]["STUSPS"]
        if code not in KEEP:
            continue
        project = {"AK": ALASKA, "HI": HAWAII, "PR": PUERTO_RICO}.get(code, LOWER_48)
        projected[code] = [
            # The Aleutians cross the 180th meridian: keep Alaska in one piece.
            [project(lon - 360 if code == "AK" and lon > 0 else lon, lat) for lon, lat in ring]
            for ring in rings(feature["geometry"])
            # Hawaii's main islands only: the northwestern atolls would make its inset wide.
            if code != "HI" or min(lon for lon, _ in ring) > -161
        ]
    # The lower 48 fill the frame's width above the insets; y grows downward in SVG.
    insets = {  # (scale relative to the lower 48, left, bottom) of each inset
        "AK": (0.35, 10, HEIGHT - 10),
        "HI": (1.0, 250, HEIGHT - 10),
        "PR": (1.0, WIDTH - 150, HEIGHT - 20),
    }
    lower_48 = [p for c, rs in projected.items() if c not in insets for r in rs for p in r]
    x_min, y_max = min(x for x, _ in lower_48), max(y for _, y in lower_48)
    scale = (WIDTH - 20) / (max(x for x, _ in lower_48) - x_min)
    paths = {}
    for code, state_rings in projected.items():
        points = [p for r in state_rings for p in r]
        if code in insets:
            factor, left, bottom = insets[code]
            x0, y0 = min(x for x, _ in points), min(y for _, y in points)
            s = scale * factor
            shift = (left - x0 * s, bottom + y0 * s, s)
        else:
            shift = (10 - x_min * scale, 10 + y_max * scale, scale)
        dx, dy, s = shift
        shapes = [simplify([(dx + x * s, dy - y * s) for x, y in r], 0.4) for r in state_rings]
        biggest = max(shapes, key=area)
        shapes = [s for s in shapes if s is biggest or (len(s) >= 4 and area(s) > 1.5)]
        paths[code] = "".join(
            "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in shape[:-1]) + "Z" for shape in shapes
        )
    out = Path(__file__).with_name("us_states.json")
    out.write_text(json.dumps(dict(sorted(paths.items())), separators=(",", ":")) + "\n")
    print(f"{len(paths)} states, {out.stat().st_size:,} bytes, frame {WIDTH}x{HEIGHT}")


if __name__ == "__main__":
    main(sys.argv[1])
