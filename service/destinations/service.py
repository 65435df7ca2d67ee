"""Read and write destinations of every kind; each write publishes Changed("destination")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from service.catalog.models import County, Town
from service.changes import Changed
from service.destinations import schemas as s
from service.destinations.errors import DestinationNotFound
from service.destinations.models import Destination
from service.errors import Conflict, NotFound, Problem, ServiceError
from service.events import publish
from service.pagination import LIKE_ESCAPE, contains_pattern

COLUMNS = ("kind", "name_zh", "name_en", "county_code", "township", "location", "positioning_zh", "positioning_en",
           "target_industries", "free_land_mu", "labour_pool", "restrictions", "supplies", "facts", "sources",
           "details")
READ_ONLY = {"id", "county_name_zh", "county_name_en"}


class DestinationInvalid(ServiceError):
    status_code = 422
    code = "invalid_destination"


def _label(kind: s.DestinationKind | str | None) -> tuple[str, str]:
    return s.KIND_LABELS[s.DestinationKind(kind)] if kind else ("目的地", "destination")


def not_found(key: int | str, kind: s.DestinationKind | str | None = None) -> DestinationNotFound:
    """The 404 for a destination, named by its kind: 园区 3 不存在 / park 3 not found."""
    zh, en = _label(kind)
    return DestinationNotFound(f"{zh} {key} 不存在 / {en} {key} not found")


def _columns(record: s.DestinationBase) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    data["county_code"] = data.pop("county")
    data["details"].pop("kind")  # the kind column says it once
    return {name: data[name] for name in COLUMNS}


def to_read(row: Destination, county: County | None = None) -> s.DestinationRead:
    """Render a destination row as its read schema."""
    data = {c: getattr(row, c) for c in ("id", "code", *COLUMNS) if c != "county_code"}
    return s.DestinationRead.model_validate(
        {**data, "details": {**(row.details or {}), "kind": row.kind}, "county": row.county_code,
         "county_name_zh": county.name_zh if county else None,
         "county_name_en": county.name_en if county else None}
    )


def _query(
    *, kind: s.DestinationKind | str | None, county: str | None, q: str | None,
) -> Select[Destination, County]:
    query = select(Destination, County).join(County, County.code == Destination.county_code)
    if kind:
        query = query.where(Destination.kind == str(kind))
    if county:
        query = query.where(Destination.county_code == county)
    if q:
        like = contains_pattern(q)
        query = query.where(or_(*(column.ilike(like, escape=LIKE_ESCAPE) for column in (
            Destination.name_zh, Destination.name_en, Destination.positioning_zh, Destination.positioning_en,
            Destination.code))))
    return query


def list_rows(
    *, session: Session, kind: s.DestinationKind | str | None = None, county: str | None = None,
    q: str | None = None, offset: int = 0, limit: int | None = 50,
) -> tuple[Sequence[tuple[Destination, County]], int]:
    """Destination rows with their counties, by id, filtered by kind, county code or a search word; and the total."""
    query = _query(kind=kind, county=county, q=q)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Destination.id).offset(offset).limit(limit)).all()
    return rows, total


def list_page(
    *, session: Session, kind: s.DestinationKind | None = None, county: str | None = None, q: str | None = None,
    offset: int = 0, limit: int = 50,
) -> tuple[list[s.DestinationRead], int]:
    """One page of destinations as read schemas, and how many match in all."""
    rows, total = list_rows(session=session, kind=kind, county=county, q=q, offset=offset, limit=limit)
    return [to_read(d, c) for d, c in rows], total


def list_destinations(*, session: Session, kind: s.DestinationKind | str | None = None) -> list[s.DestinationRead]:
    """Every destination (of one kind, when given), ordered by id."""
    rows, _ = list_rows(session=session, kind=kind, limit=None)
    return [to_read(d, c) for d, c in rows]


def _row(session: Session, destination_id: int, kind: s.DestinationKind | str | None) -> Destination:
    row = session.get(Destination, destination_id)
    if row is None or (kind is not None and row.kind != str(kind)):
        raise not_found(destination_id, kind)
    return row


def get(*, session: Session, destination_id: int, kind: s.DestinationKind | str | None = None) -> s.DestinationRead:
    """Return one destination (of the given kind, when given) or raise DestinationNotFound."""
    row = _row(session, destination_id, kind)
    return to_read(row, session.get(County, row.county_code))


def get_by_code(*, session: Session, code: str, kind: s.DestinationKind | str | None = None) -> s.DestinationRead:
    """Return one destination by its code or raise DestinationNotFound."""
    query = select(Destination.id).where(Destination.code == code)
    if kind is not None:
        query = query.where(Destination.kind == str(kind))
    destination_id = session.scalar(query)
    if destination_id is None:
        raise not_found(code, kind)
    return get(session=session, destination_id=destination_id)


def _check_references(session: Session, record: s.DestinationBase) -> None:
    if session.get(County, record.county) is None:
        raise NotFound(f"县区 {record.county} 不存在 / county {record.county} not found")
    details = record.details
    if isinstance(details, s.CoBuiltParkDetails):
        if session.get(Town, details.partner_town) is None:
            raise NotFound(f"镇街 {details.partner_town} 不存在 / town {details.partner_town} not found")
        if details.partner_county and session.get(County, details.partner_county) is None:
            raise NotFound(f"县区 {details.partner_county} 不存在 / county {details.partner_county} not found")


def _refuse_duplicate(session: Session, code: str) -> None:
    if session.scalar(select(Destination.id).where(Destination.code == code)) is not None:
        raise Conflict(f"代码 {code} 已被使用 / code {code} is already in use")


def create(*, session: Session, record: s.DestinationCreate) -> s.DestinationRead:
    """Add a destination; its code must be new (across kinds) and its county known."""
    _refuse_duplicate(session, record.code)
    _check_references(session, record)
    row = Destination(code=record.code, **_columns(record))
    session.add(row)
    session.flush()
    publish(session, Changed("destination", (row.id,)))
    return get(session=session, destination_id=row.id)


def update(
    *, session: Session, destination_id: int, changes: s.DestinationUpdate,
    kind: s.DestinationKind | str | None = None,
) -> s.DestinationRead:
    """Apply the given fields to a destination; `details` fields are merged into its details, the kind stays."""
    row = _row(session, destination_id, kind)
    current = to_read(row)
    given = changes.model_dump(mode="json", exclude_unset=True)
    base = current.model_dump(mode="json", exclude=READ_ONLY)
    if "details" in given:
        patch = given["details"] or {}
        if patch.get("kind", current.kind.value) != current.kind.value:
            message = (f"类型不可更改（现为 {current.kind.value}）/ the kind cannot change "
                       f"(it is {current.kind.value})")
            raise DestinationInvalid(message, problems=[Problem(column="details.kind", message=message)])
        given["details"] = {**base["details"], **patch, "kind": current.kind.value}
    try:
        merged = s.DestinationCreate.model_validate({**base, **given})
    except ValidationError as exc:  # e.g. an explicit null for a field every destination has
        problems = Problem.from_validation(exc)
        raise DestinationInvalid("; ".join(f"{p.column}: {p.message}" for p in problems), problems=problems) from exc
    _check_references(session, merged)
    diff = {k: v for k, v in _columns(merged).items() if getattr(row, k) != v}
    for key, value in diff.items():
        setattr(row, key, value)
    if diff:
        session.flush()
        publish(session, Changed("destination", (destination_id,)))
    return get(session=session, destination_id=destination_id)


def delete(*, session: Session, destination_id: int, kind: s.DestinationKind | str | None = None) -> None:
    """Remove a destination (and, by cascade, the feedback recorded on it)."""
    row = _row(session, destination_id, kind)
    session.delete(row)
    session.flush()
    publish(session, Changed("destination", (destination_id,), deleted=True))


def save_records(*, session: Session, records: Sequence[s.DestinationCreate]) -> list[int]:
    """Insert or update destinations by code; return the ids that changed (one event for all of them)."""
    changed: list[int] = []
    for record in records:
        values = _columns(record)
        row = session.scalars(select(Destination).where(Destination.code == record.code)).one_or_none()
        if row is None:
            row = Destination(code=record.code, **values)
            session.add(row)
            session.flush()
            changed.append(row.id)
            continue
        if row.kind != values["kind"]:
            raise Conflict(f"代码 {record.code} 已用于{_label(row.kind)[0]} / code {record.code} is already a "
                           f"{_label(row.kind)[1]}")
        diff = {k: v for k, v in values.items() if getattr(row, k) != v}
        for key, value in diff.items():
            setattr(row, key, value)
        if diff:
            changed.append(row.id)
    session.flush()
    if changed:
        publish(session, Changed("destination", tuple(changed)))
    return changed
