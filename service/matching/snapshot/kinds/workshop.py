"""Workshops at relocation settlements (帮扶车间): the labour living there is the labour pool, the workshop floor
is floor for a production line (measured in seats, not in land for a plant), and the subsidies are the policies the graph links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from service.destinations.schemas import DestinationRead, WorkshopDetails
from service.matching.snapshot.kinds.base import load_kind, profile
from service.matching.snapshot.world import DestinationProfile

KIND: Final = "workshop"


def to_profile(destination: DestinationRead) -> DestinationProfile:
    details = destination.details
    assert isinstance(details, WorkshopDetails)
    return profile(
        destination,
        labour_pool=destination.labour_pool or details.labour_available,
        line_floor_m2=details.workshop_m2,
        policies=tuple(details.subsidies),
    )


def load(session: Session) -> Sequence[DestinationProfile]:
    """Every stored workshop as a destination."""
    return load_kind(session, KIND, to_profile)
