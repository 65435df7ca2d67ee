"""Parks co-built with a Zhongshan town: the partner town is a cooperation tie as strong as a town–county pairing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from service.destinations.schemas import CoBuiltParkDetails, DestinationRead
from service.matching.snapshot.kinds.base import load_kind, profile
from service.matching.snapshot.world import DestinationProfile

KIND: Final = "co_built_park"


def to_profile(destination: DestinationRead) -> DestinationProfile:
    details = destination.details
    assert isinstance(details, CoBuiltParkDetails)
    return profile(destination, partner_town=details.partner_town)


def load(session: Session) -> Sequence[DestinationProfile]:
    """Every stored co-built park as a destination."""
    return load_kind(session, KIND, to_profile)
