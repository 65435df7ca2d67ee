"""A map of the destinations, drawn on the server as SVG: no tiles, no map library, nothing from elsewhere.

Points are placed from each destination's `location` (approximate coordinates) on a plain background with a
graticule; clicking a point opens the destination's page. The Zhongshan towns have no coordinates in the data,
so they are listed beside the map, each linking to its firms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from service.catalog import service as catalog
from service.deps import DbSession
from service.parks import service as park_service
from service.parks.schemas import ParkRead
from service.ui.deps import Lang, User
from service.ui.rendering import UiRoute, page

router = APIRouter(route_class=UiRoute)

WIDTH, HEIGHT, PAD = 760, 560, 48
PALETTE = ("#2563a8", "#c2410c", "#15803d", "#7c3aed", "#b45309", "#0f766e", "#be185d", "#4b5563")


@dataclass(frozen=True)
class Point:
    park: ParkRead
    x: float
    y: float
    colour: str


def place(parks: Sequence[ParkRead]) -> tuple[list[Point], tuple[float, float, float, float]]:
    """Project located parks to SVG coordinates (equirectangular, scaled by cos(latitude)); return the box too."""
    located = [p for p in parks if p.location is not None]
    if not located:
        return [], (0.0, 0.0, 0.0, 0.0)
    lats = [p.location.lat for p in located if p.location]
    lons = [p.location.lon for p in located if p.location]
    margin = 0.08
    south, north = min(lats) - margin, max(lats) + margin
    west, east = min(lons) - margin, max(lons) + margin
    squash = math.cos(math.radians((south + north) / 2))
    scale = min((WIDTH - 2 * PAD) / ((east - west) * squash), (HEIGHT - 2 * PAD) / (north - south))
    counties = sorted({p.county for p in located})
    colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(counties)}
    points = []
    for p in located:
        assert p.location is not None
        x = PAD + (p.location.lon - west) * squash * scale
        y = HEIGHT - PAD - (p.location.lat - south) * scale
        points.append(Point(park=p, x=round(x, 1), y=round(y, 1), colour=colour[p.county]))
    return points, (south, north, west, east)


def draw(points: Sequence[Point], box: tuple[float, float, float, float], lang: str) -> Markup:
    """The SVG: background, a 0.1° graticule with labels, and one linked point per destination."""
    south, north, west, east = box
    en = lang == "en"
    parts = [f'<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape("Map of destinations" if en else "目的地分布图")}">',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f3f6f9"/>']
    if points:
        squash = math.cos(math.radians((south + north) / 2))
        scale = min((WIDTH - 2 * PAD) / ((east - west) * squash), (HEIGHT - 2 * PAD) / (north - south))
        lat = math.ceil(south * 10) / 10
        while lat <= north:
            y = HEIGHT - PAD - (lat - south) * scale
            parts.append(f'<line x1="0" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde3ea"/>'
                         f'<text x="4" y="{y - 3:.1f}" font-size="10" fill="#8a94a3">{lat:.1f}°N</text>')
            lat = round(lat + 0.1, 1)
        lon = math.ceil(west * 10) / 10
        while lon <= east:
            x = PAD + (lon - west) * squash * scale
            parts.append(f'<line y1="0" y2="{HEIGHT}" x1="{x:.1f}" x2="{x:.1f}" stroke="#dde3ea"/>'
                         f'<text x="{x + 3:.1f}" y="{HEIGHT - 4}" font-size="10" fill="#8a94a3">{lon:.1f}°E</text>')
            lon = round(lon + 0.1, 1)
    for pt in points:
        name = pt.park.name_en if en else pt.park.name_zh
        county = (pt.park.county_name_en if en else pt.park.county_name_zh) or pt.park.county
        approx = " (approximate location)" if en else "（位置为近似）"
        parts.append(f'<a href="/ui/parks/{pt.park.id}" class="map-point" data-park="{pt.park.id}">'
                     f'<title>{escape(name)} · {escape(county)}{approx}</title>'
                     f'<circle cx="{pt.x}" cy="{pt.y}" r="9" fill="{pt.colour}" fill-opacity="0.85" stroke="#fff" '
                     f'stroke-width="2"/>'
                     f'<text x="{pt.x + 12}" y="{pt.y + 4}" font-size="12" fill="#1f2937">{escape(name)}</text></a>')
    parts.append("</svg>")
    return Markup("".join(parts))


@router.get("/ui/map", response_class=HTMLResponse)
def map_page(request: Request, session: DbSession, user: User, lang: Lang) -> HTMLResponse:
    rows, _ = park_service.list_parks(session=session, limit=200)
    parks = [park_service.to_read(p, c) for p, c in rows]
    points, box = place(parks)
    legend: dict[str, tuple[str, str, str]] = {}
    for pt in points:
        legend.setdefault(pt.park.county, (pt.colour, pt.park.county_name_zh or pt.park.county,
                                           pt.park.county_name_en or pt.park.county))
    return page(request, "map.html", lang=lang, user=user, svg=draw(points, box, lang), points=points,
                unplaced=[p for p in parks if p.location is None], legend=legend,
                towns=catalog.list_towns(session=session))
