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
from service.destinations import service as destinations
from service.destinations.schemas import DestinationKind, DestinationRead
from service.ui.deps import Lang, User
from service.ui.i18n import kind_name
from service.ui.rendering import UiRoute, page

router = APIRouter(route_class=UiRoute)

WIDTH, HEIGHT, PAD = 760, 560, 48
# One colour per kind of destination, so a workshop is never read as a park on the map.
KIND_COLOURS = {DestinationKind.park: "#2563a8", DestinationKind.workshop: "#c2410c",
                DestinationKind.agri_base: "#15803d", DestinationKind.processing_centre: "#7c3aed",
                DestinationKind.co_built_park: "#0f766e", DestinationKind.labour_source: "#b45309"}


@dataclass(frozen=True)
class Point:
    park: DestinationRead
    x: float
    y: float
    colour: str


def place(parks: Sequence[DestinationRead]) -> tuple[list[Point], tuple[float, float, float, float]]:
    """Project located destinations to SVG coordinates (equirectangular, scaled by cos(latitude)), coloured by
    kind; return the box too."""
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
    points = []
    for p in located:
        assert p.location is not None
        x = PAD + (p.location.lon - west) * squash * scale
        y = HEIGHT - PAD - (p.location.lat - south) * scale
        points.append(Point(park=p, x=round(x, 1), y=round(y, 1), colour=KIND_COLOURS.get(p.kind, "#4b5563")))
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
        # Grid lines every 0.1°; labels only as often as they fit (about 56 px apart).
        lat_every = max(1, math.ceil(24 / (0.1 * scale)))
        lon_every = max(1, math.ceil(56 / (0.1 * squash * scale)))
        step = 0
        lat = math.ceil(south * 10) / 10
        while lat <= north:
            y = HEIGHT - PAD - (lat - south) * scale
            parts.append(f'<line x1="0" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde3ea"/>')
            if step % lat_every == 0:
                parts.append(f'<text x="4" y="{y - 3:.1f}" font-size="10" fill="#8a94a3">{lat:.1f}°N</text>')
            lat, step = round(lat + 0.1, 1), step + 1
        step = 0
        lon = math.ceil(west * 10) / 10
        while lon <= east:
            x = PAD + (lon - west) * squash * scale
            parts.append(f'<line y1="0" y2="{HEIGHT}" x1="{x:.1f}" x2="{x:.1f}" stroke="#dde3ea"/>')
            if step % lon_every == 0:
                parts.append(f'<text x="{x + 3:.1f}" y="{HEIGHT - 4}" font-size="10" fill="#8a94a3">{lon:.1f}°E</text>')
            lon, step = round(lon + 0.1, 1), step + 1
    taken = [(pt.x - 10, pt.y - 10, pt.x + 10, pt.y + 10) for pt in points]  # names keep off the points too
    for pt in points:
        name = pt.park.name_en if en else pt.park.name_zh
        county = (pt.park.county_name_en if en else pt.park.county_name_zh) or pt.park.county
        approx = " (approximate location)" if en else "（位置为近似）"
        kind = kind_name(pt.park.kind, lang)
        parts.append(f'<a href="/ui/parks/{pt.park.id}" class="map-point" data-park="{pt.park.id}" '
                     f'data-kind="{pt.park.kind.value}">'
                     f'<title>{escape(name)} · {escape(kind)} · {escape(county)}{approx}</title>'
                     f'<circle cx="{pt.x}" cy="{pt.y}" r="9" fill="{pt.colour}" fill-opacity="0.85" stroke="#fff" '
                     f'stroke-width="2"/>'
                     f'{_label(name, pt, taken)}</a>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _label(name: str, pt: Point, taken: list[tuple[float, float, float, float]]) -> str:
    """The point's name beside it, moved below, above or to the left when it would cover another name or leave
    the map; left out where no place is free (the point's tooltip and the list below still name it)."""
    width = sum(12 if ord(ch) > 0x2E80 else 6.6 for ch in name)
    for dx, dy, anchor in ((12, 4, "start"), (12, 20, "start"), (12, -12, "start"), (-12, 4, "end"),
                           (-12, 20, "end"), (12, 36, "start"), (12, -28, "start")):
        left = pt.x + dx if anchor == "start" else pt.x + dx - width
        box = (left, pt.y + dy - 12, left + width, pt.y + dy + 3)
        inside = box[0] >= 0 and box[2] <= WIDTH and box[1] >= 0 and box[3] <= HEIGHT
        if inside and not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
            break
    else:
        return ""
    taken.append(box)
    return (f'<text x="{pt.x + dx}" y="{pt.y + dy}" font-size="12" fill="#1f2937" text-anchor="{anchor}">'
            f'{escape(name)}</text>')


@router.get("/ui/map", response_class=HTMLResponse)
def map_page(request: Request, session: DbSession, user: User, lang: Lang) -> HTMLResponse:
    rows, _ = destinations.list_rows(session=session, limit=None)
    parks = [destinations.to_read(d, c) for d, c in rows]
    points, box = place(parks)
    legend: dict[str, tuple[str, str, str]] = {}
    for pt in points:
        legend.setdefault(pt.park.kind.value, (pt.colour, kind_name(pt.park.kind, "zh"), kind_name(pt.park.kind, "en")))
    return page(request, "map.html", lang=lang, user=user, svg=draw(points, box, lang), points=points,
                unplaced=[p for p in parks if p.location is None], legend=legend,
                towns=catalog.list_towns(session=session))
