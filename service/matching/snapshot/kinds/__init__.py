"""Destination kinds: each turns its stored records into DestinationProfile (industrial parks first)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from sqlalchemy.orm import Session

from service.matching.snapshot.kinds import park
from service.matching.snapshot.world import DestinationProfile

# kind → loader of every destination of that kind; a new kind adds a module and a line here.
DESTINATION_KINDS: Final[dict[str, Callable[[Session], Sequence[DestinationProfile]]]] = {
    park.KIND: park.load,
}
