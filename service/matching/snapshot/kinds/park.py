"""Industrial parks as destinations: ParkRead → DestinationProfile (with anchors and policies for the graph)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from service.matching.snapshot.world import DestinationProfile
from service.parks.schemas import ParkRead
from service.parks.service import list_parks, to_read
from service.sourcing import sourced_targets

KIND: Final = "park"


def profile(park: ParkRead) -> DestinationProfile:
    """The destination profile of one stored park."""
    return DestinationProfile(
        id=park.id, kind=KIND, code=park.code, name_zh=park.name_zh, name_en=park.name_en, county=park.county,
        level=park.level.value, location=park.location, positioning_zh=park.positioning_zh,
        positioning_en=park.positioning_en, target_industries=tuple(park.target_industries),
        free_land_mu=park.free_land_mu, free_factory_m2=park.free_factory_m2, labour_pool=park.labour_pool,
        supplies=tuple(park.supplies), restrictions=tuple(park.restrictions), anchors=tuple(park.anchors),
        policies=tuple(park.policies), sources=tuple(park.sources), sourced_targets=sourced_targets(park.sources),
        fingerprint=hashlib.sha256(park.model_dump_json().encode()).hexdigest(),
    )


def load(session: Session) -> Sequence[DestinationProfile]:
    """Every stored park as a destination."""
    rows, _ = list_parks(session=session, limit=100_000)
    return [profile(to_read(p, k)) for p, k in rows]
