"""Agricultural bases and parks: what they grow is what they supply (their `supplies` name the resources; the
products are the names people use), so the market mode can rank them for buyers of farm products."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from service.destinations.schemas import AgriBaseDetails, DestinationRead
from service.matching.snapshot.kinds.base import load_kind, profile
from service.matching.snapshot.world import DestinationProfile

KIND: Final = "agri_base"


def to_profile(destination: DestinationRead) -> DestinationProfile:
    details = destination.details
    assert isinstance(details, AgriBaseDetails)
    return profile(destination, products=tuple(details.products), volume=details.area_mu)


def load(session: Session) -> Sequence[DestinationProfile]:
    """Every stored agricultural base as a destination."""
    return load_kind(session, KIND, to_profile)
