"""Read and write parks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from service.catalog.models import County
from service.errors import Conflict, NotFound
from service.pagination import LIKE_ESCAPE, contains_pattern
from service.parks import schemas as s
from service.parks.models import Park

JSON_FIELDS = ("location", "free_land_mu", "free_factory_m2", "labour_pool", "anchors", "policies",
               "restrictions", "supplies", "facts", "sources")


class ParkNotFound(NotFound):
    pass


def _columns(record: s.ParkBase) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    data["county_code"] = data.pop("county")
    data.pop("code", None)
    return data


def to_read(park: Park, county: County | None = None) -> s.ParkRead:
    """Render a park row as its read schema."""
    data = {c: getattr(park, c) for c in ("id", "code", "name_zh", "name_en", "level", "positioning_zh",
                                          "positioning_en", "target_industries", *JSON_FIELDS)}
    return s.ParkRead.model_validate(
        {**data, "county": park.county_code,
         "county_name_zh": county.name_zh if county else None,
         "county_name_en": county.name_en if county else None}
    )


def save_records(*, session: Session, records: Sequence[s.ParkRecord]) -> int:
    """Insert or update parks by code; return how many changed."""
    changed = 0
    for record in records:
        values = _columns(record)
        park = session.scalars(select(Park).where(Park.code == record.code)).one_or_none()
        if park is None:
            session.add(Park(code=record.code, **values))
            changed += 1
            continue
        diff = {k: v for k, v in values.items() if getattr(park, k) != v}
        for key, value in diff.items():
            setattr(park, key, value)
        changed += bool(diff)
    session.flush()
    return changed


def list_parks(
    *, session: Session, county: str | None = None, q: str | None = None, offset: int = 0, limit: int = 50,
) -> tuple[Sequence[tuple[Park, County]], int]:
    """List parks with their counties, filtered by county code or a search word."""
    query = select(Park, County).join(County, County.code == Park.county_code)
    if county:
        query = query.where(Park.county_code == county)
    if q:
        like = contains_pattern(q)
        query = query.where(or_(Park.name_zh.ilike(like, escape=LIKE_ESCAPE), Park.name_en.ilike(like, escape=LIKE_ESCAPE), Park.positioning_zh.ilike(like, escape=LIKE_ESCAPE),
                                Park.positioning_en.ilike(like, escape=LIKE_ESCAPE), Park.code.ilike(like, escape=LIKE_ESCAPE)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Park.id).offset(offset).limit(limit)).all()
    return rows, total


def get(*, session: Session, park_id: int) -> s.ParkRead:
    """Return one park or raise ParkNotFound."""
    row = session.execute(
        select(Park, County).join(County, County.code == Park.county_code).where(Park.id == park_id)
    ).one_or_none()
    if row is None:
        raise ParkNotFound(f"园区 {park_id} 不存在 / park {park_id} not found")
    return to_read(*row)


def get_by_code(*, session: Session, code: str) -> s.ParkRead:
    """Return one park by its code or raise ParkNotFound."""
    park_id = session.scalar(select(Park.id).where(Park.code == code))
    if park_id is None:
        raise ParkNotFound(f"园区 {code} 不存在 / park {code} not found")
    return get(session=session, park_id=park_id)


def create(*, session: Session, record: s.ParkCreate) -> s.ParkRead:
    """Add a park; its code must be new and its county known."""
    if session.scalar(select(Park.id).where(Park.code == record.code)) is not None:
        raise Conflict(f"园区代码 {record.code} 已存在 / park code {record.code} already exists")
    if session.get(County, record.county) is None:
        raise NotFound(f"县区 {record.county} 不存在 / county {record.county} not found")
    park = Park(code=record.code, **_columns(record))
    session.add(park)
    session.flush()
    return get(session=session, park_id=park.id)


def update(*, session: Session, park_id: int, changes: s.ParkUpdate) -> s.ParkRead:
    """Apply the given fields to a park."""
    park = session.get(Park, park_id)
    if park is None:
        raise ParkNotFound(f"园区 {park_id} 不存在 / park {park_id} not found")
    for key, value in changes.model_dump(mode="json", exclude_unset=True).items():
        setattr(park, key, value)
    session.flush()
    return get(session=session, park_id=park_id)


def delete(*, session: Session, park_id: int) -> None:
    """Remove a park."""
    park = session.get(Park, park_id)
    if park is None:
        raise ParkNotFound(f"园区 {park_id} 不存在 / park {park_id} not found")
    session.delete(park)
    session.flush()
