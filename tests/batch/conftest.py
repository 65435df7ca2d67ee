"""The matching engine of the matching tests (starter data, real USE encoder), shared with the batch tests."""

from tests.service.matching.conftest import match_engine

__all__ = ["match_engine"]
