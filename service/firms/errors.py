"""The firm errors other packages catch, apart from the service so catching one needs no database library."""

from __future__ import annotations

from service.errors import NotFound


class FirmNotFound(NotFound):
    """No firm with that id."""
