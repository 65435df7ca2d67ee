"""Matching's own errors; firms and destinations that do not exist raise their domains' NotFound."""

from __future__ import annotations

from service.errors import ServiceError


class InvalidProspect(ServiceError):
    """A prospect names an unknown town, industry code or resource."""

    status_code = 422
    code = "invalid_prospect"


class InvalidWeights(ServiceError):
    """A weight override is unknown, negative, not a number, or leaves every weight at zero."""

    status_code = 422
    code = "invalid_weights"


class PlanTooLarge(ServiceError):
    """A plan over more firms than one request may place (constants.PLAN_MAX_FIRMS)."""

    status_code = 422
    code = "plan_too_large"


class InvalidParameter(ServiceError):
    """A ranking parameter out of its range (top_k, min_score); the CLI and the API refuse it with one message."""

    status_code = 422
    code = "validation_error"

    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(f"参数无效：{field}，{zh} / invalid parameter {field}: {en}")
        self.field = field
