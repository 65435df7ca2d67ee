"""Processing centres for farm products: what they process is what they offer a buyer or a partner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from service.destinations.schemas import DestinationRead, ProcessingCentreDetails
from service.matching.snapshot.kinds.base import load_kind, profile
from service.matching.snapshot.world import DestinationProfile

KIND: Final = "processing_centre"


def to_profile(destination: DestinationRead) -> DestinationProfile:
    details = destination.details
    assert isinstance(details, ProcessingCentreDetails)
    return profile(destination, products=tuple(details.products), volume=details.capacity)


def load(session: Session) -> Sequence[DestinationProfile]:
    """Every stored processing centre as a destination."""
    return load_kind(session, KIND, to_profile)
