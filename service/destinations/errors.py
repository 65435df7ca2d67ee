"""The destination errors other packages catch, apart from the service so catching one needs no database library."""

from __future__ import annotations

from service.errors import NotFound


class DestinationNotFound(NotFound):
    """No destination with that id or code (of the kind asked for, when one was)."""
