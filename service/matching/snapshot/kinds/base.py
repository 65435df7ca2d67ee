"""What every destination kind shares when it becomes a DestinationProfile: the common fields of the stored record."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from service.destinations.schemas import DestinationRead
from service.destinations.service import list_destinations
from service.matching.snapshot.world import DestinationProfile
from service.sourcing import sourced_targets


def profile(destination: DestinationRead, **kind_fields: Any) -> DestinationProfile:
    """The profile of one stored destination; a kind module passes the fields its details fill in."""
    common: dict[str, Any] = {
        "id": destination.id, "kind": destination.kind.value, "code": destination.code,
        "name_zh": destination.name_zh, "name_en": destination.name_en, "county": destination.county,
        "township": destination.township, "location": destination.location,
        "positioning_zh": destination.positioning_zh, "positioning_en": destination.positioning_en,
        "target_industries": tuple(destination.target_industries), "free_land_mu": destination.free_land_mu,
        "labour_pool": destination.labour_pool, "supplies": tuple(destination.supplies),
        "restrictions": tuple(destination.restrictions), "sources": tuple(destination.sources),
        "sourced_targets": sourced_targets(destination.sources),
        "details": destination.details.model_dump(mode="json"),
        "fingerprint": hashlib.sha256(destination.model_dump_json().encode()).hexdigest(),
    }
    return DestinationProfile(**{**common, **kind_fields})


def load_kind(
    session: Session, kind: str, to_profile: Callable[[DestinationRead], DestinationProfile],
) -> Sequence[DestinationProfile]:
    """Every stored destination of one kind, as profiles."""
    return [to_profile(d) for d in list_destinations(session=session, kind=kind)]
