"""Figures that explanations quote: estimates flagged as such, figures a firm states dated as stated."""

from __future__ import annotations

from service.matching import assumptions as a
from service.sourcing import Figure

STATED_SOURCE = "企业填报 / stated by the firm"


def estimate(value: float, unit: str, note: str) -> Figure:
    return Figure(value=round(float(value), 4), unit=unit, estimate=True, note=note)


def stated(value: float, unit: str, note: str) -> Figure:
    return Figure(value=round(float(value), 4), unit=unit, source=STATED_SOURCE,
                  as_of=a.STATED_AS_OF, note=note)


def wan(yuan: float) -> str:
    """Yuan as 万元 with thousands separators, no decimals."""
    return f"{yuan / 10_000:,.0f}"
