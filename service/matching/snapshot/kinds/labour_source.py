"""Labour sources (劳务输出地): counties or townships that send out workers. The outflow is the labour pool; earlier
placements, training and cooperation stations are what a Zhongshan employer weighs (the stations link as policies)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from service.destinations.schemas import DestinationRead, LabourSourceDetails
from service.matching.snapshot.kinds.base import load_kind, profile
from service.matching.snapshot.world import DestinationProfile

KIND: Final = "labour_source"


def to_profile(destination: DestinationRead) -> DestinationProfile:
    details = destination.details
    assert isinstance(details, LabourSourceDetails)
    return profile(
        destination,
        labour_pool=destination.labour_pool or details.outflow,
        outflow=details.outflow, placed_east=details.placed_east, trained=details.trained,
        skills=tuple(details.skills), peak_months=tuple(details.peak_months), policies=tuple(details.stations),
        placements=tuple((p.employer_zh, p.employer_en or p.employer_zh, p.workers, p.source.url)
                         for p in details.placements),
    )


def load(session: Session) -> Sequence[DestinationProfile]:
    """Every stored labour source as a destination."""
    return load_kind(session, KIND, to_profile)
