"""Destination kinds: each turns its stored records into DestinationProfile (one module per kind)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from sqlalchemy.orm import Session

from service.matching.snapshot.kinds import (
    agri_base,
    co_built_park,
    labour_source,
    park,
    processing_centre,
    workshop,
)
from service.matching.snapshot.world import DestinationProfile

# kind → loader of every destination of that kind; a new kind adds a module and a line here.
DESTINATION_KINDS: Final[dict[str, Callable[[Session], Sequence[DestinationProfile]]]] = {
    park.KIND: park.load,
    workshop.KIND: workshop.load,
    agri_base.KIND: agri_base.load,
    processing_centre.KIND: processing_centre.load,
    co_built_park.KIND: co_built_park.load,
    labour_source.KIND: labour_source.load,
}
