"""Read and write parks: the park view over destinations of kind park (same ids, same schemas as before)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from service.catalog.models import County
from service.destinations import service as destinations
from service.destinations.errors import DestinationNotFound
from service.destinations.models import Destination
from service.destinations.schemas import (
    DestinationCreate,
    DestinationKind,
    DestinationRead,
    DestinationUpdate,
)
from service.parks import schemas as s

PARK = DestinationKind.park
PARK_ONLY = ("level", "free_factory_m2", "anchors", "policies", "relations")  # stored in the destination's details

# One not-found class per entity: a park is a destination, so a missing park is a missing destination
# (its message still says 园区 / park). Kept under this name for the code that catches it.
ParkNotFound = DestinationNotFound


def _as_destination(record: s.ParkRecord) -> DestinationCreate:
    data = record.model_dump(mode="json")
    details = {name: data.pop(name) for name in PARK_ONLY}
    return DestinationCreate.model_validate({**data, "kind": PARK.value, "details": details})


def from_destination(destination: DestinationRead) -> s.ParkRead:
    """Render a destination of kind park as the park read schema."""
    data = destination.model_dump(mode="json", exclude={"kind", "township", "details"})
    details = destination.details.model_dump(mode="json", exclude={"kind"})
    return s.ParkRead.model_validate({**data, **details})


def to_read(park: Destination, county: County | None = None) -> s.ParkRead:
    """Render a park row as its read schema."""
    return from_destination(destinations.to_read(park, county))


def save_records(*, session: Session, records: Sequence[s.ParkRecord]) -> int:
    """Insert or update parks by code; return how many changed."""
    return len(destinations.save_records(session=session, records=[_as_destination(r) for r in records]))


def list_parks(
    *, session: Session, county: str | None = None, q: str | None = None, offset: int = 0, limit: int = 50,
) -> tuple[Sequence[tuple[Destination, County]], int]:
    """List parks with their counties, filtered by county code or a search word."""
    return destinations.list_rows(session=session, kind=PARK, county=county, q=q, offset=offset, limit=limit)


def get(*, session: Session, park_id: int) -> s.ParkRead:
    """Return one park or raise ParkNotFound."""
    return from_destination(destinations.get(session=session, destination_id=park_id, kind=PARK))


def get_as_park(*, session: Session, destination_id: int) -> s.ParkRead:
    """Any destination in the park read shape (what briefs print); another kind's own details are left out."""
    destination = destinations.get(session=session, destination_id=destination_id)
    if destination.kind == PARK:
        return from_destination(destination)
    return s.ParkRead.model_validate(destination.model_dump(mode="json", exclude={"kind", "township", "details"}))


def get_by_code(*, session: Session, code: str) -> s.ParkRead:
    """Return one park by its code or raise ParkNotFound."""
    return from_destination(destinations.get_by_code(session=session, code=code, kind=PARK))


def create(*, session: Session, record: s.ParkCreate) -> s.ParkRead:
    """Add a park; its code must be new and its county known."""
    return from_destination(destinations.create(session=session, record=_as_destination(record)))


def update(*, session: Session, park_id: int, changes: s.ParkUpdate) -> s.ParkRead:
    """Apply the given fields to a park."""
    given: dict[str, Any] = changes.model_dump(mode="json", exclude_unset=True)
    details = {name: given.pop(name) for name in PARK_ONLY if name in given}
    update = DestinationUpdate.model_validate({**given, **({"details": details} if details else {})})
    return from_destination(destinations.update(session=session, destination_id=park_id, changes=update, kind=PARK))


def delete(*, session: Session, park_id: int) -> None:
    """Remove a park."""
    destinations.delete(session=session, destination_id=park_id, kind=PARK)
